"""Usable without a mouse, without JavaScript, on paper: menu, error summary, print."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_pages import seed_project  # noqa: F401 (a fixture)
from tests.factories import PlanStepFactory, ProjectFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# charts.js lays charts out at this width before printing: A4 less its margins.
PRINT_WIDTH = 640


def log_in(page: Page, live_server, user) -> None:
    """Give the page's browser a session of the user, as logging in would."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


@pytest.fixture
def no_js_page(browser: Browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


def test_whole_menu_shows_at_office_width_without_javascript(
    live_server, no_js_page: Page
):
    page = no_js_page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/projects/")
    expect(page.locator("summary.navbar-toggler")).to_be_hidden()
    for name in ("ภาพรวม", "โครงการ", "หน่วยงาน", "ตัวชี้วัด", "รายงาน"):
        expect(page.locator("#main-nav").get_by_role("link", name=name)).to_be_visible()
    expect(page.locator("#fy-switch")).to_be_visible()
    expect(page.get_by_role("button", name="English")).to_be_visible()


def test_an_administrators_english_menu_keeps_every_control_on_screen(
    live_server, page: Page
):
    """The longest menu (an administrator's, in English) wraps its controls onto
    a second row at 1366 px rather than pushing them past the window's edge."""
    log_in(page, live_server, UserFactory(is_staff=True, is_superuser=True))
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/projects/")
    page.get_by_role("button", name="English").click()
    expect(
        page.locator("#main-nav").get_by_role("link", name="Account history")
    ).to_be_visible()
    for control in (
        page.locator("#fy-switch"),
        page.get_by_role("button", name="Show", exact=True),
        page.get_by_role("button", name="ไทย"),
        page.locator(".user-menu > summary"),
    ):
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0
        assert box["x"] + box["width"] <= 1366, control


def test_folded_menu_opens_without_javascript_and_switches_language(
    live_server, no_js_page: Page
):
    page = no_js_page
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{live_server.url}/projects/")
    menu = page.locator("#main-nav")
    expect(menu).to_be_hidden()
    page.locator("summary.navbar-toggler").focus()
    page.keyboard.press("Enter")
    expect(menu).to_be_visible()
    expect(page.locator("#fy-switch")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_failed_report_opens_on_a_focused_error_summary(live_server, page: Page):
    project = ProjectFactory(fiscal_year=2563)
    PlanStepFactory(project=project)
    staff = UserFactory(role="staff")
    project.department.members.add(staff)
    log_in(page, live_server, staff)
    page.goto(f"{live_server.url}/projects/{project.code}/updates/new/")
    page.locator("#id_report_date").fill("31/4/2563")
    page.locator("#id_percent").fill("150")
    page.locator("form[novalidate] button[type=submit][name=submit]").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.locator("li")).to_have_count(2)
    expect(summary).to_contain_text("30")  # April has 30 days
    assert page.title().startswith("(ผิดพลาด 2 รายการ) ")
    summary.locator("a[href='#id_percent']").click()
    expect(page.locator("#id_percent")).to_be_focused()


@pytest.mark.parametrize("width", [1366, 390])
def test_printed_charts_fit_a4_from_any_window(
    live_server,
    page: Page,
    seed_project,  # noqa: F811 (the fixture imported above)
    width: int,
):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}{seed_project.get_absolute_url()}")
    expect(page.locator("[data-testid=gauge]")).to_be_visible()
    page.evaluate("window.portalCharts.drawAll()")
    curve = page.locator('[data-chart="s-curve-data"]')
    expect(curve).to_have_attribute("data-chart-ready", "true", timeout=15000)
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    page.emulate_media(media="print")
    widths = page.eval_on_selector_all(
        ".chart-canvas .main-svg",
        "svgs => svgs.map(svg => svg.getBoundingClientRect().width)",
    )
    assert widths and max(widths) <= PRINT_WIDTH
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
