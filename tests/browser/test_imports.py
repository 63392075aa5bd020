"""The plan import in chromium: upload a file, read the preview, confirm."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from indicators.models import Indicator
from projects.models import Project
from tests.factories import (
    DepartmentFactory,
    IndicatorFactory,
    IndicatorResultFactory,
    UserFactory,
)
from tests.projects.test_import_kpis import kpi_row, plan_file
from tests.projects.test_import_plan import project_row, steps_for, xlsx_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def kept_files(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


def log_in(page: Page, live_server, user) -> None:
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


def test_upload_preview_confirm(live_server, page: Page, kept_files, tmp_path):
    department = DepartmentFactory(code="21000000")
    log_in(page, live_server, UserFactory(role="evaluator"))
    path = tmp_path / "แผนปี 2563.xlsx"
    path.write_bytes(
        xlsx_file(
            [
                project_row("21000000-1001", department),
                project_row("21000000-1002", department),
            ],
            steps_for("21000000-1001"),
        ).read()
    )
    page.goto(f"{live_server.url}/imports/plan/")
    expect(page.locator("h1")).to_have_text("นำเข้าแผนประจำปี")
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="ตรวจสอบไฟล์").click()
    expect(page.locator("h1")).to_have_text("ตรวจสอบก่อนนำเข้า")
    expect(page.locator('[data-count="new"]')).to_have_text("2")
    expect(page.locator("#import-changes")).to_contain_text("21000000-1002")
    assert not Project.objects.exists()
    page.get_by_test_id("confirm-import").click()
    expect(page.locator(".alert-success")).to_contain_text("นำเข้า 2 แถว")
    assert Project.objects.count() == 2


def test_errors_are_listed_and_block(live_server, page: Page, kept_files, tmp_path):
    department = DepartmentFactory(code="21000000")
    log_in(page, live_server, UserFactory(role="evaluator"))
    path = tmp_path / "plan.xlsx"
    path.write_bytes(
        xlsx_file(
            [project_row("21000000-1001", department)],
            steps_for("21000000-1001", weights=(40, 50)),
        ).read()
    )
    page.goto(f"{live_server.url}/imports/plan/")
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="ตรวจสอบไฟล์").click()
    expect(page.locator("#import-errors")).to_contain_text("90")
    expect(page.get_by_test_id("confirm-import")).to_have_count(0)


def test_kpis_with_a_revised_target_need_the_reason(
    live_server, page: Page, kept_files, tmp_path
):
    department = DepartmentFactory(code="21000000")
    indicator = IndicatorFactory(
        code="2100-1", department=department, target=Decimal(50)
    )
    IndicatorResultFactory(indicator=indicator, quarter=1)
    log_in(page, live_server, UserFactory(role="evaluator"))
    path = tmp_path / "kpis.xlsx"
    path.write_bytes(
        plan_file(
            [kpi_row("2100-1", department), kpi_row("2100-2", department)],
            [project_row("21000000-1001", department)],
        ).read()
    )
    page.goto(f"{live_server.url}/imports/plan/")
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="ตรวจสอบไฟล์").click()
    expect(page.locator('[data-count="new"]')).to_have_text("2")
    expect(page.locator('[data-count="changed"]')).to_have_text("1")
    expect(page.locator("#target-revisions")).to_be_visible()
    page.get_by_test_id("confirm-import").click()
    expect(page.locator(".invalid-feedback")).to_be_visible()
    page.fill("#id_reason", "ปรับเป้าหมายตามงบประมาณ")
    page.get_by_test_id("confirm-import").click()
    expect(page.locator(".alert-success")).to_contain_text("นำเข้า 3 แถว")
    indicator.refresh_from_db()
    assert indicator.target == Decimal(80)
    assert Indicator.objects.get(code="2100-2").projects.count() == 0


def test_confirmation_shows_the_progress_of_the_writes(
    live_server, page: Page, kept_files, tmp_path
):
    department = DepartmentFactory(code="21000000")
    log_in(page, live_server, UserFactory(role="evaluator"))
    path = tmp_path / "plan.xlsx"
    path.write_bytes(xlsx_file([project_row("21000000-1001", department)]).read())
    page.goto(f"{live_server.url}/imports/plan/")
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="ตรวจสอบไฟล์").click()
    expect(page.locator('[data-count="new"]')).to_have_text("1")
    progress = page.locator(".import-form .import-progress")
    expect(progress).to_be_hidden()
    # A long import: the confirmation is still being written, half of it done
    # (the page stays, as it does while the server writes).
    page.evaluate(
        "document.querySelector('.import-form')"
        ".addEventListener('submit', (event) => event.preventDefault())"
    )
    page.route(
        "**/progress/",
        lambda route: route.fulfill(
            json={"stage": "commit", "done": 1000, "total": 2000}
        ),
    )
    page.get_by_test_id("confirm-import").click()
    expect(progress).to_be_visible()
    expect(progress).to_contain_text("กำลังบันทึกแถว…")
    expect(progress).to_contain_text("(50%)")
    expect(progress.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "50")
    expect(page.get_by_test_id("confirm-import")).to_be_disabled()
