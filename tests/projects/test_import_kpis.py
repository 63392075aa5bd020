"""KPI definitions in the annual plan import: checked by the KPI admin's form,
written through ``indicators.services.save_indicator`` with the projects."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import override
from openpyxl import Workbook, load_workbook

from indicators.models import Indicator, TargetRevision
from projects import importing
from projects.models import Department, Project
from tests.factories import (
    DepartmentFactory,
    IndicatorFactory,
    IndicatorResultFactory,
    ProjectFactory,
    UserFactory,
)
from tests.projects.test_import_plan import (
    PROJECT_HEADERS,
    csv_file,
    preview_of,
    project_row,
)

pytestmark = pytest.mark.django_db

KPI_HEADERS = [
    "KPI code",
    "KPI name (Thai)",
    "Unit",
    "Target",
    "Kind",
    "Level",
    "Department code",
    "Fiscal year",
    "Aggregation of quarters",
    "Direction",
    "Project codes",
]


def kpi_row(code, department, **extra):
    row = {
        "KPI code": code,
        "KPI name (Thai)": f"ตัวชี้วัด {code}",
        "Unit": "ร้อยละ",
        "Target": "80",
        "Kind": "Routine KPI",
        "Level": "outcome",
        "Department code": department.code,
        "Fiscal year": 2563,
        "Aggregation of quarters": "",
        "Direction": "",
        "Project codes": "",
    }
    row.update(extra)
    return [row[header] for header in KPI_HEADERS]


def plan_file(kpis, projects=(), name="plan.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "KPIs"
    sheet.append(KPI_HEADERS)
    for row in kpis:
        sheet.append(row)
    if projects:
        project_sheet = workbook.create_sheet("Projects", 0)
        project_sheet.append(PROJECT_HEADERS)
        for row in projects:
            project_sheet.append(row)
    file = io.BytesIO()
    workbook.save(file)
    file.seek(0)
    file.name = name
    return file


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
def admin():
    return UserFactory(username="boss", is_superuser=True, is_staff=True)


def test_new_kpis_link_saved_projects_and_projects_of_the_same_file(department, admin):
    saved = ProjectFactory(code="21000000-0900", department=department)
    file = plan_file(
        [
            kpi_row(
                "2100-1",
                department,
                **{"Project codes": "21000000-0900, 21000000-1001"},
            ),
            kpi_row("2100-2", department, Direction="lower is better"),
        ],
        [project_row("21000000-1001", department)],
    )
    preview = preview_of(file)
    assert preview.errors == []
    assert preview.counts == {"new": 3, "changed": 0, "unchanged": 0, "error": 0}
    assert not Indicator.objects.exists()
    assert importing.commit_plan(preview, user=admin) == 3
    first = Indicator.objects.get(code="2100-1")
    assert first.target == Decimal(80)
    assert (first.kind, first.level) == ("routine", "outcome")
    assert (first.aggregation, first.direction) == ("latest", "higher")
    assert sorted(first.projects.values_list("code", flat=True)) == [
        "21000000-0900",
        "21000000-1001",
    ]
    # The KPI and its links are in the history, as the person, naming the file.
    record = first.history.get()
    assert (record.history_user, record.history_change_reason) == (
        admin,
        "นำเข้าจากไฟล์ plan.xlsx",
    )
    linked = first.history.get().projects.values_list("project__code", flat=True)
    assert sorted(linked) == ["21000000-0900", "21000000-1001"]
    assert Indicator.objects.get(code="2100-2").direction == "lower"
    assert saved.indicators.count() == 1


def test_same_file_twice_changes_nothing_the_second_time(department, admin):
    ProjectFactory(code="21000000-0900", department=department)
    rows = [kpi_row("2100-1", department, **{"Project codes": "21000000-0900"})]
    importing.commit_plan(preview_of(plan_file(rows)), user=admin)
    history = Indicator.history.count()
    again = preview_of(plan_file(rows))
    assert again.counts == {"new": 0, "changed": 0, "unchanged": 1, "error": 0}
    assert not again.has_changes
    assert importing.commit_plan(again, user=admin) == 0
    indicator = Indicator.objects.get()
    assert indicator.version == 1
    assert Indicator.history.count() == history


def test_changed_cells_show_old_and_new_values(department, admin):
    ProjectFactory(code="21000000-0900", department=department)
    IndicatorFactory(
        code="2100-1",
        department=department,
        name_th="ตัวชี้วัด 2100-1",
        target=Decimal(50),
        kind="routine",
        level="outcome",
    )
    file = plan_file(
        [kpi_row("2100-1", department, **{"Project codes": "21000000-0900"})]
    )
    preview = preview_of(file)
    (row,) = preview.rows
    assert row.state == "changed"
    assert [(c.column, c.old, c.new) for c in row.changes] == [
        ("Target", "50.00", "80"),
        ("Project codes", "", "21000000-0900"),
    ]
    assert preview.target_revisions == []  # no results: a correction
    importing.commit_plan(preview, user=admin)
    indicator = Indicator.objects.get()
    assert indicator.target == Decimal(80)
    assert indicator.version == 2
    assert not TargetRevision.objects.exists()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp874"])
def test_csv_in_each_encoding(department, admin, encoding):
    file = csv_file(KPI_HEADERS, [kpi_row("2100-1", department)], encoding)
    preview = preview_of(file)
    assert preview.errors == []
    importing.commit_plan(preview, user=admin)
    assert Indicator.objects.get().name_th == "ตัวชี้วัด 2100-1"


@pytest.mark.parametrize(
    ("extra", "column", "message"),
    [
        ({"KPI code": "21-1"}, "KPI code", "A KPI code is four digits"),
        ({"Target": "many"}, "Target", "Enter a number."),
        ({"Unit": ""}, "Unit", "This field is required."),
        ({"Department code": "99999999"}, "Department code", "Select a valid choice"),
        ({"Kind": "important"}, "Kind", "Select a valid choice"),
        ({"Direction": "sideways"}, "Direction", "Select a valid choice"),
        ({"Fiscal year": "1999"}, "Fiscal year", ""),
        ({"Project codes": "21000000-4040"}, "Project codes", "is not a valid value"),
    ],
)
def test_kpi_errors_name_row_and_column(department, extra, column, message):
    file = plan_file(
        [kpi_row("2100-1", department), kpi_row("2100-2", department, **extra)]
    )
    preview = preview_of(file)
    assert preview.counts["error"] == 1
    assert [(e.sheet, e.row, e.column) for e in preview.errors] == [("KPIs", 3, column)]
    assert message in preview.errors[0].message


def test_a_code_twice_in_the_file_is_an_error(department):
    preview = preview_of(
        plan_file([kpi_row("2100-1", department), kpi_row("2100-1", department)])
    )
    assert [(e.row, e.column) for e in preview.errors] == [(3, "KPI code")]


def test_an_error_in_the_last_kpi_row_writes_nothing(department, admin):
    projects = [project_row(f"21000000-{1000 + n}", department) for n in (1, 2)]
    kpis = [kpi_row(f"2100-{n}", department) for n in (1, 2, 3)]
    kpis.append(kpi_row("2100-4", department, Target="x"))
    preview = preview_of(plan_file(kpis, projects))
    assert preview.counts == {"new": 5, "changed": 0, "unchanged": 0, "error": 1}
    with pytest.raises(importing.ImportRefused):
        importing.commit_plan(preview, user=admin)
    assert not Project.objects.exists()
    assert not Indicator.objects.exists()


def test_a_kpi_saved_meanwhile_rolls_back_everything(department, admin):
    indicator = IndicatorFactory(code="2100-1", department=department)
    preview = preview_of(
        plan_file(
            [kpi_row("2100-1", department)],
            [project_row("21000000-1001", department)],
        )
    )
    # Someone saved the KPI between the preview and the confirmation.
    Indicator.objects.filter(pk=indicator.pk).update(version=5)
    with pytest.raises(importing.ImportRefused):
        importing.commit_plan(preview, user=admin)
    assert not Project.objects.exists()
    indicator.refresh_from_db()
    assert indicator.target == Decimal(80) and indicator.kind == "strategic"


def test_a_new_target_of_a_kpi_with_results_needs_a_reason(department, admin):
    indicator = IndicatorFactory(
        code="2100-1", department=department, target=Decimal(50)
    )
    IndicatorResultFactory(indicator=indicator, quarter=1)
    preview = preview_of(plan_file([kpi_row("2100-1", department)]))
    assert preview.errors == []
    assert preview.target_revisions == ["2100-1"]
    with pytest.raises(importing.services.ReasonRequiredError):
        importing.commit_plan(preview, user=admin)
    importing.commit_plan(preview, user=admin, reason="ปรับตามงบประมาณ")
    indicator.refresh_from_db()
    assert indicator.target == Decimal(80)
    revisions = list(indicator.revisions.order_by("number"))
    assert [(r.target, r.reason) for r in revisions] == [
        (Decimal(50), ""),
        (Decimal(80), "ปรับตามงบประมาณ"),
    ]


def test_closed_year_is_an_error(department, settings):
    settings.FISCAL_YEAR_CLOSE_DAYS = 30
    preview = preview_of(plan_file([kpi_row("2100-1", department)]))
    assert [(e.row, e.column) for e in preview.errors] == [(2, "Fiscal year")]


def test_template_has_a_kpi_sheet_with_example_and_drop_downs(department):
    with override("th"):
        workbook = load_workbook(importing.plan_template())
    sheet = workbook["ตัวชี้วัด"]
    assert sheet.cell(1, 1).value == "รหัสตัวชี้วัด / KPI code"
    assert sheet.cell(2, 1).value.startswith("#")
    ranges = {str(v.sqref) for v in sheet.data_validations.dataValidation}
    # department, kind, level, aggregation, direction
    assert ranges == {"F3:F5000", "G3:G5000", "H3:H5000", "L3:L5000", "M3:M5000"}


def test_evaluator_imports_kpis_with_a_reason_on_the_page(client, department):
    indicator = IndicatorFactory(
        code="2100-1", department=department, target=Decimal(50)
    )
    IndicatorResultFactory(indicator=indicator, quarter=1)
    client.force_login(UserFactory(role="evaluator"))
    file = csv_file(KPI_HEADERS, [kpi_row("2100-1", department)], "cp874")
    with override("en"):
        response = client.post(
            reverse("projects:import-plan"),
            {"file": file, "token": "f" * 32},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    assert b'id="target-revisions"' in response.content
    url = reverse("projects:import-confirm", args=["f" * 32])
    response = client.post(url)
    assert response.status_code == 200
    indicator.refresh_from_db()
    assert indicator.target == Decimal(50)
    response = client.post(url, {"reason": "ปรับเป้าหมาย"})
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.target == Decimal(80)
    assert indicator.revisions.last().reason == "ปรับเป้าหมาย"


@pytest.mark.parametrize("role", ["staff", "approver"])
def test_staff_cannot_import_kpis(client, department, role):
    user = UserFactory(role=role)
    department.members.add(user)
    client.force_login(user)
    file = csv_file(KPI_HEADERS, [kpi_row("2100-1", department)])
    response = client.post(reverse("projects:import-plan"), {"file": file})
    assert response.status_code == 403
    assert not Indicator.objects.exists()


def test_preview_queries_do_not_grow_with_lookups(
    department, django_assert_num_queries
):
    # The model's own checks of each project and KPI row (the department exists,
    # the fiscal year constraint, the code unique) and the choices of department
    # and linked projects are answered from what was read once for the file.
    saved = ProjectFactory(department=department, code="21000000-999", fiscal_year=2563)

    def rows(count):
        projects = [
            project_row(f"21000000-{1000 + n}", department) for n in range(count)
        ]
        kpis = [
            kpi_row(f"2100-{n}", department, **{"Project codes": saved.code})
            for n in range(count)
        ]
        return kpis, projects

    def queries(count):
        with CaptureQueriesContext(connection) as context:
            preview_of(plan_file(*rows(count)))
        return len(context.captured_queries)

    two = queries(2)
    assert queries(6) == two
    with django_assert_num_queries(two):
        preview_of(plan_file(*rows(2)))


def test_read_once_queryset_answers_get_without_a_query(
    department, django_assert_num_queries
):
    rows = importing.ReadOnceQuerySet.read(Department.objects.all())
    field_queryset = rows.all()
    with django_assert_num_queries(0):
        assert field_queryset.get(pk=str(department.pk)) == department
        assert field_queryset.get(code="21000000") == department
        with pytest.raises(Department.DoesNotExist):
            field_queryset.get(pk="abc")
    filtered = rows.filter(code="none")
    with django_assert_num_queries(1), pytest.raises(Department.DoesNotExist):
        filtered.get(pk=department.pk)


def test_command_prints_progress_of_kpis(department, admin, tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(plan_file([kpi_row("2100-1", department)]).getvalue())
    out = io.StringIO()
    call_command("import_plan", str(path), "--user", "boss", "--commit", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("read: 1 rows")
    assert lines[1].startswith("to check: 1 rows")
    assert any(line.startswith("indicators: 1 rows") for line in lines)
    assert lines[-1].startswith("Imported 1 ")
    assert Indicator.objects.get().code == "2100-1"


def test_page_progress_counts_rows_of_all_to_check(client, department, monkeypatch):
    client.force_login(UserFactory(role="evaluator"))
    token = "9" * 32
    file = plan_file(
        [kpi_row("2100-1", department)], [project_row("21000000-1001", department)]
    )
    states = []
    build_plan_preview = importing.build_plan_preview

    def watched(*args, **kwargs):
        preview = build_plan_preview(*args, **kwargs)
        # What the page's progress bar reads at the end of the checks.
        states.append(client.get(reverse("projects:import-progress", args=[token])))
        return preview

    monkeypatch.setattr(importing, "build_plan_preview", watched)
    client.post(reverse("projects:import-plan"), {"file": file, "token": token})
    assert states[0].json() == {"stage": "indicators", "done": 2, "total": 2}
    # The preview is on the page: its progress is gone.
    state = client.get(reverse("projects:import-progress", args=[token])).json()
    assert state == {"stage": "", "done": 0}
