"""Django admin of departments, strategies, projects, their parts, and users."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django import forms as django_forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse

from projects.models import (
    BudgetCategory,
    BudgetLine,
    Department,
    DisbursementPlan,
    FiscalYearReopening,
    PlanRevision,
    PlanStep,
    Profile,
    ProgressUpdate,
    Project,
    ProjectEvaluation,
    QuarterLock,
    StrategyNode,
)
from tests.factories import (
    BudgetCategoryFactory,
    BudgetLineFactory,
    DepartmentFactory,
    DisbursementPlanFactory,
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectEvaluationFactory,
    ProjectFactory,
    StrategyNodeFactory,
    UserFactory,
)

User = get_user_model()
pytestmark = pytest.mark.django_db


def build_users(n: int) -> list:
    """Users with a role and a department each, as the user changelist shows them."""
    users = []
    for _ in range(n):
        user = UserFactory(role=Profile.Role.STAFF)
        DepartmentFactory().members.add(user)
        users.append(user)
    return users


def build_steps(n: int) -> list[PlanStep]:
    return [PlanStepFactory(project=ProjectFactory()) for _ in range(n)]


def build_strategies(n: int) -> list[StrategyNode]:
    return [StrategyNodeFactory(parent=StrategyNodeFactory()) for _ in range(n)]


def build_departments(n: int) -> list[Department]:
    return [DepartmentFactory(parent=DepartmentFactory()) for _ in range(n)]


def build_updates(n: int) -> list[ProgressUpdate]:
    return [ProgressUpdateFactory(author=UserFactory()) for _ in range(n)]


def build_evaluations(n: int) -> list[ProjectEvaluation]:
    return [ProjectEvaluationFactory(evaluator=UserFactory()) for _ in range(n)]


def build_locks(n: int) -> list[QuarterLock]:
    return [
        QuarterLock.objects.create(
            fiscal_year=2563,
            quarter=1,
            department=DepartmentFactory(),
            locked_by=UserFactory(),
        )
        for _ in range(n)
    ]


def build_reopenings(n: int) -> list[FiscalYearReopening]:
    return [
        FiscalYearReopening.objects.create(
            fiscal_year=2500 + number,
            reason="แก้ไข",
            reopened_by=UserFactory(),
        )
        for number in range(n)
    ]


def build_categories(n: int) -> list[BudgetCategory]:
    return [
        BudgetCategoryFactory(code=f"test-{number}", name_th=f"หมวด {number}")
        for number in range(n)
    ]


def build_projects(n: int) -> list[Project]:
    return [ProjectFactory() for _ in range(n)]


# Each registered model: how to build n rows that differ in every related object,
# and the exact number of queries its changelist runs for any number of rows.
BUILDERS: dict[type[models.Model], tuple[Callable[[int], list], int]] = {
    Department: (build_departments, 5),
    StrategyNode: (build_strategies, 5),
    Project: (build_projects, 9),
    PlanStep: (build_steps, 7),
    ProgressUpdate: (build_updates, 9),
    ProjectEvaluation: (build_evaluations, 8),
    QuarterLock: (build_locks, 8),
    FiscalYearReopening: (build_reopenings, 6),
    BudgetCategory: (build_categories, 5),
    User: (build_users, 5),
}
# Written only through the portal's pages, where their rules live: the admin shows.
READ_ONLY = {PlanStep, ProjectEvaluation, QuarterLock, FiscalYearReopening}


def admin_url(model: type[models.Model], action: str, *args) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{action}", args=args)


def shown(response) -> list:
    """The rows a changelist response lists, in order."""
    return list(response.context["cl"].result_list)


def filter_parameters(response) -> set[str]:
    """The query parameters of the filters a changelist offers."""
    specs = response.context["cl"].filter_specs
    return {param for spec in specs for param in spec.expected_parameters()}


def test_every_registered_model_of_the_app_and_user_is_covered():
    registered = {
        model
        for model in admin.site._registry
        if model._meta.app_label == "projects" or model is User
    }
    assert registered == set(BUILDERS)


@pytest.mark.parametrize("model", BUILDERS, ids=lambda m: m.__name__)
def test_changelist_add_and_change_pages_answer_200(admin_client, model):
    build, _ = BUILDERS[model]
    (obj,) = build(1)
    for url in (
        admin_url(model, "changelist"),
        admin_url(model, "change", obj.pk),
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
    add = admin_client.get(admin_url(model, "add"))
    assert add.status_code == (403 if model in READ_ONLY else 200)


@pytest.mark.parametrize("rows", [3, 12])
@pytest.mark.parametrize("model", BUILDERS, ids=lambda m: m.__name__)
def test_changelist_query_count_does_not_grow_with_rows(
    admin_client, django_assert_num_queries, model, rows
):
    build, queries = BUILDERS[model]
    build(rows)
    # Parents and the admin user are rows of their changelists too.
    total = model._default_manager.count()
    assert total >= rows
    with django_assert_num_queries(queries):
        response = admin_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert len(shown(response)) == total


# Search


def test_department_search_by_code_and_name(admin_client):
    hit = DepartmentFactory(code="21000000", name_th="สำนักยุทธศาสตร์และประเมินผล")
    DepartmentFactory(code="22000000", name_th="สำนักการคลัง")
    url = admin_url(Department, "changelist")
    assert shown(admin_client.get(url, {"q": "21000000"})) == [hit]
    assert shown(admin_client.get(url, {"q": "ยุทธศาสตร์"})) == [hit]
    assert shown(admin_client.get(url, {"q": "99999999"})) == []


def test_search_with_decomposed_sara_am_finds_the_composed_name(admin_client):
    hit = DepartmentFactory(name_th="สำนักการโยธา")
    DepartmentFactory(name_th="สำนักงานเขตพระนคร")
    url = admin_url(Department, "changelist")
    assert shown(admin_client.get(url, {"q": "ส\u0e4d\u0e32นักการ"})) == [hit]


def test_strategy_search_by_code_and_title(admin_client):
    hit = StrategyNodeFactory(code="5.2.1", title_th="ลดความเหลื่อมล้ำ")
    StrategyNodeFactory(code="6.1", title_th="การบริหารจัดการ")
    url = admin_url(StrategyNode, "changelist")
    assert shown(admin_client.get(url, {"q": "5.2.1"})) == [hit]
    assert shown(admin_client.get(url, {"q": "เหลื่อมล้ำ"})) == [hit]


def test_project_search_by_code_and_name(admin_client):
    department = DepartmentFactory(code="21000000")
    hit = ProjectFactory(
        department=department, code="21000000-3152", name_th="โครงการจัดทำรายงาน"
    )
    ProjectFactory(department=department, code="21000000-4000", name_th="กิจกรรมอื่น")
    url = admin_url(Project, "changelist")
    assert shown(admin_client.get(url, {"q": "3152"})) == [hit]
    assert shown(admin_client.get(url, {"q": "จัดทำรายงาน"})) == [hit]
    assert shown(admin_client.get(url, {"q": "ไม่มีโครงการนี้"})) == []


@pytest.mark.parametrize(
    "model, factory",
    [
        (PlanStep, PlanStepFactory),
        (ProgressUpdate, ProgressUpdateFactory),
        (ProjectEvaluation, ProjectEvaluationFactory),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_project_part_search_by_project_code_and_name(admin_client, model, factory):
    department = DepartmentFactory(code="21000000")
    hit = factory(
        project=ProjectFactory(
            department=department, code="21000000-3152", name_th="โครงการสำรวจ"
        )
    )
    factory(
        project=ProjectFactory(
            department=department, code="21000000-4000", name_th="กิจกรรมอื่น"
        )
    )
    url = admin_url(model, "changelist")
    assert shown(admin_client.get(url, {"q": "21000000-3152"})) == [hit]
    assert shown(admin_client.get(url, {"q": "สำรวจ"})) == [hit]


def test_user_search_by_username(admin_client):
    hit = UserFactory(username="somchai")
    UserFactory(username="malee")
    url = admin_url(User, "changelist")
    assert shown(admin_client.get(url, {"q": "somchai"})) == [hit]


# Filters


def test_project_filters_are_offered(admin_client):
    # A filter with a single choice is not offered.
    ProjectFactory(fiscal_year=2563, kind=Project.Kind.PROJECT)
    ProjectFactory(fiscal_year=2564, kind=Project.Kind.ACTIVITY)
    response = admin_client.get(admin_url(Project, "changelist"))
    assert filter_parameters(response) >= {
        "fiscal_year",
        "kind__exact",
        "department__id__exact",
        "department__kind__exact",
        "is_routine__exact",
    }


def test_project_filters_narrow_the_list(admin_client):
    department = DepartmentFactory(kind=Department.Kind.DISTRICT)
    in_2563 = ProjectFactory(fiscal_year=2563, kind=Project.Kind.PROJECT)
    activity = ProjectFactory(fiscal_year=2564, kind=Project.Kind.ACTIVITY)
    district = ProjectFactory(fiscal_year=2564, department=department)
    url = admin_url(Project, "changelist")
    assert shown(admin_client.get(url, {"fiscal_year": 2563})) == [in_2563]
    assert shown(admin_client.get(url, {"kind__exact": "activity"})) == [activity]
    assert shown(admin_client.get(url, {"department__id__exact": department.pk})) == [
        district
    ]
    assert shown(admin_client.get(url, {"department__kind__exact": "district"})) == [
        district
    ]


def test_department_filter_by_kind_narrows_the_list(admin_client):
    district = DepartmentFactory(kind=Department.Kind.DISTRICT)
    DepartmentFactory(kind=Department.Kind.DEPARTMENT)
    response = admin_client.get(
        admin_url(Department, "changelist"), {"kind__exact": "district"}
    )
    assert "kind__exact" in filter_parameters(response)
    assert shown(response) == [district]


@pytest.mark.parametrize(
    "model, factory",
    [
        (PlanStep, PlanStepFactory),
        (ProgressUpdate, ProgressUpdateFactory),
        (ProjectEvaluation, ProjectEvaluationFactory),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_project_part_filters_by_fiscal_year_and_department_narrow_the_list(
    admin_client, model, factory
):
    hit = factory(project=ProjectFactory(fiscal_year=2563))
    miss = factory(project=ProjectFactory(fiscal_year=2564))
    url = admin_url(model, "changelist")
    response = admin_client.get(url, {"project__fiscal_year": 2563})
    assert filter_parameters(response) >= {
        "project__fiscal_year",
        "project__department__id__exact",
    }
    assert shown(response) == [hit]
    department = miss.project.department
    assert shown(
        admin_client.get(url, {"project__department__id__exact": department.pk})
    ) == [miss]


def test_user_filter_by_role_narrows_the_list(admin_client):
    evaluator = UserFactory(role=Profile.Role.EVALUATOR)
    UserFactory(role=Profile.Role.STAFF)
    response = admin_client.get(
        admin_url(User, "changelist"), {"profile__role__exact": "evaluator"}
    )
    assert shown(response) == [evaluator]


# Change pages and their inlines


def inline_models(response) -> list[type[models.Model]]:
    return [f.formset.model for f in response.context["inline_admin_formsets"]]


def test_project_change_page_shows_steps_updates_and_evaluations(admin_client):
    project = ProjectFactory()
    PlanStepFactory(project=project, number=1, weight=Decimal(40))
    PlanStepFactory(project=project, number=2, weight=Decimal(60))
    ProgressUpdateFactory(project=project, done="สำรวจพื้นที่แล้ว")
    ProjectEvaluationFactory(project=project, quarter=1, score=Decimal(85))
    response = admin_client.get(admin_url(Project, "change", project.pk))
    assert inline_models(response) == [
        PlanStep,
        PlanRevision,
        BudgetLine,
        DisbursementPlan,
        ProgressUpdate,
        ProjectEvaluation,
    ]
    initial_rows = [
        f.formset.initial_form_count()
        for f in response.context["inline_admin_formsets"]
    ]
    assert initial_rows == [2, 0, 0, 0, 1, 1]
    assert "สำรวจพื้นที่แล้ว" in response.content.decode()


@pytest.mark.parametrize("rows", [2, 4])
def test_project_change_page_query_count_does_not_grow_with_rows(
    admin_client, django_assert_num_queries, rows
):
    project = ProjectFactory()
    for number in range(1, rows + 1):
        PlanStepFactory(project=project, number=number, weight=Decimal(100) / rows)
        ProgressUpdateFactory(
            project=project, report_date=date(2020, number, 28), author=UserFactory()
        )
        ProjectEvaluationFactory(
            project=project, quarter=number, evaluator=UserFactory()
        )
        BudgetLineFactory(project=project, number=number)
        DisbursementPlanFactory(project=project, number=number, author=UserFactory())
    ContentType.objects.clear_cache()
    # +2 for the budget lines and disbursement plans inlines (issue 18).
    with django_assert_num_queries(12):
        response = admin_client.get(admin_url(Project, "change", project.pk))
    formsets = response.context["inline_admin_formsets"]
    assert [f.formset.initial_form_count() for f in formsets] == [
        rows,
        0,
        rows,
        rows,
        rows,
        rows,
    ]


def test_the_project_page_cannot_add_updates_past_their_rules(admin_client):
    """The inline is read-only: updates are written through ProgressUpdateAdmin
    and the portal, which run the update rules (tests/projects/test_admin_rules)."""
    project = ProjectFactory()
    url = admin_url(Project, "change", project.pk)
    data = post_data(admin_client.get(url))
    data.update(
        {
            "updates-TOTAL_FORMS": "1",
            "updates-0-report_date": "2020-01-31",
            "updates-0-percent": "25",
        }
    )
    admin_client.post(url, data)
    assert not project.updates.exists()


def test_existing_update_keeps_its_author_when_the_project_is_saved(admin_client):
    update = ProgressUpdateFactory(author=UserFactory(username="somchai"))
    url = admin_url(Project, "change", update.project.pk)
    response = admin_client.post(url, post_data(admin_client.get(url)))
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.author.username == "somchai"


def test_user_change_page_shows_role_and_departments(admin_client):
    user = UserFactory(role=Profile.Role.EVALUATOR)
    DepartmentFactory().members.add(user)
    response = admin_client.get(admin_url(User, "change", user.pk))
    assert inline_models(response) == [
        Profile,
        Department.members.through,
        Department.approvers.through,
    ]
    formsets = response.context["inline_admin_formsets"]
    assert [f.formset.initial_form_count() for f in formsets] == [1, 1, 0]


def test_admins_make_a_user_a_department_approver(admin_client):
    user = UserFactory(role=Profile.Role.STAFF)
    department = DepartmentFactory()
    response = admin_client.get(admin_url(User, "change", user.pk))
    data = post_data(response)
    prefix = response.context["inline_admin_formsets"][2].formset.prefix
    data |= {
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-0-department": str(department.pk),
        f"{prefix}-0-user": str(user.pk),
        "date_joined_0": "2020-01-01",
        "date_joined_1": "10:00:00",
    }
    response = admin_client.post(admin_url(User, "change", user.pk), data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [f.formset.errors for f in response.context["inline_admin_formsets"]],
    )
    assert list(user.approves_for.all()) == [department]


def test_user_changelist_shows_the_role(admin_client):
    UserFactory(username="somchai", role=Profile.Role.EVALUATOR)
    response = admin_client.get(admin_url(User, "changelist"), {"q": "somchai"})
    assert str(Profile.Role.EVALUATOR.label) in response.content.decode()


# Objectives and targets, one item per line


def post_data(response) -> dict:
    """The POST data of a rendered admin change form, as its fields hold it."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            if value is True:
                data[bound.html_name] = "on"
            elif isinstance(value, date):
                data[bound.html_name] = value.isoformat()
            elif isinstance(value, list) and isinstance(
                bound.field, django_forms.ModelMultipleChoiceField
            ):
                data[bound.html_name] = [str(item) for item in value]
            else:
                formatted = bound.field.widget.format_value(value)
                data[bound.html_name] = "" if formatted is None else formatted
    return data


def test_objectives_and_targets_are_edited_one_per_line(admin_client):
    project = ProjectFactory(objectives=["ข้อ 1", "ข้อ 2"], targets=["เป้า 1"])
    PlanStepFactory(project=project, number=1)
    ProgressUpdateFactory(project=project)
    url = admin_url(Project, "change", project.pk)
    response = admin_client.get(url)
    assert "ข้อ 1\nข้อ 2</textarea>" in response.content.decode()

    data = post_data(response)
    data["objectives"] = " ให้ประชาชนได้รับบริการ \r\n\r\nส\u0e4d\u0e32รวจความพึงพอใจ\r\n"
    data["targets"] = "ประชาชน 1,000 คน"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    project.refresh_from_db()
    assert project.objectives == ["ให้ประชาชนได้รับบริการ", "สำรวจความพึงพอใจ"]
    assert project.targets == ["ประชาชน 1,000 คน"]
    assert project.steps.count() == 1
    assert project.updates.count() == 1


def test_project_added_with_objectives_one_per_line(admin_client):
    department = DepartmentFactory(code="21000000")
    response = admin_client.post(
        admin_url(Project, "add"),
        {
            "code": "21000000-3152",
            "name_th": "โครงการจัดทำรายงาน",
            "kind": "project",
            "department": department.pk,
            "fiscal_year": 2563,
            "officer_name": "นางสาวทดสอบ",
            "objectives": "ข้อ 1\nข้อ 2",
            "targets": "",
            **{
                f"{prefix}-{key}": value
                for prefix in (
                    "steps",
                    "plan_revisions",
                    "budget_lines",
                    "disbursement_plans",
                    "updates",
                    "evaluations",
                )
                for key, value in {
                    "TOTAL_FORMS": "0",
                    "INITIAL_FORMS": "0",
                    "MIN_NUM_FORMS": "0",
                    "MAX_NUM_FORMS": "1000",
                }.items()
            },
        },
    )
    assert response.status_code == 302
    project = Project.objects.get(code="21000000-3152")
    assert (project.objectives, project.targets) == (["ข้อ 1", "ข้อ 2"], [])


def test_the_admin_speaks_thai_where_django_has_no_thai(admin_client):
    department = DepartmentFactory(code="21000000", name_th="สำนักยุทธศาสตร์")
    url = admin_url(Department, "change", department.pk)
    data = post_data(admin_client.get(url))
    response = admin_client.post(url, data, follow=True)
    shown = [str(message) for message in response.context["messages"]]
    assert any("เรียบร้อยแล้ว" in message for message in shown), shown
    delete = admin_client.get(admin_url(Department, "delete", department.pk))
    assert "ใช่ ยืนยัน" in delete.content.decode()
