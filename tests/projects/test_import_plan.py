"""The annual plan import: files read, previewed with the forms' rules, committed
through the services in one transaction."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.translation import override
from openpyxl import Workbook, load_workbook

from projects import importing
from projects.models import PlanStep, Project
from tests.factories import (
    DepartmentFactory,
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    StrategyNodeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PROJECT_HEADERS = [
    "Code",
    "Project name (Thai)",
    "Kind",
    "Department code",
    "Fiscal year",
    "Responsible officer",
    "Budget (baht)",
    "Objectives (one per line)",
    "Strategy codes",
]
STEP_HEADERS = ["Project code", "Step", "Description", "Weight (%)", "Start", "End"]


def project_row(code, department, **extra):
    row = {
        "Code": code,
        "Project name (Thai)": f"โครงการ {code}",
        "Kind": "โครงการ",
        "Department code": department.code,
        "Fiscal year": 2563,
        "Responsible officer": "นายทดสอบ",
        "Budget (baht)": "1,500,000",
        "Objectives (one per line)": "ข้อหนึ่ง\nข้อสอง",
        "Strategy codes": "",
    }
    row.update(extra)
    return [row[header] for header in PROJECT_HEADERS]


def steps_for(code, first="1/10/2562", weights=(40, 60)):
    return [
        [code, 1, "สำรวจ", weights[0], first, "31/12/2562"],
        [code, 2, "ก่อสร้าง", weights[1], "2020-01-01", "30/9/2563"],
    ]


def xlsx_file(projects, steps=None, name="plan.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Projects"
    sheet.append(PROJECT_HEADERS)
    for row in projects:
        sheet.append(row)
    if steps is not None:
        step_sheet = workbook.create_sheet("Steps")
        step_sheet.append(STEP_HEADERS)
        for row in steps:
            step_sheet.append(row)
    file = io.BytesIO()
    workbook.save(file)
    file.seek(0)
    file.name = name
    return file


def csv_file(headers, rows, encoding="utf-8-sig", name="plan.csv"):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows(rows)
    file = io.BytesIO(text.getvalue().encode(encoding))
    file.name = name
    return file


def preview_of(file):
    with override("en"):
        return importing.build_plan_preview(file, file.name)


@pytest.fixture(autouse=True)
def _kept_files(settings, tmp_path):
    # Uploads are kept in the default storage between preview and confirmation.
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
def admin():
    return UserFactory(username="boss", is_superuser=True, is_staff=True)


def test_new_projects_with_steps_are_previewed_then_written(department, admin):
    file = xlsx_file(
        [project_row("21000000-1001", department)], steps_for("21000000-1001")
    )
    preview = preview_of(file)
    assert preview.errors == []
    assert preview.counts == {"new": 1, "changed": 0, "unchanged": 0, "error": 0}
    assert not Project.objects.exists()
    importing.commit_plan(preview, user=admin)
    project = Project.objects.get(code="21000000-1001")
    assert project.budget_amount == Decimal("1500000")
    assert project.objectives == ["ข้อหนึ่ง", "ข้อสอง"]
    assert [(s.number, s.weight, s.planned_start) for s in project.steps.all()] == [
        (1, 40, date(2019, 10, 1)),
        (2, 60, date(2020, 1, 1)),
    ]
    history = project.history.get()
    assert history.history_user == admin
    assert history.history_change_reason == "นำเข้าจากไฟล์ plan.xlsx"
    assert (
        PlanStep.history.filter(history_change_reason__contains="plan.xlsx").count()
        == 2
    )


def test_same_file_twice_changes_nothing_the_second_time(department, admin):
    rows = [project_row("21000000-1001", department)]
    importing.commit_plan(
        preview_of(xlsx_file(rows, steps_for("21000000-1001"))), user=admin
    )
    histories = Project.history.count() + PlanStep.history.count()
    preview = preview_of(xlsx_file(rows, steps_for("21000000-1001")))
    assert preview.counts == {"new": 0, "changed": 0, "unchanged": 1, "error": 0}
    assert importing.commit_plan(preview, user=admin) == 0
    assert Project.history.count() + PlanStep.history.count() == histories


def test_changed_cells_show_old_and_new_values(department, admin):
    ProjectFactory(
        code="21000000-1001",
        department=department,
        fiscal_year=2563,
        name_th="ชื่อเดิม",
        officer_name="นายทดสอบ",
        budget_amount=Decimal("1500000"),
        objectives=["ข้อหนึ่ง", "ข้อสอง"],
    )
    preview = preview_of(xlsx_file([project_row("21000000-1001", department)]))
    assert preview.counts["changed"] == 1
    changes = preview.rows[0].changes
    assert importing.Change(
        "Project name (Thai)", "ชื่อเดิม", "โครงการ 21000000-1001"
    ) in (changes)
    assert len(changes) == 1


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp874"])
def test_csv_in_each_encoding(department, admin, encoding):
    file = csv_file(
        PROJECT_HEADERS, [project_row("21000000-1001", department)], encoding
    )
    preview = preview_of(file)
    assert preview.errors == []
    importing.commit_plan(preview, user=admin)
    assert Project.objects.get().name_th == "โครงการ 21000000-1001"


def test_csv_of_steps_for_an_existing_project(department, admin):
    ProjectFactory(code="21000000-1001", department=department, fiscal_year=2563)
    file = csv_file(STEP_HEADERS, steps_for("21000000-1001"), "cp874")
    preview = preview_of(file)
    assert preview.errors == []
    assert preview.counts["changed"] == 1
    importing.commit_plan(preview, user=admin)
    assert PlanStep.objects.count() == 2


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (
            {"Fiscal year": "2020"},
            "Fiscal year",
            "Ensure this value is greater than or equal to 2500.",
        ),
        (
            {"Department code": "99999999"},
            "Department code",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
        ({"Project name (Thai)": ""}, "Project name (Thai)", "This field is required."),
        (
            {"Code": "21000001-1001"},
            "Code",
            "The code must start with the department's code.",
        ),
        ({"Budget (baht)": "lots"}, "Budget (baht)", "Enter a number."),
    ],
)
def test_project_errors_name_row_and_column(department, row, column, message):
    code = row.get("Code", "21000000-1001")
    file = xlsx_file(
        [project_row("21000000-1002", department), project_row(code, department, **row)]
    )
    preview = preview_of(file)
    assert [(i.row, i.column, i.message) for i in preview.errors] == [
        (3, column, message)
    ]
    assert preview.counts["error"] == 1


@pytest.mark.parametrize(
    ("steps", "row", "column", "message"),
    [
        (
            steps_for("21000000-1001", weights=(40, 50)),
            2,
            "Weight (%)",
            "The plan's weights total 90%; they must total exactly 100%.",
        ),
        (
            steps_for("21000000-1001", first="1/9/2562"),
            2,
            "Start",
            "Dates must be inside fiscal year 2563.",
        ),
        (
            steps_for("21000000-1001", first="32/1/2563"),
            2,
            "Start",
            "That day does not exist: Jan 2020 has 31 days, not 32.",
        ),
    ],
)
def test_step_errors_name_row_and_column(department, steps, row, column, message):
    file = xlsx_file([project_row("21000000-1001", department)], steps)
    preview = preview_of(file)
    assert [(i.sheet, i.row, i.column, i.message) for i in preview.errors] == [
        ("Steps", row, column, message)
    ]


def test_an_error_in_the_last_row_writes_nothing(department, admin):
    rows = [project_row(f"21000000-{1000 + n}", department) for n in range(1, 5)]
    rows.append(project_row("21000000-1999", department, **{"Fiscal year": "x"}))
    preview = preview_of(xlsx_file(rows))
    assert preview.counts == {"new": 4, "changed": 0, "unchanged": 0, "error": 1}
    with pytest.raises(importing.ImportRefused):
        importing.commit_plan(preview, user=admin)
    assert not Project.objects.exists()


def test_a_service_refusal_midway_rolls_back_everything(department, admin):
    preview = preview_of(
        xlsx_file(
            [project_row("21000000-1001", department)] * 1
            + [project_row("21000000-1002", department)],
            steps_for("21000000-1001") + steps_for("21000000-1002"),
        )
    )
    # Someone saved the second plan between the preview and the confirmation.
    ProjectFactory(code="21000000-1002", department=department, fiscal_year=2563)
    with pytest.raises(importing.ImportRefused):
        importing.commit_plan(preview, user=admin)
    assert list(Project.objects.values_list("code", flat=True)) == ["21000000-1002"]
    assert not PlanStep.objects.exists()


def test_a_plan_with_reports_needs_a_reason_and_becomes_a_revision(department, admin):
    project = ProjectFactory(
        code="21000000-1001", department=department, fiscal_year=2563
    )
    PlanStepFactory(
        project=project,
        number=1,
        weight=100,
        planned_start=date(2019, 10, 1),
        planned_end=date(2020, 9, 30),
    )
    ProgressUpdateFactory(project=project, report_date=date(2019, 11, 30))
    preview = preview_of(csv_file(STEP_HEADERS, steps_for("21000000-1001"), "utf-8"))
    assert preview.revisions == ["21000000-1001"]
    with pytest.raises(importing.services.ReasonRequiredError):
        importing.commit_plan(preview, user=admin)
    importing.commit_plan(preview, user=admin, reason="งบประมาณถูกตัด")
    assert project.plan_revisions.count() == 2
    assert project.steps.count() == 2


def test_closed_year_is_an_error(department, settings):
    settings.FISCAL_YEAR_CLOSE_DAYS = 30
    preview = preview_of(xlsx_file([project_row("21000000-1001", department)]))
    assert preview.counts["error"] == 1
    assert preview.errors[0].column == "Fiscal year"


def test_strategy_codes_and_unknown_ones(department, admin):
    StrategyNodeFactory(code="5.2.1")
    preview = preview_of(
        xlsx_file(
            [
                project_row("21000000-1001", department, **{"Strategy codes": "5.2.1"}),
                project_row("21000000-1002", department, **{"Strategy codes": "9.9"}),
            ]
        )
    )
    assert [(e.row, e.column) for e in preview.errors] == [(3, "Strategy codes")]


def test_template_has_headers_example_and_drop_downs(department):
    with override("th"):
        workbook = load_workbook(importing.plan_template())
    sheet = workbook.worksheets[0]
    assert sheet.cell(1, 1).value == "รหัส / Code"
    assert sheet.cell(2, 1).value.startswith("#")
    assert len(sheet.data_validations.dataValidation) == 3
    # The template as it comes is a valid, empty import.
    with override("th"):
        file = importing.plan_template()
        preview = importing.build_plan_preview(file, "template.xlsx")
    assert preview.rows == [] and preview.errors == []


def test_export_of_the_project_list_round_trips(client, department, admin, settings):
    originals = [
        ProjectFactory(
            code=f"21000000-{n}",
            department=department,
            fiscal_year=2563,
            name_th=f"โครงการที่ {n}",
            name_en=f"Project {n}",
            kind=kind,
            officer_name="นางสาวทดสอบ",
            budget_amount=Decimal("1234.50"),
        )
        for n, kind in ((1001, "project"), (1002, "activity"))
    ]
    client.force_login(admin)
    response = client.get(
        reverse("reports:export-xlsx", args=["projects"]) + "?fy=2563"
    )
    exported = io.BytesIO(b"".join(response.streaming_content))
    fields = [
        "code",
        "name_th",
        "name_en",
        "kind",
        "department_id",
        "fiscal_year",
        "officer_name",
        "budget_amount",
    ]
    before = list(Project.objects.order_by("code").values(*fields))
    Project.objects.all().delete()
    preview = importing.build_plan_preview(exported, "projects-2563.xlsx")
    assert preview.errors == []
    assert preview.counts["new"] == len(originals)
    importing.commit_plan(preview, user=admin)
    assert list(Project.objects.order_by("code").values(*fields)) == before


def test_command_previews_then_commits_with_progress(department, admin, tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(xlsx_file([project_row("21000000-1001", department)]).read())
    out = io.StringIO()
    call_command("import_plan", str(path), "--user", "boss", stdout=out)
    assert "new: 1" in out.getvalue()
    assert not Project.objects.exists()
    call_command("import_plan", str(path), "--user", "boss", "--commit", stdout=out)
    assert Project.objects.filter(code="21000000-1001").exists()


# The pages


@pytest.fixture
def en(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_anonymous_is_sent_to_login(client):
    for url in (
        reverse("projects:import-plan"),
        reverse("projects:import-plan-template"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ["staff", "approver"])
def test_staff_cannot_import_the_plan(client, department, role):
    user = UserFactory(role=role)
    department.members.add(user)
    client.force_login(user)
    assert client.get(reverse("projects:import-plan")).status_code == 403
    file = xlsx_file([project_row("21000000-1001", department)])
    response = client.post(reverse("projects:import-plan"), {"file": file})
    assert response.status_code == 403
    assert not Project.objects.exists()


def test_evaluator_downloads_the_template(client, department):
    client.force_login(UserFactory(role="evaluator"))
    response = client.get(reverse("projects:import-plan-template"))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames[:2] == ["โครงการ", "ขั้นตอนแผนงาน"]


def test_upload_previews_then_confirm_imports(en, department, tmp_path):
    evaluator = UserFactory(role="evaluator")
    en.force_login(evaluator)
    file = xlsx_file(
        [project_row("21000000-1001", department)], steps_for("21000000-1001")
    )
    token = "a" * 32
    response = en.post(reverse("projects:import-plan"), {"file": file, "token": token})
    assert response.status_code == 200
    assert response.context["preview"].counts["new"] == 1
    assert b"21000000-1001" in response.content
    assert not Project.objects.exists()
    assert len(list((tmp_path / "imports").iterdir())) == 1
    response = en.post(reverse("projects:import-confirm", args=[token]))
    assert response.status_code == 302
    project = Project.objects.get(code="21000000-1001")
    assert project.history.get().history_user == evaluator
    assert project.steps.count() == 2
    assert list((tmp_path / "imports").iterdir()) == []
    # The kept file is gone: confirming again finds nothing.
    response = en.post(reverse("projects:import-confirm", args=[token]))
    assert response.status_code == 404


def test_a_new_upload_replaces_the_unconfirmed_one(client, department, tmp_path):
    client.force_login(UserFactory(role="evaluator"))
    for token in ("d" * 32, "e" * 32):
        file = xlsx_file([project_row("21000000-1001", department)])
        client.post(reverse("projects:import-plan"), {"file": file, "token": token})
    assert [p.name for p in (tmp_path / "imports").iterdir()] == [f"{'e' * 32}.xlsx"]


def test_a_file_with_errors_offers_no_confirmation(en, department):
    en.force_login(UserFactory(role="evaluator"))
    file = xlsx_file(
        [project_row("21000000-1001", department, **{"Fiscal year": "abc"})]
    )
    response = en.post(reverse("projects:import-plan"), {"file": file})
    assert response.status_code == 200
    assert b"Enter a whole number." in response.content
    assert b'data-testid="confirm-import"' not in response.content


def test_another_session_cannot_confirm_a_file(client, department):
    client.force_login(UserFactory(role="evaluator"))
    file = xlsx_file([project_row("21000000-1001", department)])
    client.post(reverse("projects:import-plan"), {"file": file, "token": "b" * 32})
    other = type(client)()
    other.force_login(UserFactory(role="evaluator"))
    response = other.post(reverse("projects:import-confirm", args=["b" * 32]))
    assert response.status_code == 404
    assert not Project.objects.exists()


def test_revision_needs_the_reason_on_the_page(en, department):
    project = ProjectFactory(
        code="21000000-1001", department=department, fiscal_year=2563
    )
    PlanStepFactory(
        project=project,
        number=1,
        weight=100,
        planned_start=date(2019, 10, 1),
        planned_end=date(2020, 9, 30),
    )
    ProgressUpdateFactory(project=project, report_date=date(2019, 11, 30))
    en.force_login(UserFactory(role="evaluator"))
    file = csv_file(STEP_HEADERS, steps_for("21000000-1001"), "cp874")
    en.post(reverse("projects:import-plan"), {"file": file, "token": "c" * 32})
    url = reverse("projects:import-confirm", args=["c" * 32])
    response = en.post(url)
    assert response.status_code == 200
    assert b"give the reason" in response.content
    assert project.steps.count() == 1
    response = en.post(url, {"reason": "ปรับแผนตามงบประมาณ"})
    assert response.status_code == 302
    assert project.steps.count() == 2
    assert project.plan_revisions.last().reason == "ปรับแผนตามงบประมาณ"


def test_not_a_spreadsheet_is_a_form_error(en):
    en.force_login(UserFactory(role="evaluator"))
    file = io.BytesIO(b"garbage")
    file.name = "plan.xlsx"
    response = en.post(reverse("projects:import-plan"), {"file": file})
    assert b"not an Excel workbook" in response.content


def test_a_sheet_with_unknown_headers_is_a_warning(department):
    file = xlsx_file([project_row("21000000-1001", department)])
    workbook = load_workbook(file)
    workbook.create_sheet("Notes").append(["Step number", "Text"])
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    out.name = "plan.xlsx"
    preview = preview_of(out)
    assert [(w.sheet, w.severity) for w in preview.warnings] == [("Notes", "warning")]


def test_an_import_makes_cached_pages_stale_once(
    department, admin, django_capture_on_commit_callbacks
):
    rows = [project_row(f"21000000-{1000 + n}", department) for n in range(1, 4)]
    preview = preview_of(xlsx_file(rows))
    with django_capture_on_commit_callbacks() as callbacks:
        importing.commit_plan(preview, user=admin)
    assert len(callbacks) == 1


@pytest.mark.filterwarnings("error::django.core.cache.CacheKeyWarning")
def test_only_upload_tokens_reach_the_cache(client):
    client.force_login(UserFactory(role="evaluator"))
    for token in ('"><img src=x>', "0" * 32):
        response = client.get(reverse("projects:import-progress", args=[token]))
        assert response.json() == {"stage": "", "done": 0}
