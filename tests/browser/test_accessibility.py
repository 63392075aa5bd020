"""Every page of the page audit passes axe-core (WCAG 2.1 AA rules) in chromium.

The pages and the demo user each is read as come from ``audit/pages.py`` (one list
for the audit and this test); the data is the demo data. Thai at the office and the
phone width, English at the office width. ``make audit-pages`` adds Lighthouse.
"""

import importlib.util
import io
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(settings.BASE_DIR)
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# The demo data as of a fixed day: the pages' content does not follow the calendar.
DEMO_DAY = date(2026, 11, 20)
RUNS = (("th", 1366), ("th", 390), ("en", 1366))
# WCAG 2.0 and 2.1, levels A and AA: the rules the portal promises.
AXE_RUN = (
    "axe.run(document, {runOnly: {type: 'tag', values: "
    "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})"
    ".then(r => r.violations.map(v => v.id + ' ' + "
    "v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(' | ')))"
)


def audited_pages() -> list[tuple[str, str, str | None]]:
    spec = importlib.util.spec_from_file_location(
        "audit_pages", ROOT / "audit" / "pages.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PAGES


@pytest.mark.skipif(
    not AXE_JS.exists(), reason="axe-core not installed (make install runs npm ci)"
)
def test_every_audited_page_passes_axe(live_server, browser: Browser):
    call_command("load_demo", "--today", DEMO_DAY.isoformat(), stdout=io.StringIO())
    sessions = {}
    found = []
    pages = audited_pages()
    assert len(pages) >= 20
    for name, path, user in pages:
        if user and user not in sessions:
            client = Client()
            client.force_login(get_user_model().objects.get(username=user))
            sessions[user] = client.cookies[settings.SESSION_COOKIE_NAME].value
        for lang, width in RUNS:
            context = browser.new_context(
                viewport={"width": width, "height": 900}, bypass_csp=True
            )
            cookies = [
                {"name": "django_language", "value": lang, "url": live_server.url}
            ]
            if user:
                cookies.append(
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": sessions[user],
                        "url": live_server.url,
                    }
                )
            context.add_cookies(cookies)
            page = context.new_page()
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, (name, path, response.status)
            page.add_script_tag(path=str(AXE_JS))
            for violation in page.evaluate(AXE_RUN):
                found.append(f"{name} ({lang}, {width} px): {violation}")
            context.close()
    assert not found, "\n".join(found)
