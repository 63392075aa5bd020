"""The audit history page of a project, and the pure functions that build it."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import translation

from indicators.models import CriterionScore, IndicatorResult
from projects import history
from projects.models import ProgressUpdate, Project
from projects.templatetags.thaidates import be_datetime
from tests.factories import (
    CriterionScoreFactory,
    DepartmentFactory,
    EvaluationCriterionFactory,
    IndicatorEvaluationFactory,
    IndicatorFactory,
    IndicatorResultFactory,
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectEvaluationFactory,
    ProjectFactory,
    UserFactory,
)

MOMENT = datetime(2020, 9, 15, 7, 5, tzinfo=UTC)  # 14:05 in Bangkok


@pytest.fixture
def english(client, settings):
    """Browse in English, as the language switch does, with the language cookie."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def saved(instance, user, when=None):
    """Save as the history middleware would record it: by user, at when."""
    instance._history_user = user
    if when is not None:
        instance._history_date = when
    instance.save()
    return instance


def deleted(instance, user, when=None):
    instance._history_user = user
    if when is not None:
        instance._history_date = when
    instance.delete()


def url(project) -> str:
    return reverse("projects:history", args=[project.code])


def entries_of(response):
    return list(response.context["page"].object_list)


# Pure functions, without a database


def row(history_type, object_id, minute, **values):
    return SimpleNamespace(
        id=object_id,
        history_type=history_type,
        history_date=MOMENT + timedelta(minutes=minute),
        history_id=minute,
        history_user=None,
        **values,
    )


def update_values(**overrides):
    values = {
        "report_date": date(2020, 1, 15),
        "percent": Decimal("30.00"),
        "done": "ประชุม",
        "problems": "",
        "obstacles": "",
        "author_id": None,
    }
    return values | overrides


class TestRecords:
    def test_a_change_lists_only_the_fields_that_differ(self):
        rows = [
            row("+", 1, 0, **update_values()),
            row("~", 1, 1, **update_values(percent=Decimal("45.00"), problems="ฝนตก")),
        ]
        records = history.records(ProgressUpdate, rows)
        assert [(r.row.history_type, r.has_previous) for r in records] == [
            ("+", False),
            ("~", True),
        ]
        assert [(c.field.name, c.before, c.after) for c in records[1].changes] == [
            ("percent", Decimal("30.00"), Decimal("45.00")),
            ("problems", "", "ฝนตก"),
        ]

    def test_a_creation_lists_its_non_empty_values(self):
        (record,) = history.records(ProgressUpdate, [row("+", 1, 0, **update_values())])
        assert [(c.field.name, c.before, c.after) for c in record.changes] == [
            ("report_date", None, date(2020, 1, 15)),
            ("percent", None, Decimal("30.00")),
            ("done", None, "ประชุม"),
        ]

    def test_rows_are_paired_per_object_only(self):
        rows = [
            row("+", 1, 0, **update_values()),
            row("~", 2, 1, **update_values(percent=Decimal("50.00"))),
            row("-", 2, 2, **update_values(percent=Decimal("50.00"))),
        ]
        records = history.records(ProgressUpdate, rows)
        assert [(r.row.id, r.row.history_type, r.has_previous) for r in records] == [
            (1, "+", False),
            (2, "~", False),
            (2, "-", True),
        ]
        # Object 2's first row has no earlier state to compare with.
        assert records[1].changes == ()

    def test_a_save_that_changes_no_shown_field_is_left_out(self):
        rows = [
            row("+", 1, 0, **update_values()),
            row("~", 1, 1, **update_values()),
        ]
        assert [r.row.history_type for r in history.records(ProgressUpdate, rows)] == [
            "+"
        ]

    def test_compared_fields_leave_out_ids_timestamps_counters_and_parents(self):
        names = [f.name for f in history.compared_fields(ProgressUpdate)]
        assert names == [
            "report_date",
            "percent",
            "disbursed",
            "committed",
            "done",
            "problems",
            "obstacles",
            "author",
        ]


class TestFormatValue:
    def field(self, model, name):
        return model._meta.get_field(name)

    def test_dates_read_in_buddhist_era(self):
        f = self.field(ProgressUpdate, "report_date")
        assert history.format_value(f, date(2020, 9, 15), "th") == "15 ก.ย. 2563"
        assert history.format_value(f, date(2020, 9, 15), "en") == "15 Sep 2020"

    def test_choices_are_spelled_out(self):
        with translation.override("en"):
            f = self.field(Project, "kind")
            assert history.format_value(f, "activity", "en") == "Activity"

    def test_empty_values_and_booleans_and_lists(self):
        with translation.override("en"):
            assert history.format_value(self.field(Project, "rationale"), "", "en") == (
                "–"
            )
            assert history.format_value(self.field(Project, "is_routine"), True, "en")
            assert history.format_value(
                self.field(Project, "objectives"), ["ก", "ข"], "en"
            ) == ("1. ก\n2. ข")

    def test_links_are_named_and_missing_ones_shown_by_id(self):
        f = self.field(ProgressUpdate, "author")
        names = {f.related_model: {7: "สมชาย ใจดี"}}
        assert history.format_value(f, 7, "th", names) == "สมชาย ใจดี"
        assert history.format_value(f, 8, "th", names) == "#8"

    def test_decimals_keep_their_places(self):
        f = self.field(Project, "budget_amount")
        assert history.format_value(f, Decimal("1500000.00"), "th") == "1,500,000.00"


def test_entries_are_newest_first_and_name_the_object():
    rows = [
        row("+", 1, 0, **update_values()),
        row("~", 1, 5, **update_values(percent=Decimal("45.00"))),
    ]
    context = history.LabelContext(fiscal_year=2563)
    with translation.override("en"):
        entries = history.entries(history.records(ProgressUpdate, rows), context, "en")
    assert [(e.action, e.label) for e in entries] == [
        ("~", "15 Jan 2020"),
        ("+", "15 Jan 2020"),
    ]
    assert entries[0].changes == (
        history.Change("cumulative progress (%)", "30.00", "45.00"),
    )
    assert entries[1].changes[0] == history.Change("report date", "", "15 Jan 2020")


def test_be_datetime_shows_bangkok_time_with_a_buddhist_era_date():
    with translation.override("th"):
        assert be_datetime(MOMENT) == "15 ก.ย. 2563 14:05"
    with translation.override("en"):
        assert be_datetime(MOMENT) == "15 Sep 2020 14:05"
    assert be_datetime(None) == ""


# The page


@pytest.fixture
def staff(db):
    user = UserFactory(role="staff", first_name="สมชาย", last_name="ใจดี")
    department = DepartmentFactory()
    department.members.add(user)
    return user, department


@pytest.mark.django_db
class TestHistoryPage:
    def test_shows_a_create_a_change_and_a_delete_with_who_and_when(
        self, client, staff, english
    ):
        user, department = staff
        project = ProjectFactory(department=department)
        update = saved(
            ProgressUpdate(
                project=project,
                report_date=date(2020, 1, 15),
                percent=Decimal(30),
                done="ประชุม",
            ),
            user,
            MOMENT,
        )
        update.percent = Decimal(45)
        update.problems = "ฝนตก"
        saved(update, user, MOMENT + timedelta(hours=1))
        step = PlanStepFactory.build(project=project, number=1)
        saved(step, user, MOMENT + timedelta(minutes=30))
        deleted(step, user, MOMENT + timedelta(hours=2))
        client.force_login(user)
        response = client.get(url(project))
        assert response.status_code == 200
        entries = [
            (e.action, e.model, e.label, e.user)
            for e in entries_of(response)
            if e.model != "project"
        ]
        assert entries == [
            ("-", "plan step", "Step 1", "สมชาย ใจดี"),
            ("~", "progress update", "15 Jan 2020", "สมชาย ใจดี"),
            ("+", "plan step", "Step 1", "สมชาย ใจดี"),
            ("+", "progress update", "15 Jan 2020", "สมชาย ใจดี"),
        ]
        change = next(e for e in entries_of(response) if e.action == "~")
        assert change.changes == (
            history.Change("cumulative progress (%)", "30.00", "45.00"),
            history.Change("problems", "–", "ฝนตก"),
        )
        html = response.content.decode()
        assert '<td class="text-break history-before">30.00</td>' in html
        assert '<td class="text-break history-after">45.00</td>' in html
        assert "15 Sep 2020 15:05" in html
        assert '<span class="history-user">สมชาย ใจดี</span>' in html

    def test_dates_and_times_read_in_buddhist_era_in_thai(self, client, staff):
        user, department = staff
        project = ProjectFactory(department=department)
        saved(
            ProgressUpdate(
                project=project, report_date=date(2020, 1, 15), percent=Decimal(30)
            ),
            user,
            MOMENT,
        )
        client.force_login(user)
        html = client.get(url(project)).content.decode()
        assert (
            '<time datetime="2020-09-15T14:05:00+07:00">15 ก.ย. 2563 14:05</time>'
            in (html)
        )
        assert "15 ม.ค. 2563" in html

    def test_shows_kpi_results_evaluations_and_scores_of_linked_kpis(
        self, client, staff, english
    ):
        user, department = staff
        project = ProjectFactory(department=department)
        indicator = IndicatorFactory(department=department, code="5000-77")
        indicator.projects.add(project)
        result = saved(IndicatorResult(indicator=indicator, quarter=2, value=15), user)
        result.value = Decimal(1)
        saved(result, user)
        evaluation = IndicatorEvaluationFactory(indicator=indicator, quarter=2)
        criterion = EvaluationCriterionFactory(code="2.1")
        score = saved(
            CriterionScore(evaluation=evaluation, criterion=criterion, score=100), user
        )
        deleted(score, user)
        unlinked = IndicatorFactory(department=department)
        IndicatorResultFactory(indicator=unlinked)
        client.force_login(user)
        entries = [
            (e.action, e.model, e.label) for e in entries_of(client.get(url(project)))
        ]
        assert entries == [
            ("-", "criterion score", "5000-77 · Q2 FY 2563 · 2.1"),
            ("+", "criterion score", "5000-77 · Q2 FY 2563 · 2.1"),
            ("+", "KPI evaluation", "5000-77 · Q2 FY 2563"),
            ("~", "KPI result", "5000-77 · Q2 FY 2563"),
            ("+", "KPI result", "5000-77 · Q2 FY 2563"),
            ("~", "KPI", "5000-77"),  # linked to the project
            ("+", "KPI", "5000-77"),
            ("+", "project", project.code),
        ]

    def test_a_changed_author_is_named(self, client, staff, english):
        user, department = staff
        other = UserFactory(username="wichai")
        project = ProjectFactory(department=department)
        update = ProgressUpdateFactory(project=project, author=user)
        update.author = other
        saved(update, user)
        client.force_login(user)
        (change,) = [e for e in entries_of(client.get(url(project))) if e.action == "~"]
        assert change.changes == (history.Change("author", "สมชาย ใจดี", "wichai"),)

    def test_a_change_to_a_row_written_without_history_says_so(
        self, client, staff, english
    ):
        user, department = staff
        project = ProjectFactory(department=department)
        # Bulk writes (the demo data, imports) keep no history row.
        (update,) = ProgressUpdate.objects.bulk_create(
            [ProgressUpdateFactory.build(project=project)]
        )
        update.percent = Decimal(50)
        saved(update, user)
        client.force_login(user)
        response = client.get(url(project))
        (change,) = [e for e in entries_of(response) if e.action == "~"]
        assert change.missing_earlier
        assert change.changes == ()
        assert "Saved; the values before this change were not recorded." in (
            response.content.decode()
        )

    def test_only_this_projects_rows_are_shown(self, client, staff):
        user, department = staff
        project = ProjectFactory(department=department)
        ProgressUpdateFactory(project=ProjectFactory(department=department))
        client.force_login(user)
        entries = entries_of(client.get(url(project)))
        assert [e.label for e in entries] == [project.code]

    def test_fifty_entries_a_page(self, client, staff):
        user, department = staff
        project = ProjectFactory(department=department)
        step = PlanStepFactory(project=project, number=1, weight=0)
        for weight in range(1, 50):
            step.weight = weight
            step.save()
        # project +, step +, 49 step changes
        client.force_login(user)
        first = client.get(url(project))
        assert first.context["page"].paginator.count == 51
        assert len(entries_of(first)) == 50
        second = client.get(url(project), {"page": 2})
        assert [(e.action, e.label) for e in entries_of(second)] == [
            ("+", project.code)
        ]

    def test_the_project_page_links_to_history_for_those_who_may_see_it(
        self, client, staff
    ):
        user, department = staff
        project = ProjectFactory(department=department)
        link = f'href="{url(project)}"'
        assert link not in client.get(project.get_absolute_url()).content.decode()
        client.force_login(UserFactory(role="staff"))
        assert link not in client.get(project.get_absolute_url()).content.decode()
        client.force_login(user)
        assert link in client.get(project.get_absolute_url()).content.decode()
        client.force_login(UserFactory(role="evaluator"))
        assert link in client.get(project.get_absolute_url()).content.decode()

    def test_unknown_project_is_404(self, client, staff):
        client.force_login(staff[0])
        response = client.get(reverse("projects:history", args=["99999999-1"]))
        assert response.status_code == 404

    def test_only_get_and_head(self, client, staff):
        user, department = staff
        client.force_login(user)
        project = ProjectFactory(department=department)
        assert client.post(url(project)).status_code == 405


@pytest.mark.django_db
class TestHistoryAccess:
    def test_anonymous_visitors_are_sent_to_login(self, client):
        project = ProjectFactory()
        response = client.get(url(project))
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url(project)}"

    def test_staff_of_another_department_get_403(self, client):
        project = ProjectFactory()
        outsider = UserFactory(role="staff")
        DepartmentFactory().members.add(outsider)
        client.force_login(outsider)
        assert client.get(url(project)).status_code == 403

    @pytest.mark.parametrize("role", ["evaluator", "admin"])
    def test_evaluators_and_admins_may_read(self, client, role):
        project = ProjectFactory()
        client.force_login(UserFactory(role=role))
        assert client.get(url(project)).status_code == 200

    def test_superusers_may_read(self, client):
        project = ProjectFactory()
        client.force_login(UserFactory(is_superuser=True, is_staff=True))
        assert client.get(url(project)).status_code == 200

    def test_staff_of_the_department_may_read(self, client, staff):
        user, department = staff
        project = ProjectFactory(department=department)
        client.force_login(user)
        assert client.get(url(project)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 4])
def test_query_count_does_not_grow_with_rows(
    client, staff, django_assert_num_queries, size
):
    user, department = staff
    project = ProjectFactory(department=department)
    criterion = EvaluationCriterionFactory(code="2.1")
    for number in range(1, size + 1):
        step = PlanStepFactory(project=project, number=number, weight=1)
        step.weight = 2
        saved(step, user)
        update = ProgressUpdateFactory(
            project=project, report_date=date(2020, number, 1), author=user
        )
        update.author = UserFactory()
        update.percent = Decimal(number)
        saved(update, user)
        deleted(ProjectEvaluationFactory(project=project, quarter=number), user)
        indicator = IndicatorFactory(department=department)
        indicator.projects.add(project)
        result = IndicatorResultFactory(indicator=indicator, quarter=number)
        result.value = Decimal(number)
        saved(result, user)
        evaluation = IndicatorEvaluationFactory(indicator=indicator, quarter=number)
        score = CriterionScoreFactory(evaluation=evaluation, criterion=criterion)
        score.score = Decimal(50)
        saved(score, user)
    project.department = DepartmentFactory()
    project.department.members.add(user)
    saved(project, user)
    client.force_login(user)
    # session, user, project, profile, membership, linked KPIs, their evaluations,
    # eleven history models (with plan and KPI target revisions and evidence),
    # the links kept
    # with two of them (project strategies, KPI projects), names (departments,
    # users, criteria, projects), fiscal years
    # +1: the evidence of the reports; +1: the notification bell's unread count.
    with django_assert_num_queries(26):
        response = client.get(url(project))
    assert response.status_code == 200
    # project + and ~; per row: step +~, update +~, evaluation +-, KPI + and ~
    # (linked), result +~, KPI evaluation +, score +~
    assert response.context["page"].paginator.count == 2 + 13 * size
