"""The plan import checks every row with the forms, fed with facts read once for
the file (KnownRows, ReadOnceQuerySet) instead of asking the database per row:
the same errors, on the same rows and columns, in a number of queries that does
not grow with the rows."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from indicators.forms import IndicatorForm
from indicators.models import Indicator
from projects import importing
from projects.forms import KnownRows, ProjectForm
from projects.models import Department, PlanStep, Project, StrategyNode
from tests.factories import (
    DepartmentFactory,
    IndicatorFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    StrategyNodeFactory,
    UserFactory,
)
from tests.projects.test_import_kpis import KPI_HEADERS, kpi_row, plan_file
from tests.projects.test_import_plan import (
    PROJECT_HEADERS,
    STEP_HEADERS,
    preview_of,
    project_row,
    steps_for,
)

pytestmark = pytest.mark.django_db


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


class PerRowProjectForm(ProjectForm):
    """The project form as a page uses it: every check asks the database."""

    def __init__(self, *args, known=None, strategies=None, **kwargs):
        super().__init__(*args, **kwargs)


class PerRowIndicatorForm(IndicatorForm):
    def __init__(self, *args, known=None, **kwargs):
        super().__init__(*args, **kwargs)


@pytest.fixture
def per_row(monkeypatch):
    """Switch the import to the forms asking the database for each row."""

    def switch():
        monkeypatch.setattr(importing, "ProjectForm", PerRowProjectForm)
        monkeypatch.setattr(importing, "IndicatorForm", PerRowIndicatorForm)
        # The KPI form's choice of projects: the plain queryset, asked per row.
        monkeypatch.setattr(
            importing.ReadOnceQuerySet,
            "some",
            classmethod(lambda cls, queryset, rows: queryset),
        )

    return switch


def bad_file(department):
    """A file with an error of each kind the forms find, beside good rows."""
    saved = ProjectFactory(department=department, code="21000000-0900")
    IndicatorFactory(department=department, code="2100-900", fiscal_year=2563)
    StrategyNodeFactory(code="1.1")
    projects = [
        project_row("21000000-1001", department, **{"Strategy codes": "1.1"}),
        project_row("21000000-1001", department),  # twice in the file
        project_row("21000000-1002", department, **{"Department code": "99999999"}),
        project_row("21000000-1003", department, **{"Strategy codes": "9.9.9"}),
        project_row("21000000-1004", department, **{"Fiscal year": 3000}),
        project_row("22000000-1005", department),  # not the department's code
        project_row("21000000-1006", department, **{"Budget (baht)": "-5"}),
        project_row(saved.code, department, **{"Project name (Thai)": "ชื่อใหม่"}),
        # Beyond any id: the database's answer, whatever it is, on both paths.
        project_row(
            "21000000-1007", department, **{"Strategy codes": "99999999999999999999"}
        ),
    ]
    kpis = [
        kpi_row("2100-1", department, **{"Project codes": saved.code}),
        kpi_row("2100-1", department),  # twice in the file
        kpi_row("2100-2", department, **{"Department code": "99999999"}),
        kpi_row("2100-3", department, **{"Project codes": "21000000-7777"}),
        kpi_row("2100-4", department, **{"Fiscal year": 1990}),
        kpi_row("2100-900", department, **{"Target": "90"}),
        kpi_row("2100-5", department, **{"Project codes": "21000000-1001"}),
    ]
    return kpis, projects


def issues(preview):
    return [
        (issue.sheet, issue.row, issue.column, issue.message, issue.severity)
        for issue in preview.issues
    ]


def test_bulk_fed_checks_give_the_same_errors_as_per_row(department, per_row):
    kpis, projects = bad_file(department)
    with CaptureQueriesContext(connection) as bulk_queries:
        bulk = preview_of(plan_file(kpis, projects))
    per_row()
    with CaptureQueriesContext(connection) as row_queries:
        rows = preview_of(plan_file(kpis, projects))
    assert issues(bulk) == issues(rows)
    assert [(r.row, r.code, r.state) for r in bulk.rows] == [
        (r.row, r.code, r.state) for r in rows.rows
    ]
    # Each kind of error is there, in the forms' words, on its row and column.
    found = {(issue[0], issue[1], issue[2]) for issue in issues(bulk)}
    assert ("Projects", 3, "Code") in found  # twice in the file
    assert ("Projects", 4, "Department code") in found
    assert ("Projects", 5, "Strategy codes") in found
    assert ("Projects", 6, "Fiscal year") in found
    assert ("Projects", 7, "Code") in found  # not the department's code
    assert ("Projects", 8, "Budget (baht)") in found
    assert ("Projects", 10, "Strategy codes") in found
    assert ("KPIs", 3, "KPI code") in found
    assert ("KPIs", 4, "Department code") in found
    assert ("KPIs", 5, "Project codes") in found
    assert ("KPIs", 6, "Fiscal year") in found
    assert len(bulk_queries.captured_queries) < len(row_queries.captured_queries)


def test_a_taken_code_gives_the_database_check_message(department):
    taken = ProjectFactory(department=department, code="21000000-0900")
    departments = importing.ReadOnceQuerySet.read(Department.objects.all())
    data = {
        "department": str(department.pk),
        "code": taken.code,
        "fiscal_year": "2563",
        "kind": "project",
        "name_th": "โครงการซ้ำ",
        "officer_name": "นายทดสอบ",
    }
    known = KnownRows()
    known.rows(Department, [department.pk])
    known.taken(Project, "code", [taken.code], {taken.code: taken.pk})
    per_row = ProjectForm(data, departments=departments)
    assert not per_row.is_valid()
    fed = ProjectForm(data, departments=departments, known=known)
    with CaptureQueriesContext(connection) as context:
        assert not fed.is_valid()
    assert fed.errors == per_row.errors
    assert "code" in fed.errors
    assert not any('"code"' in query["sql"] for query in context.captured_queries)
    # A code the facts were not asked about is asked of the database, as ever.
    other = ProjectForm(
        {**data, "code": "21000000-0901"},
        departments=departments,
        known=known,
    )
    with CaptureQueriesContext(connection) as context:
        assert other.is_valid(), other.errors
    assert any('"code"' in query["sql"] for query in context.captured_queries)


def test_a_department_gone_gives_the_foreign_key_message(department):
    # The form's choice was read before the department went: the model's own
    # check (the row exists) finds it gone, from the database or the facts.
    gone = DepartmentFactory(code="22000000")
    departments = importing.ReadOnceQuerySet.read(Department.objects.all())
    gone_pk = gone.pk
    gone.delete()
    data = {
        "department": str(gone_pk),
        "code": "22000000-1001",
        "fiscal_year": "2563",
        "kind": "project",
        "name_th": "โครงการ",
        "officer_name": "นายทดสอบ",
    }
    known = KnownRows()
    known.rows(Department, Department.objects.values_list("pk", flat=True))
    known.taken(Project, "code", [data["code"]], {})
    per_row = ProjectForm(data, departments=departments)
    fed = ProjectForm(data, departments=departments, known=known)
    assert not per_row.is_valid()
    assert not fed.is_valid()
    assert fed.errors == per_row.errors
    assert "department" in fed.errors


def test_a_taken_kpi_code_gives_the_database_check_message(department):
    taken = IndicatorFactory(department=department, code="2100-900")
    data = {
        "code": taken.code,
        "name_th": "ตัวชี้วัด",
        "unit": "ร้อยละ",
        "target": "80",
        "kind": Indicator.Kind.choices[0][0],
        "level": Indicator.Level.choices[0][0],
        "department": str(department.pk),
        "fiscal_year": "2563",
        "aggregation": Indicator._meta.get_field("aggregation").default,
        "direction": Indicator._meta.get_field("direction").default,
    }
    known = KnownRows()
    known.rows(Department, [department.pk])
    known.taken(Indicator, "code", [taken.code], {taken.code: taken.pk})
    per_row = IndicatorForm(data)
    fed = IndicatorForm(data, known=known)
    assert not per_row.is_valid()
    assert not fed.is_valid()
    assert fed.errors == per_row.errors
    assert "code" in fed.errors


def test_a_check_constraint_is_asked_once_for_the_same_values(department):
    project = Project(department=department, code="21000000-1", fiscal_year=2800)
    with pytest.raises(ValidationError) as expected:
        project.validate_constraints()
    known = KnownRows()
    with (
        CaptureQueriesContext(connection) as first,
        pytest.raises(ValidationError) as error,
    ):
        known.validate_constraints(project, set())
    assert error.value.message_dict == expected.value.message_dict
    assert first.captured_queries
    with (
        CaptureQueriesContext(connection) as again,
        pytest.raises(ValidationError) as error,
    ):
        known.validate_constraints(
            Project(department=department, code="21000000-2", fiscal_year=2800),
            set(),
        )
    assert error.value.message_dict == expected.value.message_dict
    assert again.captured_queries == []
    # Other values are asked (and pass); an excluded field is not checked.
    known.validate_constraints(
        Project(department=department, code="21000000-3", fiscal_year=2563), set()
    )
    known.validate_constraints(project, {"fiscal_year"})


def test_read_once_queryset_answers_choices_of_many_without_a_query(
    department, django_assert_num_queries
):
    nodes = [StrategyNodeFactory(code=f"{n}.1") for n in range(3)]
    rows = importing.ReadOnceQuerySet.read(StrategyNode.objects.all())
    with django_assert_num_queries(0):
        chosen = rows.all().filter(pk__in=[str(nodes[0].pk), str(nodes[2].pk)])
        assert sorted(node.pk for node in chosen) == [nodes[0].pk, nodes[2].pk]
        assert list(rows.all().none()) == []
        assert list(rows.filter(pk__in=["999999"])) == []
    # Some rows only: a row not read is asked of the database.
    some = importing.ReadOnceQuerySet.some(StrategyNode.objects.all(), nodes[:1])
    with django_assert_num_queries(0):
        assert list(some.filter(pk__in=[nodes[0].pk])) == nodes[:1]
    with django_assert_num_queries(1):
        assert len(some.filter(pk__in=[nodes[0].pk, nodes[1].pk])) == 2
    with django_assert_num_queries(1):
        assert some.get(pk=nodes[2].pk) == nodes[2]


def workbook_file(kpis, projects, steps):
    workbook = Workbook()
    sheets = [
        (workbook.active, PROJECT_HEADERS, projects),
        (workbook.create_sheet("Steps"), STEP_HEADERS, steps),
        (workbook.create_sheet("KPIs"), KPI_HEADERS, kpis),
    ]
    for sheet, headers, rows in sheets:
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
    file = io.BytesIO()
    workbook.save(file)
    file.seek(0)
    file.name = "plan.xlsx"
    return file


def file_of(department, count, saved):
    projects = [
        project_row(f"21000000-{1000 + n}", department, **{"Fiscal year": 2563})
        for n in range(count)
    ]
    steps = [
        row
        for n in range(count)
        for row in steps_for(f"21000000-{1000 + n}", weights=(40, 60))
    ]
    kpis = [
        kpi_row(f"2100-{n}", department, **{"Project codes": saved.code})
        for n in range(count)
    ]
    return workbook_file(kpis, projects, steps)


def test_preview_and_commit_queries_do_not_grow_with_rows(
    department, django_assert_num_queries
):
    admin = UserFactory(is_superuser=True, is_staff=True)
    saved = ProjectFactory(department=department, code="21000000-0999")
    ProgressUpdateFactory(project=saved)

    def queries(count):
        with CaptureQueriesContext(connection) as checks:
            preview = preview_of(file_of(department, count, saved))
        assert preview.errors == []
        assert preview.counts["new"] == 2 * count
        with CaptureQueriesContext(connection) as writes:
            importing.commit_plan(preview, user=admin)
        # The same file again: every row unchanged, checked as few times.
        with CaptureQueriesContext(connection) as again:
            preview = preview_of(file_of(department, count, saved))
        assert preview.counts["unchanged"] == 2 * count
        Project.objects.filter(code__startswith="21000000-1").delete()
        Indicator.objects.all().delete()
        return (
            len(checks.captured_queries),
            len(writes.captured_queries),
            len(again.captured_queries),
        )

    two = queries(2)
    assert queries(7) == two
    assert not PlanStep.objects.filter(project__code__startswith="21000000-1")
