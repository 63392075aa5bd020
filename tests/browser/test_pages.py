"""Pages as a person sees them in chromium: charts drawn, language, filters, print."""

import pytest
from playwright.sync_api import Page, expect

from tests.projects.test_models import make_seed_like_project
from tests.projects.test_views import add_kpi

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_menu(page: Page) -> None:
    """Open the navigation menu when the window is narrow enough to fold it."""
    toggler = page.locator("summary.navbar-toggler")
    if toggler.is_visible() and not page.locator("#main-nav").is_visible():
        toggler.click()
        expect(page.locator("#main-nav")).to_be_visible()


@pytest.fixture
def seed_project():
    project = make_seed_like_project()
    add_kpi(project)
    return project


def test_project_page_draws_gauge_s_curve_and_kpi_chart(
    live_server, page: Page, seed_project
):
    page.goto(f"{live_server.url}{seed_project.get_absolute_url()}")
    # The gauge is SVG from the server; the charts are drawn as they come into view.
    gauge = page.locator("[data-testid=gauge]")
    expect(gauge).to_be_visible()
    expect(gauge.locator("text.gauge-number")).to_have_text("100%")
    curve = page.locator('[data-chart="s-curve-data"]')
    curve.scroll_into_view_if_needed()
    expect(curve).to_have_attribute("data-chart-ready", "true", timeout=15000)
    # Two traces: the plan and the reports.
    expect(curve.locator(".scatterlayer .trace")).to_have_count(2)
    kpi = page.locator(".indicator-block [data-chart]").first
    kpi.scroll_into_view_if_needed()
    expect(kpi).to_have_attribute("data-chart-ready", "true")
    expect(kpi.locator(".barlayer .point")).to_have_count(4)


def test_language_switch_changes_the_labels(live_server, page: Page, seed_project):
    page.goto(f"{live_server.url}{seed_project.get_absolute_url()}")
    expect(page.locator("html")).to_have_attribute("lang", "th")
    open_menu(page)
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#updates-heading")).to_contain_text("Progress reports")
    assert page.url.endswith(seed_project.get_absolute_url())
    open_menu(page)
    page.get_by_role("button", name="ไทย").click()
    expect(page.locator("html")).to_have_attribute("lang", "th")


def test_list_filter_narrows_the_rows(live_server, page: Page, seed_project):
    from tests.factories import ProjectFactory

    ProjectFactory(name_th="โครงการอื่น", department=seed_project.department)
    page.goto(f"{live_server.url}/projects/?fy=2563")
    rows = page.locator(".project-table tbody tr")
    expect(rows).to_have_count(2)
    page.locator("#id_q").fill("โครงการอื่น")
    page.locator(".filter-form button[type=submit]").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("โครงการอื่น")


def test_print_view_renders_on_a4(live_server, page: Page, seed_project):
    page.goto(f"{live_server.url}/projects/{seed_project.code}/print/")
    expect(page.locator('[data-chart="s-curve-data"]')).to_have_attribute(
        "data-chart-ready", "true", timeout=15000
    )
    page.emulate_media(media="print")
    expect(page.locator("#s-curve-table")).to_be_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 2


def test_project_page_at_phone_width_has_no_sideways_scroll(
    live_server, page: Page, seed_project
):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}{seed_project.get_absolute_url()}")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
