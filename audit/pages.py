"""Audit the portal's pages with Lighthouse and axe-core in Debian's chromium.

    python audit/pages.py [--base URL] [--lang th,en] [--only NAME,...]

Runs against a portal that is already running with the demo data (`make run`).
For each page (public ones anonymously, the others as a demo user):

- Lighthouse (audit/node_modules, pinned in audit/package.json), mobile form factor
  with its default simulated throttling: performance, accessibility, best practices
  and SEO scores, and the bytes the first view transferred;
- axe-core (same place) through Playwright at 1366 and at 390 pixels: the number of
  violations, with their rule ids.

Prints a Markdown table and exits non-zero when a page misses a target
(performance >= 90, the other three 100, no axe violation). `make audit-pages`
installs the tools and runs this.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
LIGHTHOUSE = NODE_MODULES / ".bin" / "lighthouse"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
PASSWORD = "demo-pass-2563"  # the demo users' password (load_demo)
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking"
)

# name, path, demo user (None: anonymous)
PAGES = [
    ("overview", "/", None),
    ("project list", "/projects/", None),
    ("project", "/projects/21000000-3152/", None),
    ("department", "/departments/21000000/", None),
    ("indicator", "/indicators/2100-1044/", None),
    ("dashboard", "/reports/", None),
    ("compliance", "/reports/compliance/", None),
    ("data quality", "/reports/data-quality/", "evaluator"),
    ("login", "/accounts/login/", None),
    ("staff: report form", "/projects/21000000-3152/updates/new/", "staff"),
    ("staff: plan form", "/projects/21000000-3152/plan/", "staff"),
    ("staff: KPI result form", "/indicators/2100-1044/results/1/", "staff"),
    ("evaluator: project score", "/projects/21000000-3152/evaluate/1/", "evaluator"),
    ("evaluator: KPI score", "/indicators/2100-1044/evaluate/1/", "evaluator"),
    ("open data", "/open-data/", None),
    ("KPI results report", "/reports/kpis/", None),
    ("staff: budget", "/projects/21000000-3152/budget/", "staff"),
    ("staff: my work", "/my/", "staff"),
    ("approver: approvals", "/approvals/", "approver"),
    ("staff: notifications", "/notifications/", "staff"),
    ("staff: notification settings", "/notifications/preferences/", "staff"),
    ("staff: month import", "/imports/month/", "staff"),
    ("staff: project history", "/projects/21000000-3152/history/", "staff"),
    ("evaluator: plan import", "/imports/plan/", "evaluator"),
    ("evaluator: evaluations", "/evaluations/", "evaluator"),
]
TARGETS = {"performance": 90, "accessibility": 100, "best-practices": 100, "seo": 100}


def session_cookie(base: str, username: str) -> str:
    """Log in through the login form; return the session cookie's value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login_url = urllib.parse.urljoin(base, "/accounts/login/")
    html = opener.open(login_url).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}
    ).encode()
    request = urllib.request.Request(
        login_url, data=data, headers={"Referer": login_url}
    )
    opener.open(request)
    for cookie in jar:
        if cookie.name == "sessionid":
            return cookie.value
    raise SystemExit(f"could not log in as {username} at {login_url}")


def lighthouse(url: str, cookies: dict[str, str], chrome: str) -> dict:
    """Run Lighthouse (mobile, default throttling); return scores and bytes."""
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        subprocess.run(
            [
                str(LIGHTHOUSE),
                url,
                "--quiet",
                "--output=json",
                f"--output-path={out}",
                "--only-categories=performance,accessibility,best-practices,seo",
                f"--chrome-flags={CHROME_FLAGS}",
                f"--extra-headers={json.dumps(headers)}",
            ],
            check=True,
            env={**os.environ, "CHROME_PATH": chrome},
            timeout=300,
        )
        report = json.loads(out.read_text())
    scores = {
        key: round((cat["score"] or 0) * 100)
        for key, cat in report["categories"].items()
    }
    failed = sorted(
        audit_id
        for category in ("accessibility", "best-practices", "seo")
        for ref in report["categories"][category]["auditRefs"]
        if ref["weight"]
        and (audit_id := ref["id"])
        and (report["audits"][audit_id]["score"] not in (None, 1))
    )
    weight = report["audits"]["total-byte-weight"].get("numericValue", 0)
    return {"scores": scores, "bytes": int(weight), "failed": failed}


def axe(url: str, cookies: dict[str, str], chrome: str, width: int) -> list[str]:
    """Run axe-core at a window width; return the violated rules' ids."""
    from playwright.sync_api import sync_playwright

    host = urllib.parse.urlsplit(url).hostname
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chrome, args=["--no-sandbox"])
        context = browser.new_context(
            viewport={"width": width, "height": 900}, bypass_csp=True
        )
        context.add_cookies(
            [
                {"name": k, "value": v, "domain": host, "path": "/"}
                for k, v in cookies.items()
            ]
        )
        page = context.new_page()
        page.goto(url, wait_until="load")
        page.add_script_tag(path=str(AXE_JS))
        result = page.evaluate(
            "axe.run(document, {resultTypes: ['violations']})"
            ".then(r => r.violations.map(v => v.id + ':' + v.nodes.length))"
        )
        browser.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--lang", default="th,en", help="languages for axe")
    parser.add_argument(
        "--lighthouse-lang", default="th", help="languages for Lighthouse"
    )
    parser.add_argument("--only", default="", help="comma-separated page names")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    chrome = os.environ.get("CHROME_PATH") or shutil.which("chromium")
    if not chrome or not LIGHTHOUSE.exists() or not AXE_JS.exists():
        print("needs chromium and `npm ci --prefix audit` (make audit-pages does it)")
        return 2
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    sessions: dict[str, str] = {}
    rows = []
    ok = True
    for name, path, user in PAGES:
        if only and name not in only:
            continue
        if user and user not in sessions:
            sessions[user] = session_cookie(args.base, user)
        url = urllib.parse.urljoin(args.base, path)
        for lang in args.lang.split(","):
            cookies = {"django_language": lang}
            if user:
                cookies["sessionid"] = sessions[user]
            row = {"page": name, "path": path, "lang": lang}
            failed = False
            if lang in args.lighthouse_lang.split(","):
                try:
                    row.update(lighthouse(url, cookies, chrome))
                except subprocess.CalledProcessError as error:
                    # A page Lighthouse cannot load (a 403, a 500) is a finding, and
                    # the other pages are still audited.
                    row["failed"] = [f"lighthouse exited {error.returncode}"]
                    failed = True
            row["axe_1366"] = axe(url, cookies, chrome, 1366)
            row["axe_390"] = axe(url, cookies, chrome, 390)
            missed = failed or row["axe_1366"] or row["axe_390"]
            for key, target in TARGETS.items():
                if "scores" in row and row["scores"].get(key, 0) < target:
                    missed = True
            ok = ok and not missed
            rows.append(row)
            print(f"  {name} ({lang}) done", file=sys.stderr)
    print_table(rows)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2, ensure_ascii=False))
    return 0 if ok else 1


def print_table(rows: list[dict]) -> None:
    print(
        "| page | lang | perf | a11y | best pr. | SEO | KB first view | "
        "axe 1366 | axe 390 | not passed |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|---|---|")
    for row in rows:
        scores = row.get("scores", {})
        cells = [
            row["page"],
            row["lang"],
            *(str(scores.get(key, "")) for key in TARGETS),
            f"{row['bytes'] / 1024:.0f}" if "bytes" in row else "",
            ", ".join(row["axe_1366"]) or "0",
            ", ".join(row["axe_390"]) or "0",
            ", ".join(row.get("failed", [])),
        ]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    sys.exit(main())
