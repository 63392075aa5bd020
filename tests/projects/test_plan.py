"""Editing the work plan: all steps in one form, weights total 100, one transaction."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from projects import progress, services
from projects.models import PlanRevision, PlanStep, Project, QuarterLock
from tests.factories import (
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    UserFactory,
)
from tests.projects.test_updates import EXPECTED, users

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    project = ProjectFactory(fiscal_year=2563)
    PlanStepFactory(
        project=project,
        number=1,
        weight=40,
        planned_start=date(2019, 10, 1),
        planned_end=date(2019, 12, 31),
    )
    PlanStepFactory(
        project=project,
        number=2,
        weight=60,
        planned_start=date(2020, 1, 1),
        planned_end=date(2020, 9, 30),
    )
    return project


@pytest.fixture
def staff(client, project, settings):
    user = UserFactory(role="staff")
    project.department.members.add(user)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


def plan_data(rows, version=1, total_forms=None):
    data = {
        "version": str(version),
        "steps-TOTAL_FORMS": str(total_forms or len(rows)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"steps-{index}-{name}"] = value
    return data


def row(description, weight, start, end, pk="", delete=False):
    values = {
        "id": str(pk),
        "description": description,
        "weight": str(weight),
        "planned_start": start,
        "planned_end": end,
    }
    if delete:
        values["DELETE"] = "on"
    return values


def url(project):
    return reverse("projects:plan-edit", args=[project.code])


def test_form_shows_the_current_steps(client, project, staff):
    html = client.get(url(project)).content.decode()
    assert 'value="1/10/2562"' in html and 'value="30/9/2563"' in html
    assert 'id="plan-total"' in html


def test_saving_reorders_edits_adds_and_deletes_in_one_go(client, project, staff):
    first, second = project.steps.all()
    data = plan_data(
        [
            row("ขั้นที่สอง ปรับ", 50, "1/1/2563", "30/6/2563", pk=second.pk),
            row("ขั้นใหม่", 50, "1/7/2563", "1/7/2563"),
            row("ขั้นแรก", 40, "1/10/2562", "31/12/2562", pk=first.pk, delete=True),
        ]
    )
    response = client.post(url(project), data)
    assert response.status_code == 302
    steps = list(project.steps.order_by("number"))
    assert [(s.number, s.description, s.weight) for s in steps] == [
        (1, "ขั้นที่สอง ปรับ", Decimal(50)),
        (2, "ขั้นใหม่", Decimal(50)),
    ]
    assert steps[0].pk == second.pk
    assert steps[1].is_milestone
    assert not PlanStep.objects.filter(pk=first.pk).exists()
    project.refresh_from_db()
    assert project.plan_version == 2


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([row("ก", 40, "1/10/2562", "31/12/2562")], "must total exactly 100%"),
        (
            [row("ก", 100, "1/10/2562", "1/9/2562")],
            "The end must not be before the start",
        ),
        (
            [row("ก", 100, "1/10/2562", "1/10/2563")],
            "inside fiscal year 2563",
        ),
        ([row("ก", 100, "1/10/62", "1/11/2562")], "could be Buddhist or"),
        ([row("ก", 0, "1/10/2562", "1/11/2562")], "greater than or equal to 0.01"),
        ([row("ก", "abc", "1/10/2562", "1/11/2562")], "Enter a number"),
        ([], "at least one step"),
    ],
)
def test_invalid_plans_are_refused_and_nothing_changes(
    client, project, staff, rows, message
):
    before = list(project.steps.values_list("pk", "number", "weight", "description"))
    response = client.post(url(project), plan_data(rows))
    assert response.status_code == 200
    assert message in response.content.decode()
    after = list(project.steps.values_list("pk", "number", "weight", "description"))
    assert after == before


def test_the_second_of_two_editors_is_refused(client, project, staff):
    services.save_plan(
        project=project,
        user=staff,
        steps=[
            services.StepValues(
                None, "ทั้งปี", Decimal(100), date(2019, 10, 1), date(2020, 9, 30)
            )
        ],
        version=1,
    )
    data = plan_data([row("ของฉัน", 100, "1/10/2562", "30/9/2563")], version=1)
    response = client.post(url(project), data)
    assert response.status_code == 409
    assert "Someone else saved this" in response.content.decode()
    assert list(project.steps.values_list("description", flat=True)) == ["ทั้งปี"]


def test_plan_changes_are_in_the_history(client, project, staff):
    first, second = project.steps.all()
    data = plan_data(
        [
            row("ก", 40, "1/10/2562", "31/12/2562", pk=first.pk),
            row("ข", 60, "1/1/2563", "30/9/2563", pk=second.pk),
        ]
    )
    client.post(url(project), data)
    record = PlanStep.history.filter(id=first.pk).first()
    assert record.history_user == staff and record.description == "ก"


@pytest.mark.parametrize("role", EXPECTED)
def test_access_matrix(client, project, role):
    user = users(project)[role]
    if user:
        client.force_login(user)
    response = client.get(url(project))
    assert response.status_code == EXPECTED[role]
    posted = client.post(
        url(project), plan_data([row("x", 100, "1/10/2562", "1/10/2562")])
    )
    if EXPECTED[role] != 200:
        assert posted.status_code == EXPECTED[role]
        assert project.steps.count() == 2


@pytest.mark.parametrize("extra_steps", [0, 6])
def test_query_count_does_not_grow(
    client, project, staff, django_assert_num_queries, extra_steps
):
    for number in range(3, 3 + extra_steps):
        PlanStepFactory(project=project, number=number, weight=0.01)
    # + whether the project has reports, and its locks (is a save a revision?).
    # +1: the notification bell's unread count (signed-in pages).
    with django_assert_num_queries(10):
        assert client.get(url(project)).status_code == 200


class TestRevisions:
    """Once a project has reports, a changed plan is a dated revision with a reason;
    the plan in force before stays readable and keeps every past figure."""

    @pytest.fixture(autouse=True)
    def _today(self, monkeypatch):
        monkeypatch.setattr(
            "django.utils.timezone.localdate", lambda *a, **k: date(2020, 3, 16)
        )

    @pytest.fixture
    def reported(self, project):
        ProgressUpdateFactory(
            project=project, report_date=date(2020, 1, 20), percent=45
        )
        return project

    def revised_rows(self, project):
        first, second = project.steps.order_by("number")
        return [
            row("ขั้นที่ 1", 40, "1/10/2562", "31/12/2562", pk=first.pk),
            row("ขั้นที่ 2 (ปรับ)", 60, "1/4/2563", "30/9/2563", pk=second.pk),
        ]

    def test_a_plan_without_reports_is_changed_in_place(self, client, project, staff):
        response = client.post(url(project), plan_data(self.revised_rows(project)))
        assert response.status_code == 302
        assert not PlanRevision.objects.exists()

    def test_a_revision_needs_a_reason(self, client, reported, staff):
        page = client.get(url(reported)).content.decode()
        assert 'data-testid="revision-notice"' in page and 'name="reason"' in page
        response = client.post(url(reported), plan_data(self.revised_rows(reported)))
        assert response.status_code == 200
        assert "Give the reason for revising the plan" in response.content.decode()
        assert not PlanRevision.objects.exists()
        assert reported.steps.get(number=2).planned_start == date(2020, 1, 1)

    def test_a_revision_keeps_the_plan_in_force_and_every_past_figure(
        self, client, reported, staff
    ):
        before = {
            day: Project.objects.with_progress(day).get().planned_percent
            for day in (date(2020, 1, 31), date(2020, 3, 15))
        }
        data = plan_data(self.revised_rows(reported))
        data["reason"] = "ได้รับงบประมาณล่าช้า"
        response = client.post(url(reported), data)
        assert response.status_code == 302
        original, current = PlanRevision.objects.order_by("number")
        assert (original.valid_from, original.valid_until) == (None, date(2020, 3, 16))
        assert [s.planned_start for s in original.steps.all()] == [
            date(2019, 10, 1),
            date(2020, 1, 1),
        ]
        assert (current.valid_from, current.reason, current.author) == (
            date(2020, 3, 16),
            "ได้รับงบประมาณล่าช้า",
            staff,
        )
        for day, planned in before.items():
            assert Project.objects.with_progress(day).get().planned_percent == planned
        # From the revision on, the revised step has not started: 40% planned.
        assert (
            Project.objects.with_progress(date(2020, 3, 20)).get().planned_percent == 40
        )
        html = client.get(reported.get_absolute_url()).content.decode()
        assert "Revised 1 time" in html and "ได้รับงบประมาณล่าช้า" in html
        assert "Original plan" in html  # the S-curve's baseline
        history = client.get(reverse("projects:history", args=[reported.code]))
        assert "Plan revision 2" in history.content.decode()

    def test_a_revision_never_reaches_into_a_locked_quarter(self, reported, staff):
        QuarterLock.objects.create(
            fiscal_year=2563, quarter=2, department=reported.department
        )
        revision = services.save_plan(
            project=reported,
            user=staff,
            steps=[
                services.StepValues(
                    None, "ใหม่", Decimal(100), date(2020, 2, 1), date(2020, 5, 1)
                )
            ],
            version=reported.plan_version,
            reason="ปรับแผน",
        )
        # Quarter 2 (January to March) is locked: the revision starts in April.
        assert revision.valid_from == date(2020, 4, 1)
        assert reported.planned_percent(date(2020, 3, 31)) == (
            progress.planned_percent(
                [
                    PlanStepFactory.build(
                        weight=40,
                        planned_start=date(2019, 10, 1),
                        planned_end=date(2019, 12, 31),
                    ),
                    PlanStepFactory.build(
                        weight=60,
                        planned_start=date(2020, 1, 1),
                        planned_end=date(2020, 9, 30),
                    ),
                ],
                date(2020, 3, 31),
            )
        )

    def test_an_unchanged_plan_is_no_revision(self, client, reported, staff):
        first, second = reported.steps.order_by("number")
        rows = [
            row(first.description, 40, "1/10/2562", "31/12/2562", pk=first.pk),
            row(second.description, 60, "1/1/2563", "30/9/2563", pk=second.pk),
        ]
        data = plan_data(rows)
        data["steps-INITIAL_FORMS"] = "2"  # as the page renders it
        assert client.post(url(reported), data).status_code == 302
        assert not PlanRevision.objects.exists()

    def test_the_service_checks_the_plan_rules_itself(self, reported, staff):
        with pytest.raises(services.RuleError) as error:
            services.save_plan(
                project=reported,
                user=staff,
                steps=[
                    services.StepValues(
                        None, "x", Decimal(50), date(2020, 2, 1), date(2021, 5, 1)
                    )
                ],
                version=reported.plan_version,
                reason="ปรับแผน",
            )
        assert {flag.code for flag in error.value.flags} == {
            "step_outside_year",
            "weights_total",
        }
