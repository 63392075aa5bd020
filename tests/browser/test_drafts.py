"""What a person typed survives a refused request: the portal's 413 page, then the
back button, give the text back (static/js/drafts.js); a saved form forgets it."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, PlanStepFactory, ProjectFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff_project():
    project = ProjectFactory(fiscal_year=2563)
    PlanStepFactory(project=project)
    user = UserFactory(username="somchai", role="staff")
    project.department.members.add(user)
    return project, user


def log_in(page: Page, base: str, user) -> None:
    page.goto(f"{base}{reverse('login')}")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


def test_text_typed_into_an_oversized_report_comes_back(
    live_server, page: Page, staff_project, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 20_000
    project, user = staff_project
    log_in(page, live_server.url, user)
    form_url = (
        f"{live_server.url}{reverse('projects:update-create', args=[project.code])}"
    )
    page.goto(form_url)
    # About 45 kB once sent: the form is multipart (it carries evidence files),
    # which sends Thai as UTF-8 (3 bytes a letter), not percent-encoded.
    long_text = "ลงพื้นที่ตรวจงานก่อสร้าง " * 600
    page.locator("#id_report_date").fill("15/6/2563")
    page.locator("#id_percent").fill("70")
    page.locator("#id_done").fill(long_text)
    page.locator("#id_problems").fill("ฝนตกหนัก")
    page.locator("main form button[type=submit][name=submit]").click()
    expect(page.locator("[data-error-status='413']")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("ใหญ่เกินไป")

    page.go_back()
    page.wait_for_load_state()
    expect(page.locator("main form .alert-info")).to_be_visible()
    assert page.locator("#id_done").input_value() == long_text
    expect(page.locator("#id_problems")).to_have_value("ฝนตกหนัก")

    # Shortened and saved: the draft is forgotten.
    page.locator("#id_done").fill("ลงพื้นที่ตรวจงานก่อสร้าง")
    page.locator("main form button[type=submit][name=submit]").click()
    page.wait_for_load_state()
    assert project.updates.count() == 1
    page.goto(form_url)
    expect(page.locator("#id_done")).to_have_value("")
    expect(page.locator("main form .alert-info")).to_have_count(0)
