"""The production topology: a reverse proxy in front of the web replicas, which
are not published themselves; the proxy's headers are the ones the portal trusts."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "nginx" / "portal.conf.template"
yaml = pytest.importorskip("yaml")


def soak_module():
    spec = importlib.util.spec_from_file_location("soak", ROOT / "bench" / "soak.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("soak", module)
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "bench"))
    return module


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_only_the_proxy_is_published(compose):
    services = compose["services"]
    assert "ports" not in services["web"]
    assert "ports" not in services["db"]
    assert services["web"]["expose"] == ["8000"]
    published = services["proxy"]["ports"]
    assert published == ["${PROXY_BIND:-127.0.0.1}:${PROXY_PORT:-8080}:80"]


def test_the_web_replicas_trust_exactly_one_proxy(compose):
    web = compose["services"]["web"]
    assert web["environment"]["PROXY_COUNT"] == "1"
    assert web["deploy"]["replicas"] == 2
    assert "migrate" not in web["command"]  # once, not in every replica


def test_the_proxy_uses_the_template_the_soak_uses(compose):
    proxy = compose["services"]["proxy"]
    assert proxy["image"].startswith("nginx:")
    mounted = [volume.split(":")[0] for volume in proxy["volumes"]]
    assert mounted == ["./deploy/nginx/portal.conf.template"]
    assert proxy["environment"]["PORTAL_UPSTREAMS"].startswith("server web:8000")


def test_the_template_sets_the_headers_and_compresses_html():
    text = TEMPLATE.read_text()
    assert "proxy_set_header X-Forwarded-Proto ${PORTAL_FORWARDED_PROTO};" in text
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in text
    assert re.search(r"^\s*gzip on;", text, re.M)
    # nginx compresses text/html whenever gzip is on; the rest is listed.
    assert "application/json" in text
    body = re.search(r"client_max_body_size (\d+)m;", text)
    assert int(body.group(1)) * 1024 * 1024 > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    evidence = settings.EVIDENCE_MAX_FILES_PER_REPORT * settings.EVIDENCE_MAX_FILE_BYTES
    assert int(body.group(1)) * 1024 * 1024 > evidence


def test_the_soak_fills_every_variable_of_the_template():
    soak = soak_module()
    site = soak.nginx_site("127.0.0.1:8080", ["127.0.0.1:1", "127.0.0.1:2"], "https")
    directives = [
        line for line in site.splitlines() if not line.lstrip().startswith("#")
    ]
    assert not [line for line in directives if "${" in line]
    assert site.count("server 127.0.0.1:") == 2
    assert "X-Forwarded-Proto https;" in site


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_the_configuration(tmp_path):
    soak = soak_module()
    (tmp_path / "portal.conf").write_text(
        soak.nginx_site("127.0.0.1:1", ["127.0.0.1:2"], "https")
    )
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / kind).mkdir()
    (tmp_path / "nginx.conf").write_text(soak.nginx_main(tmp_path))
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
