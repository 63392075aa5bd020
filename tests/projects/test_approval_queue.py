"""The approver's queue: who sees it, what each row shows, the three actions
(direct POSTs included) and its pinned query count."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from indicators import services as indicator_services
from indicators.models import Indicator, IndicatorResult
from projects import approval, services
from projects.models import ProgressUpdate, QuarterLock
from tests.factories import (
    IndicatorFactory,
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2020, 6, 20)
QUEUE = reverse("projects:approvals")


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
    user = UserFactory(username="staff", role="staff")
    project.department.members.add(user)
    return user


@pytest.fixture
def approver(project):
    user = UserFactory(username="head", role="staff")
    project.department.approvers.add(user)
    return user


def submit(project, author, day=date(2020, 6, 15), percent=70) -> ProgressUpdate:
    return services.save_update(
        project=project,
        user=author,
        values={"report_date": day, "percent": Decimal(percent)},
    )


def status_of(update) -> str:
    return ProgressUpdate.objects.get(pk=update.pk).status


class TestAccess:
    """Who may open the queue and POST its three actions (an access matrix)."""

    @pytest.mark.parametrize(
        ("who", "page", "approves"),
        [
            ("anonymous", 302, False),
            ("staff", 403, False),
            ("approver", 200, True),
            ("other_approver", 200, False),
            ("evaluator", 200, True),
            ("admin", 200, True),
        ],
    )
    def test_matrix(self, client, project, staff, approver, who, page, approves):
        other = ProjectFactory()
        users = {
            "anonymous": None,
            "staff": staff,
            "approver": approver,
            "other_approver": UserFactory(role="staff"),
            "evaluator": UserFactory(role="evaluator"),
            "admin": UserFactory(is_superuser=True, is_staff=True),
        }
        other.department.approvers.add(users["other_approver"])
        if users[who]:
            client.force_login(users[who])
        assert client.get(QUEUE).status_code == page
        for action in ("approve", "return"):
            update = submit(project, staff, day=date(2020, 6, 1 + len(action)))
            response = client.post(
                reverse(f"projects:{action}", args=[update.pk]),
                {"version": 1, "comment": "ขอแก้"},
            )
            expected = "approved" if action == "approve" else "returned"
            if approves:
                assert response.status_code == 302
                assert status_of(update) == expected
            else:
                assert response.status_code in (302, 403)
                assert status_of(update) == "submitted"
        update = submit(project, staff, day=date(2020, 6, 9))
        response = client.post(
            reverse("projects:approve-selected"), {"selected": [f"{update.pk}:1"]}
        )
        assert status_of(update) == ("approved" if approves else "submitted")
        assert response.status_code in (302, 403)

    def test_the_queue_lists_only_the_approvers_departments(
        self, client, project, staff, approver
    ):
        mine = submit(project, staff)
        other = ProjectFactory()
        theirs = submit(other, UserFactory())
        client.force_login(approver)
        html = client.get(QUEUE).content.decode()
        assert f'data-update="{mine.pk}"' in html
        assert f'data-update="{theirs.pk}"' not in html


class TestActions:
    def test_row_shows_previous_approved_report_plan_and_flags(
        self, client, project, staff, approver
    ):
        ProgressUpdateFactory(
            project=project, report_date=date(2020, 5, 15), percent=80
        )
        services.save_update(
            project=project,
            user=staff,
            values={"report_date": date(2020, 6, 15), "percent": Decimal(20)},
            warnings=["ความคืบหน้าลดลง"],
        )
        client.force_login(approver)
        html = client.get(QUEUE).content.decode()
        assert "80.00%" in html  # the previous approved report
        assert 'data-testid="change">-60.00<' in html
        assert 'data-testid="planned">70.68%<' in html
        assert "ความคืบหน้าลดลง" in html  # confirmed by the author
        assert 'data-testid="flags"' in html

    def test_approve_one(self, client, project, staff, approver):
        update = submit(project, staff)
        client.force_login(approver)
        response = client.post(
            reverse("projects:approve", args=[update.pk]), {"version": 1}
        )
        assert response.status_code == 302
        assert status_of(update) == "approved"

    def test_return_needs_a_comment(self, client, project, staff, approver):
        update = submit(project, staff)
        client.force_login(approver)
        client.post(reverse("projects:return", args=[update.pk]), {"version": 1})
        assert status_of(update) == "submitted"
        client.post(
            reverse("projects:return", args=[update.pk]),
            {"version": 1, "comment": "แนบรูป"},
        )
        assert status_of(update) == "returned"

    def test_double_approval_changes_nothing(self, client, project, staff, approver):
        update = submit(project, staff)
        client.force_login(approver)
        url = reverse("projects:approve", args=[update.pk])
        client.post(url, {"version": 1})
        response = client.post(url, {"version": 1}, follow=True)
        assert "มีผู้อื่นแก้ไขหรือพิจารณารายงานนี้" in response.content.decode()
        stored = ProgressUpdate.objects.get(pk=update.pk)
        assert (stored.status, stored.version) == ("approved", 2)

    def test_out_of_order_posts_are_refused(self, client, project, staff, approver):
        draft = services.save_update(
            project=project,
            user=staff,
            values={"report_date": date(2020, 6, 15), "percent": Decimal(70)},
            submit=False,
        )
        client.force_login(approver)
        client.post(reverse("projects:approve", args=[draft.pk]), {"version": 1})
        client.post(
            reverse("projects:return", args=[draft.pk]), {"version": 1, "comment": "x"}
        )
        assert status_of(draft) == "draft"

    def test_own_report_has_no_buttons_and_a_post_is_refused(
        self, client, project, approver
    ):
        project.department.members.add(approver)
        update = submit(project, approver)
        client.force_login(approver)
        html = client.get(QUEUE).content.decode()
        assert 'data-testid="own-report"' in html
        assert f'value="{update.pk}:1"' not in html
        client.post(reverse("projects:approve", args=[update.pk]), {"version": 1})
        assert status_of(update) == "submitted"

    def test_approving_in_a_locked_quarter_is_refused(
        self, client, project, staff, approver
    ):
        update = submit(project, staff)
        QuarterLock.objects.create(fiscal_year=2563, quarter=3)
        client.force_login(approver)
        response = client.post(
            reverse("projects:approve", args=[update.pk]), {"version": 1}, follow=True
        )
        assert status_of(update) == "submitted"
        assert "ถูกปิดโดย" in (response.content.decode())

    def test_approve_a_selection(self, client, project, staff, approver):
        updates = [submit(project, staff, day=date(2020, 6, day)) for day in (1, 2, 3)]
        client.force_login(approver)
        client.post(
            reverse("projects:approve-selected"),
            {"selected": [f"{u.pk}:{u.version}" for u in updates[:2]]},
        )
        assert [status_of(u) for u in updates] == ["approved", "approved", "submitted"]


@pytest.mark.parametrize("rows", [3, 12])
def test_queue_query_count_does_not_grow_with_rows(
    client, django_assert_num_queries, approver, project, rows
):
    department = project.department
    author = UserFactory(role="staff")
    department.members.add(author)
    for number in range(rows):
        other = ProjectFactory(department=department)
        PlanStepFactory(project=other)
        ProgressUpdateFactory(project=other, report_date=date(2020, 5, 15))
        submit(other, author, percent=40 + number)
        indicator = IndicatorFactory(department=department)
        indicator_services.save_result(
            indicator=indicator, quarter=2, user=author, values={"value": number}
        )
    client.force_login(approver)
    # session, user, profile, the approver's departments, the reports, and the
    # prefetched plans, plan revisions (and their steps) and other reports; the
    # KPI results with their KPIs; the evidence of the reports and of the results.
    # +1: the notification bell's unread count (signed-in pages).
    with django_assert_num_queries(13):
        response = client.get(QUEUE)
    html = response.content.decode()
    assert html.count("data-update=") == rows
    assert html.count("data-result=") == rows
    assert approval.State.SUBMITTED == "submitted"


class TestKpiResults:
    @pytest.fixture
    def indicator(self, project):
        return IndicatorFactory(department=project.department, target=Decimal(80))

    def save(self, indicator, user, submit=True, value=50):
        return indicator_services.save_result(
            indicator=indicator,
            quarter=2,
            user=user,
            values={"value": Decimal(value)},
            submit=submit,
        )

    def test_draft_submit_approve_and_achievement(
        self, client, indicator, staff, approver
    ):
        draft = self.save(indicator, staff, submit=False)
        assert draft.status == "draft"
        result = indicator_services.save_result(
            indicator=indicator,
            quarter=2,
            user=staff,
            values={"value": Decimal(60)},
            result=draft,
            version=1,
        )
        assert result.status == "submitted"
        assert Indicator.objects.with_achievement().get().achieved is None
        client.force_login(approver)
        html = client.get(QUEUE).content.decode()
        assert f'data-result="{result.pk}"' in html
        client.post(
            reverse("projects:approve-result", args=[result.pk]), {"version": 2}
        )
        assert IndicatorResult.objects.get().status == "approved"
        assert Indicator.objects.with_achievement().get().achieved == Decimal(60)

    def test_return_needs_a_comment_and_not_ones_own(self, client, indicator, approver):
        indicator.department.members.add(approver)
        mine = self.save(indicator, approver)
        with pytest.raises(services.TransitionError):
            indicator_services.approve_result(result=mine, user=approver, version=1)
        colleague = UserFactory(role="staff")
        indicator.department.approvers.add(colleague)
        with pytest.raises(services.TransitionError):
            indicator_services.return_result(
                result=mine, user=colleague, version=1, comment=""
            )
        indicator_services.return_result(
            result=mine, user=colleague, version=1, comment="ตรวจสอบค่า"
        )
        returned = IndicatorResult.objects.get()
        assert (returned.status, returned.review_comment) == ("returned", "ตรวจสอบค่า")

    def test_a_locked_quarter_freezes_a_result(self, indicator, staff, approver):
        result = self.save(indicator, staff)
        QuarterLock.objects.create(fiscal_year=2563, quarter=2)
        with pytest.raises(services.LockedError):
            indicator_services.approve_result(result=result, user=approver, version=1)

    def test_public_kpi_page_shows_approved_results_only(
        self, client, indicator, staff
    ):
        self.save(indicator, staff, value=55)
        html = client.get(indicator.get_absolute_url()).content.decode()
        assert 'data-testid="pending-results"' not in html
        client.force_login(staff)
        html = client.get(indicator.get_absolute_url()).content.decode()
        assert 'data-pending="submitted"' in html

    def test_the_result_form_saves_a_draft(self, client, indicator, staff):
        client.force_login(staff)
        url = reverse("indicators:result-edit", args=[indicator.code, 2])
        response = client.post(url, {"value": "40", "report": "", "draft": "1"})
        assert response.status_code == 302
        assert IndicatorResult.objects.get().status == "draft"

    def test_approve_a_selection_of_reports_and_results(
        self, client, project, indicator, staff, approver
    ):
        update = submit(project, staff)
        result = self.save(indicator, staff)
        client.force_login(approver)
        client.post(
            reverse("projects:approve-selected"),
            {"selected": [f"{update.pk}:1", f"r{result.pk}:1"]},
        )
        assert status_of(update) == "approved"
        assert IndicatorResult.objects.get().status == "approved"


@pytest.mark.parametrize(
    ("who", "code"), [("staff", 403), ("other_approver", 403), ("approver", 302)]
)
def test_kpi_result_posts_follow_the_same_access(
    client, project, staff, approver, who, code
):
    indicator = IndicatorFactory(department=project.department)
    author = UserFactory(role="staff")
    project.department.members.add(author)
    result = indicator_services.save_result(
        indicator=indicator, quarter=2, user=author, values={"value": Decimal(5)}
    )
    other_approver = UserFactory(role="staff")
    ProjectFactory().department.approvers.add(other_approver)
    users = {"staff": staff, "approver": approver, "other_approver": other_approver}
    client.force_login(users[who])
    for name in ("return-result", "approve-result"):
        response = client.post(
            reverse(f"projects:{name}", args=[result.pk]),
            {"version": 1},  # returning without a comment changes nothing
        )
        assert response.status_code == code
    expected = "approved" if code == 302 else "submitted"
    assert IndicatorResult.objects.get().status == expected
