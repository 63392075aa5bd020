"""A department's monthly progress import: checked by the progress form, written
through save_update in one transaction, by the department's staff only."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.translation import override
from openpyxl import load_workbook

from projects import importing
from projects.models import ProgressUpdate, QuarterLock
from tests.factories import (
    DepartmentFactory,
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    UserFactory,
)
from tests.projects.test_import_plan import csv_file

pytestmark = pytest.mark.django_db

HEADERS = [
    "Project code",
    "Report date",
    "Cumulative progress (%)",
    "Work done",
    "Problems",
    "Obstacles",
]
TODAY = date(2020, 9, 30)


@pytest.fixture(autouse=True)
def _kept_files(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


@pytest.fixture
def department():
    return DepartmentFactory(code="21000000")


@pytest.fixture
def project(department):
    project = ProjectFactory(code="21000000-1001", department=department)
    PlanStepFactory(project=project, number=1)
    return project


@pytest.fixture
def staff(department):
    user = UserFactory(role="staff")
    department.members.add(user)
    return user


def month_file(rows, kind="xlsx", encoding="utf-8-sig"):
    if kind == "csv":
        return csv_file(HEADERS, rows, encoding, name="month.csv")
    workbook_rows = [dict(zip(HEADERS, row, strict=True)) for row in rows]
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in workbook_rows:
        sheet.append(list(row.values()))
    file = io.BytesIO()
    workbook.save(file)
    file.seek(0)
    file.name = "month.xlsx"
    return file


def preview_of(file, department):
    with override("en"):
        return importing.build_month_preview(
            file, file.name, department=department, today=TODAY
        )


ROW = ["21000000-1001", "31/1/2563", "40", "ทำแล้ว", "ไม่มี", "-"]


@pytest.mark.parametrize(
    ("kind", "encoding"), [("xlsx", None), ("csv", "utf-8-sig"), ("csv", "cp874")]
)
def test_new_reports_are_previewed_then_written(
    department, project, staff, kind, encoding
):
    preview = preview_of(month_file([ROW], kind, encoding), department)
    assert preview.issues == []
    assert preview.counts == {"new": 1, "changed": 0, "unchanged": 0, "error": 0}
    assert not ProgressUpdate.objects.exists()
    importing.commit_month(preview, user=staff, confirmed=False)
    update = ProgressUpdate.objects.get()
    assert (update.report_date, update.percent, update.problems) == (
        date(2020, 1, 31),
        Decimal(40),
        "",
    )
    assert update.history.get().history_user == staff


def test_same_file_twice_changes_nothing(department, project, staff):
    importing.commit_month(
        preview_of(month_file([ROW]), department), user=staff, confirmed=False
    )
    preview = preview_of(month_file([ROW]), department)
    assert preview.counts["unchanged"] == 1
    assert importing.commit_month(preview, user=staff, confirmed=False) == 0
    assert ProgressUpdate.history.count() == 1


def test_a_changed_report_shows_old_and_new(department, project, staff):
    ProgressUpdateFactory(project=project, report_date=date(2020, 1, 31), percent=30)
    preview = preview_of(month_file([ROW]), department)
    assert preview.counts["changed"] == 1
    assert importing.Change("Cumulative progress (%)", "30.00", "40") in (
        preview.rows[0].changes
    )
    importing.commit_month(preview, user=staff, confirmed=False)
    assert ProgressUpdate.objects.get().percent == 40


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (
            {2: "150"},
            "Cumulative progress (%)",
            "Ensure this value is less than or equal to 100.",
        ),
        ({1: "1/1/2564"}, "Report date", "The report date is in the future."),
        ({0: "21000000-9999"}, "Project code", "has no project with the code"),
    ],
)
def test_errors_name_row_and_column(department, project, row, column, message):
    bad = [*ROW[:1], "29/2/2563", *ROW[2:]]
    for index, value in row.items():
        bad[index] = value
    preview = preview_of(month_file([ROW, bad]), department)
    assert [(e.row, e.column) for e in preview.errors] == [(3, column)]
    assert message in preview.errors[0].message


def test_a_duplicate_date_in_the_file_is_an_error(department, project):
    preview = preview_of(month_file([ROW, ROW]), department)
    assert [(e.row, e.message) for e in preview.errors] == [
        (3, "This project already has a report on that date; edit that one.")
    ]


def test_another_departments_project_is_an_error(department, project):
    other = ProjectFactory(code="21010000-1001")
    PlanStepFactory(project=other)
    row = ["21010000-1001", *ROW[1:]]
    preview = preview_of(month_file([row]), department)
    assert preview.counts["error"] == 1


def test_warnings_need_confirming(department, project, staff):
    ProgressUpdateFactory(project=project, report_date=date(2019, 12, 31), percent=60)
    preview = preview_of(month_file([ROW]), department)
    assert preview.errors == []
    assert [(w.row, w.column) for w in preview.warnings] == [
        (2, "Cumulative progress (%)")
    ]
    with pytest.raises(importing.ImportRefused):
        importing.commit_month(preview, user=staff, confirmed=False)
    importing.commit_month(preview, user=staff, confirmed=True)
    assert ProgressUpdate.objects.count() == 2


def test_a_locked_quarter_is_an_error(department, project):
    QuarterLock.objects.create(fiscal_year=2563, quarter=2, department=department)
    preview = preview_of(month_file([ROW]), department)
    assert [e.column for e in preview.errors] == ["Report date"]


def test_an_error_in_the_last_row_writes_nothing(department, project, staff):
    second = ProjectFactory(code="21000000-1002", department=department)
    PlanStepFactory(project=second)
    rows = [ROW, ["21000000-1002", "31/1/2563", "abc", "", "", ""]]
    preview = preview_of(month_file(rows), department)
    with pytest.raises(importing.ImportRefused):
        importing.commit_month(preview, user=staff, confirmed=True)
    assert not ProgressUpdate.objects.exists()


def test_template_lists_the_departments_projects(client, department, project, staff):
    client.force_login(staff)
    response = client.get(
        reverse("projects:import-month-template", args=["21000000"]) + "?fy=2563"
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    codes = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert project.code in codes
    # The untouched template imports nothing (and is no error).
    file = io.BytesIO(
        b"".join(
            client.get(
                reverse("projects:import-month-template", args=["21000000"])
                + "?fy=2563"
            ).streaming_content
        )
    )
    file.name = "t.xlsx"
    preview = preview_of(file, department)
    assert preview.rows == [] and preview.issues == []


def test_staff_of_another_department_cannot_import(client, department, project):
    outsider = UserFactory(role="staff")
    DepartmentFactory(code="21010000").members.add(outsider)
    client.force_login(outsider)
    url = reverse("projects:import-month", args=["21000000"])
    assert client.get(url).status_code == 403
    assert client.post(url, {"file": month_file([ROW])}).status_code == 403
    assert not ProgressUpdate.objects.exists()


def test_evaluators_write_no_agency_data(client, department):
    client.force_login(UserFactory(role="evaluator"))
    url = reverse("projects:import-month", args=["21000000"])
    assert client.get(url).status_code == 403


def test_staff_upload_preview_confirm_with_warning(
    client, settings, department, project, staff
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    ProgressUpdateFactory(project=project, report_date=date(2019, 12, 31), percent=60)
    client.force_login(staff)
    assert client.get(reverse("projects:import-months")).status_code == 302
    url = reverse("projects:import-month", args=["21000000"])
    response = client.post(url, {"file": month_file([ROW]), "token": "f" * 32})
    assert b"Progress fell from" in response.content
    confirm = reverse("projects:import-confirm", args=["f" * 32])
    response = client.post(confirm)
    assert b"Please check the warnings" in response.content
    assert ProgressUpdate.objects.count() == 1
    response = client.post(confirm, {"confirm": "on"})
    assert response.status_code == 302
    assert ProgressUpdate.objects.count() == 2


# KPI quarter results in the same file

KPI_HEADERS = ["KPI code", "Quarter", "Result", "Report"]


def with_kpis(month_rows, kpi_rows):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in month_rows:
        sheet.append(row)
    kpis = workbook.create_sheet("KPI")
    kpis.append(KPI_HEADERS)
    for row in kpi_rows:
        kpis.append(row)
    file = io.BytesIO()
    workbook.save(file)
    file.seek(0)
    file.name = "month.xlsx"
    return file


@pytest.fixture
def kpi(department):
    from tests.factories import IndicatorFactory

    return IndicatorFactory(
        code="2100-1044", department=department, unit="ฉบับ", target=Decimal(1)
    )


def test_kpi_results_are_written_with_the_progress(department, project, kpi, staff):
    preview = preview_of(
        with_kpis([ROW], [["2100-1044", 1, 1, "รายงานแล้ว"]]), department
    )
    assert preview.issues == []
    assert preview.counts["new"] == 2
    importing.commit_month(preview, user=staff, confirmed=False)
    result = kpi.results.get()
    assert (result.quarter, result.value, result.report) == (1, 1, "รายงานแล้ว")
    assert result.history.get().history_change_reason == "นำเข้าจากไฟล์ month.xlsx"
    again = preview_of(with_kpis([ROW], [["2100-1044", 1, 1, "รายงานแล้ว"]]), department)
    assert again.counts["unchanged"] == 2


def test_kpi_value_over_five_times_the_target_is_a_warning(department, kpi):
    preview = preview_of(with_kpis([], [["2100-1044", 2, 15, ""]]), department)
    assert [(w.sheet, w.row, w.column) for w in preview.warnings] == [
        ("KPI", 2, "Result")
    ]


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (["2100-1044", 5, 1, ""], "Quarter"),
        (["2100-1044", 1, "many", ""], "Result"),
        (["2100-9999", 1, 1, ""], "KPI code"),
    ],
)
def test_kpi_errors_name_the_column(department, kpi, row, column):
    preview = preview_of(with_kpis([], [row]), department)
    assert [(e.row, e.column) for e in preview.errors] == [(2, column)]


def test_a_locked_quarter_refuses_kpi_results(department, kpi):
    QuarterLock.objects.create(fiscal_year=2563, quarter=1, department=department)
    preview = preview_of(with_kpis([], [["2100-1044", 1, 1, ""]]), department)
    assert [e.column for e in preview.errors] == ["Quarter"]


def test_the_page_is_in_thai(client, department, staff):
    client.force_login(staff)
    response = client.get(reverse("projects:import-month", args=["21000000"]))
    assert "นำเข้าผลการดำเนินงานรายเดือน" in response.content.decode()
    assert "แผ่นงานที่สองคือผลตัวชี้วัดรายไตรมาส" in response.content.decode()


def test_the_menu_leads_staff_and_evaluators_to_their_import(client, department, staff):
    client.force_login(staff)
    page = client.get(reverse("projects:my-work")).content.decode()
    assert f'href="{reverse("projects:import-months")}"' in page
    client.force_login(UserFactory(role="evaluator"))
    page = client.get(reverse("projects:list")).content.decode()
    assert f'href="{reverse("projects:import-plan")}"' in page


def test_warnings_show_beside_errors(client, settings, department, project, staff):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    ProgressUpdateFactory(project=project, report_date=date(2019, 12, 31), percent=60)
    client.force_login(staff)
    url = reverse("projects:import-month", args=["21000000"])
    bad = ["21000000-1001", "29/2/2563", "abc", "", "", ""]
    response = client.post(url, {"file": month_file([ROW, bad])})
    page = response.content.decode()
    assert "Enter a number." in page
    assert "Progress fell from" in page
    assert 'data-testid="confirm-import"' not in page
