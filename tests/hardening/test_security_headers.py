"""Security headers on every response, no inline script, and HTTPS in production."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from projects import demo
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


class _ScriptFinder(HTMLParser):
    """Collects what a Content Security Policy without 'unsafe-inline' would block."""

    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.inline.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.inline.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            data_block = (attributes.get("type") or "").lower() == "application/json"
            self._in_inline_script = not attributes.get("src") and not data_block

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data: str) -> None:
        if self._in_inline_script and data.strip():
            self.inline.append(f"<script>{data.strip()[:60]}")


def inline_scripts(html: str) -> list[str]:
    """Inline scripts, event-handler attributes and javascript: URLs in a page."""
    finder = _ScriptFinder()
    finder.feed(html)
    return finder.inline


def test_the_finder_sees_inline_scripts_and_handlers():
    html = (
        '<script>alert(1)</script><script src="/static/x.js"></script>'
        '<script type="application/json" id="d">{"a": 1}</script>'
        '<button onclick="go()">x</button><a href="javascript:go()">y</a>'
    )
    assert inline_scripts(html) == [
        "<script>alert(1)",
        "<button onclick='go()'>",
        "<a href='javascript:go()'>",
    ]


@pytest.fixture
def seed():
    project, _created = demo.write_seed_project()
    return project


def directives(response) -> dict[str, set[str]]:
    policy = response["Content-Security-Policy"]
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: set(values) for name, *values in parts}


def test_pages_carry_a_policy_with_no_inline_script(client, seed):
    policy = directives(client.get(seed.get_absolute_url()))
    assert policy == {
        "default-src": {"'self'"},
        "script-src": {"'self'"},
        "style-src": {"'self'", "'unsafe-inline'"},
        "img-src": {"'self'", "data:"},
        "font-src": {"'self'", "data:"},
        "connect-src": {"'self'"},
        "object-src": {"'none'"},
        "base-uri": {"'self'"},
        "form-action": {"'self'"},
        "frame-ancestors": {"'none'"},
    }


@pytest.mark.parametrize(
    "path",
    ["/", "/projects/21000000-3152/", "/healthz", "/accounts/login/", "/admin/login/"],
)
def test_every_response_carries_the_protective_headers(client, seed, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "Content-Security-Policy" in response
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_not_found_and_redirects_carry_them_too(client, seed):
    for response in (client.get("/projects/none-such/"), client.get("/my/")):
        assert response.status_code in (302, 404)
        assert response["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "name,args",
    [
        ("projects:overview", []),
        ("projects:list", []),
        ("projects:detail", [demo.SEED_PROJECT_CODE]),
        ("projects:print", [demo.SEED_PROJECT_CODE]),
        ("projects:department-list", []),
        ("projects:department-detail", [demo.DEPARTMENT["code"]]),
        ("indicators:list", []),
        ("indicators:detail", [demo.INDICATOR["code"]]),
        ("login", []),
    ],
)
def test_reading_pages_have_no_inline_script(client, seed, name, args):
    response = client.get(reverse(name, args=args), {"fy": demo.SEED_FISCAL_YEAR})
    assert response.status_code == 200
    html = response.content.decode()
    assert inline_scripts(html) == []
    # The figures travel as data for static/js/charts.js.
    if name in ("projects:detail", "projects:print", "indicators:detail"):
        assert 'type="application/json"' in html


# Production: HTTPS behind a proxy (settings from DEBUG=false, see conftest).


def test_plain_http_is_redirected_to_https(client, seed, production):
    response = client.get("/projects/21000000-3152/?fy=2563")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/projects/21000000-3152/?fy=2563"


def test_the_health_check_answers_on_plain_http(client, db, production):
    assert client.get("/healthz").status_code == 200


def test_https_from_the_proxy_gets_hsts(client, seed, production):
    response = client.get("/", headers={"x-forwarded-proto": "https"})
    assert response.status_code == 200
    assert (
        response["Strict-Transport-Security"]
        == "max-age=31536000; includeSubDomains; preload"
    )


def test_cookies_are_secure_and_http_only(client, production):
    user = UserFactory(role="staff")
    response = client.post(
        reverse("login"),
        {"username": user.username, "password": PASSWORD},
        secure=True,
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert session["max-age"] == 8 * 60 * 60
    csrf = client.get(reverse("login"), secure=True).cookies["csrftoken"]
    assert csrf["secure"] is True
    language = client.post(
        reverse("set_language"), {"language": "en", "next": "/"}, secure=True
    ).cookies["django_language"]
    assert language["secure"] is True
    assert language["httponly"] is True
