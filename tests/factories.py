"""factory-boy factories: each test builds only the rows it asserts on."""

import importlib
from datetime import date
from decimal import Decimal

import factory
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model

from indicators.models import (
    CriterionScore,
    EvaluationCriterion,
    Indicator,
    IndicatorEvaluation,
    IndicatorResult,
)
from projects.models import (
    BudgetCategory,
    BudgetLine,
    Department,
    DisbursementPlan,
    DisbursementPlanMonth,
    PlanStep,
    Profile,
    ProgressUpdate,
    Project,
    ProjectEvaluation,
    StrategyNode,
)

PASSWORD = "test-pass-2563"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if not create:
            return
        self.save()  # keeps the password set above
        if extracted:
            Profile.objects.update_or_create(user=self, defaults={"role": extracted})


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{50000000 + n * 10000:08d}")
    name_th = factory.Sequence(lambda n: f"สำนักทดสอบ {n}")
    name_en = factory.Sequence(lambda n: f"Test Department {n}")
    short_name = factory.Sequence(lambda n: f"สท.{n}")


class StrategyNodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StrategyNode

    level = StrategyNode.Level.PILLAR
    code = factory.Sequence(lambda n: f"{n + 1}")
    title_th = factory.Sequence(lambda n: f"ด้านที่ {n + 1}")
    title_en = factory.Sequence(lambda n: f"Pillar {n + 1}")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    department = factory.SubFactory(DepartmentFactory)
    code = factory.LazyAttributeSequence(lambda p, n: f"{p.department.code}-{1000 + n}")
    name_th = factory.Sequence(lambda n: f"โครงการทดสอบ {n}")
    name_en = factory.Sequence(lambda n: f"Test project {n}")
    fiscal_year = 2563
    officer_name = "นายทดสอบ ระบบดี"
    officer_contact = "0 2224 1234"


class PlanStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanStep

    project = factory.SubFactory(ProjectFactory)
    number = factory.Sequence(lambda n: n + 1)
    description = factory.Sequence(lambda n: f"ขั้นตอนที่ {n + 1}")
    weight = Decimal(100)
    planned_start = date(2019, 10, 1)
    planned_end = date(2020, 9, 30)


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressUpdate

    project = factory.SubFactory(ProjectFactory)
    report_date = date(2020, 1, 15)
    percent = Decimal(30)
    done = "ดำเนินการตามแผน"


class BudgetCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetCategory
        django_get_or_create = ("code",)

    code = "operating"
    name_th = "งบดำเนินงาน"
    name_en = "Operating"
    order = 20


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    project = factory.SubFactory(ProjectFactory)
    number = factory.Sequence(lambda n: n + 1)
    category = factory.SubFactory(BudgetCategoryFactory)
    amount = Decimal(1_000_000)
    source = "งบประมาณกรุงเทพมหานคร"


class DisbursementPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DisbursementPlan

    project = factory.SubFactory(ProjectFactory)
    number = factory.Sequence(lambda n: n + 1)


class DisbursementPlanMonthFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DisbursementPlanMonth

    plan = factory.SubFactory(DisbursementPlanFactory)
    month_end = date(2020, 9, 30)
    percent = Decimal(100)


class ProjectEvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectEvaluation

    project = factory.SubFactory(ProjectFactory)
    quarter = 1
    score = Decimal(100)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    department = factory.SubFactory(DepartmentFactory)
    code = factory.LazyAttributeSequence(
        lambda i, n: f"{i.department.indicator_prefix}-{2000 + n}"
    )
    name_th = factory.Sequence(lambda n: f"ตัวชี้วัดทดสอบ {n}")
    unit = "ร้อยละ"
    target = Decimal(80)
    fiscal_year = 2563


class IndicatorResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorResult

    indicator = factory.SubFactory(IndicatorFactory)
    quarter = 1
    value = Decimal(20)


class EvaluationCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluationCriterion
        django_get_or_create = ("fiscal_year", "code")

    fiscal_year = 2563
    code = factory.Sequence(lambda n: f"2.{n + 1}")
    name_th = factory.Sequence(lambda n: f"เกณฑ์ที่ 2.{n + 1}")
    name_en = factory.Sequence(lambda n: f"Criterion 2.{n + 1}")


class IndicatorEvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorEvaluation

    indicator = factory.SubFactory(IndicatorFactory)
    quarter = 1


class CriterionScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CriterionScore

    evaluation = factory.SubFactory(IndicatorEvaluationFactory)
    criterion = factory.SubFactory(EvaluationCriterionFactory)
    score = Decimal(100)


def seed_budget_categories() -> None:
    """The budget categories the data migration 0014 seeds, seeded again by its own
    function (nothing changes when they are there): a transactional test earlier in
    the suite empties every table, migration data included."""
    seeding = importlib.import_module("projects.migrations.0014_seed_budget_categories")
    seeding.seed(django_apps, None)
