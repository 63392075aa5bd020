"""Monthly progress reports: create, edit, delete; rules, warnings, access, races."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from projects import services
from projects.models import ProgressUpdate
from tests.factories import (
    DepartmentFactory,
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2020, 6, 20)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture
def project():
    project = ProjectFactory(fiscal_year=2563)
    PlanStepFactory(project=project)  # 0 → 100 over the fiscal year
    return project


@pytest.fixture
def staff(project):
    user = UserFactory(role="staff")
    project.department.members.add(user)
    return user


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def post_update(client, project, **values):
    data = {
        "report_date": "15/6/2563",
        "percent": "70",
        "done": "ดำเนินการแล้ว",
        "problems": "",
        "obstacles": "-",
        **values,
    }
    return client.post(reverse("projects:update-create", args=[project.code]), data)


class TestCreate:
    def test_staff_reports_a_month_and_the_gauge_moves(self, client, project, staff):
        client.force_login(staff)
        response = post_update(client, project, percent="72.50")
        assert response.status_code == 302
        update = ProgressUpdate.objects.get()
        assert update.report_date == date(2020, 6, 15)
        assert update.percent == Decimal("72.50")
        assert update.author == staff
        assert update.obstacles == ""
        # The gauge moves once the report is approved (tests/projects/test_approval).
        services.approve_update(
            update=update, user=UserFactory(role="evaluator"), version=1
        )
        page = client.get(project.get_absolute_url())
        assert 'data-testid="actual-percent">72.50<' in page.content.decode()

    def test_form_is_prefilled_with_today_and_the_last_percent(
        self, client, project, staff
    ):
        ProgressUpdateFactory(project=project, report_date=date(2020, 5, 1), percent=41)
        client.force_login(staff)
        response = client.get(reverse("projects:update-create", args=[project.code]))
        html = response.content.decode()
        assert 'value="20/6/2563"' in html
        assert 'value="41.00"' in html

    def test_iso_dates_are_accepted(self, client, project, staff):
        client.force_login(staff)
        post_update(client, project, report_date="2020-06-15")
        assert ProgressUpdate.objects.get().report_date == date(2020, 6, 15)

    @pytest.mark.parametrize(
        ("values", "field", "message"),
        [
            ({"percent": "101"}, "percent", "less than or equal to 100"),
            ({"percent": "-1"}, "percent", "greater than or equal to 0"),
            ({"percent": "abc"}, "percent", "Enter a number"),
            ({"report_date": "21/6/2563"}, "report_date", "in the future"),
            ({"report_date": "15/6/2562"}, "report_date", "outside fiscal year 2563"),
            ({"report_date": "15/6/63"}, "report_date", "could be Buddhist or"),
            ({"report_date": "31/4/2563"}, "report_date", "That day does not exist"),
            ({"report_date": ""}, "report_date", "This field is required"),
        ],
    )
    def test_hard_rules_block_with_a_field_message_and_save_nothing(
        self, client, project, staff, english, values, field, message
    ):
        client.force_login(staff)
        response = post_update(client, project, **values)
        assert response.status_code == 200
        assert message in " ".join(response.context["form"].errors[field])
        assert ProgressUpdate.objects.count() == 0

    def test_a_second_report_on_the_same_date_is_refused(
        self, client, project, staff, english
    ):
        ProgressUpdateFactory(project=project, report_date=date(2020, 6, 15))
        client.force_login(staff)
        response = post_update(client, project)
        assert "already has a report on that date" in str(
            response.context["form"].errors["report_date"]
        )
        assert ProgressUpdate.objects.count() == 1

    def test_weights_not_totalling_100_block_reporting(self, client, staff, english):
        project = ProjectFactory(department=staff.departments.get())
        PlanStepFactory(project=project, weight=60)
        client.force_login(staff)
        response = post_update(client, project)
        assert "must total exactly 100%" in response.content.decode()
        assert ProgressUpdate.objects.count() == 0


class TestWarnings:
    @pytest.mark.parametrize(
        ("earlier", "percent", "problems", "code"),
        [
            (80, "70", "งบล่าช้า", "percent_down"),
            (10, "70", "งบล่าช้า", "percent_jump"),
            (None, "20", "", "behind_no_problems"),
        ],
    )
    def test_odd_figures_need_confirmation(
        self, client, project, staff, english, earlier, percent, problems, code
    ):
        if earlier is not None:
            ProgressUpdateFactory(
                project=project, report_date=date(2020, 5, 1), percent=earlier
            )
        before = ProgressUpdate.objects.count()
        client.force_login(staff)
        response = post_update(client, project, percent=percent, problems=problems)
        assert response.status_code == 200
        assert f'data-warning="{code}"' in response.content.decode()
        assert "Please check the warnings" in response.content.decode()
        assert ProgressUpdate.objects.count() == before
        confirmed = post_update(
            client, project, percent=percent, problems=problems, confirm="on"
        )
        assert confirmed.status_code == 302
        assert ProgressUpdate.objects.count() == before + 1

    @pytest.mark.parametrize(
        ("before", "after", "percent", "code"),
        [
            (20, 30, "50", "percent_down"),  # the report after it falls to 30
            (20, 10, "50", "percent_down"),  # a new, larger fall than 20 → 10
            (60, 95, "5", "percent_jump"),  # the next report jumps by 90
            (20, 30, "10", "percent_down"),  # a fall from the report before
        ],
    )
    def test_a_report_inserted_between_two_is_checked_against_both(
        self, client, project, staff, english, before, after, percent, code
    ):
        ProgressUpdateFactory(
            project=project, report_date=date(2020, 4, 1), percent=before
        )
        ProgressUpdateFactory(
            project=project, report_date=date(2020, 8, 1), percent=after
        )
        client.force_login(staff)
        response = post_update(client, project, percent=percent, problems="งบล่าช้า")
        assert response.status_code == 200
        assert f'data-warning="{code}"' in response.content.decode()
        assert ProgressUpdate.objects.count() == 2

    def test_an_insert_that_fits_between_its_neighbours_needs_no_confirmation(
        self, client, project, staff
    ):
        ProgressUpdateFactory(project=project, report_date=date(2020, 4, 1), percent=60)
        ProgressUpdateFactory(project=project, report_date=date(2020, 8, 1), percent=90)
        client.force_login(staff)
        assert post_update(client, project, percent="75").status_code == 302

    def test_on_track_report_needs_no_confirmation(self, client, project, staff):
        ProgressUpdateFactory(project=project, report_date=date(2020, 5, 1), percent=60)
        client.force_login(staff)
        assert post_update(client, project, percent="70").status_code == 302


class TestEditAndDelete:
    def test_edit_changes_the_report_and_keeps_history(self, client, project, staff):
        update = ProgressUpdateFactory(
            project=project, report_date=date(2020, 6, 1), percent=68
        )
        client.force_login(staff)
        url = reverse("projects:update-edit", args=[project.code, update.pk])
        response = client.post(
            url,
            {
                "report_date": "1/6/2563",
                "percent": "69",
                "done": "แก้ไข",
                "version": "1",
            },
        )
        assert response.status_code == 302
        update.refresh_from_db()
        assert update.percent == Decimal(69)
        assert update.version == 2
        latest = update.history.first()
        assert latest.history_type == "~" and latest.history_user == staff

    def test_the_second_of_two_editors_is_refused(
        self, client, project, staff, english
    ):
        update = ProgressUpdateFactory(
            project=project, report_date=date(2020, 6, 1), percent=68
        )
        services.save_update(
            project=project,
            user=staff,
            values={"percent": Decimal(69)},
            update=update,
            version=1,
        )
        client.force_login(staff)
        url = reverse("projects:update-edit", args=[project.code, update.pk])
        response = client.post(
            url, {"report_date": "1/6/2563", "percent": "75", "version": "1"}
        )
        assert response.status_code == 409
        assert "Someone else saved this" in response.content.decode()
        update.refresh_from_db()
        assert update.percent == Decimal(69)

    def test_delete_asks_then_deletes(self, client, project, staff):
        update = ProgressUpdateFactory(project=project)
        client.force_login(staff)
        url = reverse("projects:update-delete", args=[project.code, update.pk])
        assert client.get(url).status_code == 200
        assert ProgressUpdate.objects.count() == 1
        assert client.post(url, {"version": "1"}).status_code == 302
        assert ProgressUpdate.objects.count() == 0
        assert update.history.first().history_type == "-"

    def test_delete_of_a_changed_report_is_refused(self, client, project, staff):
        update = ProgressUpdateFactory(project=project)
        client.force_login(staff)
        url = reverse("projects:update-delete", args=[project.code, update.pk])
        assert client.post(url, {"version": "7"}).status_code == 409
        assert ProgressUpdate.objects.count() == 1

    def test_an_update_of_another_project_is_404(self, client, project, staff):
        other = ProgressUpdateFactory()
        client.force_login(staff)
        url = reverse("projects:update-edit", args=[project.code, other.pk])
        assert client.get(url).status_code == 404


def users(project):
    outsider = UserFactory(role="staff")
    DepartmentFactory().members.add(outsider)
    staff = UserFactory(role="staff")
    project.department.members.add(staff)
    evaluator = UserFactory(role="evaluator")
    project.department.members.add(evaluator)  # membership alone gives no write
    admin = UserFactory(role="admin", is_superuser=True, is_staff=True)
    return {
        "anonymous": None,
        "staff": staff,
        "outsider": outsider,
        "evaluator": evaluator,
        "admin": admin,
    }


EXPECTED = {
    "anonymous": 302,
    "staff": 200,
    "outsider": 403,
    "evaluator": 403,
    "admin": 200,
}


@pytest.mark.parametrize("role", EXPECTED)
@pytest.mark.parametrize("name", ["update-create", "update-edit", "update-delete"])
def test_access_matrix(client, project, role, name):
    update = ProgressUpdateFactory(project=project, report_date=date(2020, 6, 1))
    user = users(project)[role]
    if user:
        client.force_login(user)
    args = [project.code] if name == "update-create" else [project.code, update.pk]
    url = reverse(f"projects:{name}", args=args)
    response = client.get(url)
    assert response.status_code == EXPECTED[role]
    if role == "anonymous":
        assert response.url.startswith(reverse("login"))
    posted = client.post(
        url, {"report_date": "2/6/2563", "percent": "70", "version": "1"}
    )
    if EXPECTED[role] != 200:
        assert posted.status_code == EXPECTED[role]
        assert ProgressUpdate.objects.get() == update
        update.refresh_from_db()
        assert update.percent == Decimal(30) and update.version == 1


def test_csrf_is_enforced(project, staff):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = post_update(client, project)
    assert response.status_code == 403
    assert ProgressUpdate.objects.count() == 0


@pytest.mark.parametrize("updates", [1, 6])
def test_form_query_count_does_not_grow(
    client, project, staff, django_assert_num_queries, updates
):
    for month in range(1, updates + 1):
        ProgressUpdateFactory(project=project, report_date=date(2020, month, 1))
    client.force_login(staff)
    url = reverse("projects:update-create", args=[project.code])
    # Session and user, the user's departments, project, steps, updates, locks.
    # +1: the notification bell's unread count (signed-in pages).
    with django_assert_num_queries(10):
        assert client.get(url).status_code == 200


class TestLockedQuarters:
    """Quarter 3 of FY 2563 runs April to June 2020."""

    @pytest.fixture
    def lock(self, project):
        from projects.models import QuarterLock

        return QuarterLock.objects.create(
            fiscal_year=2563, quarter=3, department=project.department
        )

    def test_staff_cannot_add_a_report_dated_in_a_locked_quarter(
        self, client, project, staff, english, lock
    ):
        client.force_login(staff)
        lock.locked_by = UserFactory(first_name="Somsri", last_name="Evaluator")
        lock.save()
        response = post_update(client, project, report_date="15/6/2563")
        assert response.status_code == 200
        assert "Q3 FY 2563 was locked by Somsri Evaluator" in response.content.decode()
        assert ProgressUpdate.objects.count() == 0

    def test_staff_cannot_move_or_delete_a_report_out_of_a_locked_quarter(
        self, client, project, staff, lock
    ):
        update = ProgressUpdateFactory(project=project, report_date=date(2020, 4, 1))
        client.force_login(staff)
        edit = reverse("projects:update-edit", args=[project.code, update.pk])
        client.post(edit, {"report_date": "1/3/2563", "percent": "30", "version": "1"})
        delete = reverse("projects:update-delete", args=[project.code, update.pk])
        client.post(delete, {"version": "1"})
        update.refresh_from_db()
        assert update.report_date == date(2020, 4, 1) and update.version == 1

    def test_other_quarters_stay_open(self, client, project, staff, lock):
        client.force_login(staff)
        assert (
            post_update(
                client, project, report_date="15/3/2563", percent="40", problems="x"
            ).status_code
            == 302
        )

    def test_a_lock_for_all_departments_applies_too(self, client, project, staff):
        from projects.models import QuarterLock

        QuarterLock.objects.create(fiscal_year=2563, quarter=3)
        client.force_login(staff)
        post_update(client, project, report_date="15/6/2563")
        assert ProgressUpdate.objects.count() == 0

    def test_a_reopened_quarter_is_open_again(self, client, project, staff, lock):
        lock.reopened_at = timezone.now()
        lock.reopen_reason = "แก้ไขข้อมูล"
        lock.save()
        client.force_login(staff)
        assert post_update(client, project, report_date="15/6/2563").status_code == 302

    def test_admins_too_must_reopen_a_locked_quarter_first(self, client, project, lock):
        client.force_login(UserFactory(role="admin", is_superuser=True))
        assert post_update(client, project, report_date="15/6/2563").status_code == 200
        assert ProgressUpdate.objects.count() == 0

    def test_locked_reports_offer_no_edit_or_delete_links(
        self, client, project, staff, english, lock
    ):
        locked = ProgressUpdateFactory(project=project, report_date=date(2020, 4, 1))
        open_ = ProgressUpdateFactory(project=project, report_date=date(2020, 3, 1))
        client.force_login(staff)
        html = client.get(project.get_absolute_url()).content.decode()
        edit = reverse("projects:update-edit", args=[project.code, locked.pk])
        assert edit not in html
        assert reverse("projects:update-edit", args=[project.code, open_.pk]) in html
        assert "was locked by" in html
        assert 'data-testid="update-locked"' in html
        # The form itself says so before anything is typed, and offers no fields.
        page = client.get(edit).content.decode()
        assert 'data-testid="lock-notice"' in page
        assert 'name="percent"' not in page
