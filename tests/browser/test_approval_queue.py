"""The approver's queue in chromium: approve one, return one with a comment,
approve a selection; the public page changes only with approval."""

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from projects import services
from projects.models import ProgressUpdate
from tests.factories import (
    PASSWORD,
    PlanStepFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def waiting():
    """Four reports of four projects by a staff member, waiting for ``head``."""
    author = UserFactory(username="author", role="staff")
    head = UserFactory(username="head", role="staff")
    updates = []
    for number in range(4):
        project = ProjectFactory(fiscal_year=2563)
        PlanStepFactory(project=project)
        project.department.members.add(author)
        project.department.approvers.add(head)
        updates.append(
            services.save_update(
                project=project,
                user=author,
                values={
                    "report_date": date(2020, 6, 1 + number),
                    "percent": Decimal(40 + number),
                },
            )
        )
    return updates


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()


def status(update) -> str:
    return ProgressUpdate.objects.get(pk=update.pk).status


def test_approver_works_through_the_queue(live_server, page: Page, waiting):
    log_in(page, live_server.url, "head")
    page.goto(f"{live_server.url}/approvals/")
    rows = page.locator(".approval-queue > li")
    expect(rows).to_have_count(4)
    # Newest first: the last submitted is on top.
    expect(rows.first).to_have_attribute("data-update", str(waiting[3].pk))

    # Approve one.
    page.locator(f'[data-update="{waiting[3].pk}"] button.btn-success').click()
    expect(page.locator(".alert-success").first).to_be_visible()
    expect(rows).to_have_count(3)
    assert status(waiting[3]) == "approved"

    # Return one: the comment is required by the browser too.
    row = page.locator(f'[data-update="{waiting[2].pk}"]')
    row.locator("button.btn-outline-danger").click()
    assert status(waiting[2]) == "submitted"
    row.locator("textarea[name=comment]").fill("โปรดแนบภาพถ่ายประกอบ")
    row.locator("button.btn-outline-danger").click()
    expect(rows).to_have_count(2)
    assert status(waiting[2]) == "returned"

    # Approve the other two at once.
    for update in waiting[:2]:
        page.locator(f"#pick-{update.pk}").check()
    page.get_by_test_id("approve-selected").click()
    expect(page.locator(".approval-queue")).to_have_count(0)
    assert [status(u) for u in waiting[:2]] == ["approved", "approved"]

    # The approved report is public now.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{waiting[3].project.get_absolute_url()}")
    expect(page.get_by_test_id("actual-percent")).to_have_text("43.00")
