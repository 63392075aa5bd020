"""Attaching a photo in the browser: chosen with a caption on the report form,
saved with the report, shown as a thumbnail on the project page and opened in
the lightbox (static/js/evidence.js)."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from evidence.models import Attachment
from tests.browser.test_drafts import log_in
from tests.evidence import samples
from tests.factories import PlanStepFactory, ProjectFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_attaches_a_photo_and_sees_it_on_the_project_page(
    live_server, page: Page, tmp_path
):
    project = ProjectFactory(fiscal_year=2563)
    PlanStepFactory(project=project)
    user = UserFactory(username="somchai", role="staff")
    project.department.members.add(user)
    photo = tmp_path / "หน้างาน.jpg"
    photo.write_bytes(samples.jpeg_with_gps(size=(800, 600)))

    log_in(page, live_server.url, user)
    page.goto(
        f"{live_server.url}{reverse('projects:update-create', args=[project.code])}"
    )
    page.locator("#id_report_date").fill("15/6/2563")
    page.locator("#id_percent").fill("70")
    page.locator("#id_done").fill("ถมดินช่วงแรกเสร็จ")
    page.locator("#id_problems").fill("ฝนตกหนัก")
    page.locator("#id_evidence-0-file").set_input_files(str(photo))
    page.locator("#id_evidence-0-caption").fill("ถมดินช่วงที่ 1")
    page.locator("main form button[type=submit][name=submit]").click()
    page.wait_for_load_state()

    attachment = Attachment.objects.get()
    assert attachment.caption == "ถมดินช่วงที่ 1"
    thumb = page.locator("img.evidence-thumb")
    expect(thumb).to_have_count(1)
    expect(thumb).to_have_attribute("alt", "ถมดินช่วงที่ 1")
    # The thumbnail loaded (the view served it to the department's staff).
    assert (
        page.evaluate("() => document.querySelector('img.evidence-thumb').naturalWidth")
        == 320
    )
    page.locator("a.evidence-open").click()
    dialog = page.locator("dialog.evidence-lightbox")
    expect(dialog).to_be_visible()
    expect(dialog.locator("figcaption")).to_have_text("ถมดินช่วงที่ 1")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
