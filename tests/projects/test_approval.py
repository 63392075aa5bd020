"""Approval before publication: every transition, who may make it, and what the
public sees (projects/approval.py, the services and the approver's queue)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from projects import approval, services
from projects.models import ProgressUpdate, Project, QuarterLock
from tests.factories import (
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2020, 6, 20)
DRAFT, SUBMITTED = approval.State.DRAFT, approval.State.SUBMITTED
APPROVED, RETURNED = approval.State.APPROVED, approval.State.RETURNED


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


@pytest.fixture
def evaluator():
    return UserFactory(username="evaluator", role="evaluator")


def submitted(project, author, **values) -> ProgressUpdate:
    return services.save_update(
        project=project,
        user=author,
        values={"report_date": date(2020, 6, 15), "percent": Decimal(70), **values},
    )


def reload(update: ProgressUpdate) -> ProgressUpdate:
    return ProgressUpdate.objects.get(pk=update.pk)


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


def actual_on_page(client, project) -> str:
    html = client.get(project.get_absolute_url()).content.decode()
    return html.split('data-testid="actual-percent">')[1].split("<")[0]


class TestRules:
    """The pure state machine, without a database."""

    @pytest.mark.parametrize(
        ("action", "state", "allowed"),
        [
            (approval.Action.SAVE, None, True),
            (approval.Action.SAVE, DRAFT, True),
            (approval.Action.SAVE, RETURNED, True),
            (approval.Action.SAVE, APPROVED, False),
            (approval.Action.SUBMIT, DRAFT, True),
            (approval.Action.SUBMIT, RETURNED, True),
            (approval.Action.SUBMIT, APPROVED, True),
            (approval.Action.APPROVE, SUBMITTED, True),
            (approval.Action.APPROVE, DRAFT, False),
            (approval.Action.APPROVE, RETURNED, False),
            (approval.Action.APPROVE, APPROVED, False),
            (approval.Action.APPROVE, None, False),
            (approval.Action.RETURN, SUBMITTED, True),
            (approval.Action.RETURN, APPROVED, False),
            (approval.Action.RETURN, DRAFT, False),
        ],
    )
    def test_transitions(self, action, state, allowed):
        refusal = approval.check(
            action,
            state,
            is_author=False,
            may_write=True,
            may_review=True,
            comment="แก้ไข",
        )
        assert (refusal is None) is allowed

    def test_nobody_reviews_their_own_report(self):
        refusal = approval.check(
            approval.Action.APPROVE,
            SUBMITTED,
            is_author=True,
            may_write=True,
            may_review=True,
        )
        assert refusal.code == "own_report"

    def test_returning_needs_a_comment(self):
        refusal = approval.check(
            approval.Action.RETURN,
            SUBMITTED,
            is_author=False,
            may_write=False,
            may_review=True,
            comment="  ",
        )
        assert refusal.code == "comment_required"

    def test_without_approval_everything_saved_is_approved(self):
        assert approval.target(approval.Action.SAVE, required=False) == APPROVED
        assert approval.target(approval.Action.SUBMIT, required=False) == APPROVED
        assert approval.target(approval.Action.SUBMIT, required=True) == SUBMITTED


class TestServices:
    def test_save_a_draft_then_submit(self, project, staff):
        update = services.save_update(
            project=project,
            user=staff,
            values={"report_date": date(2020, 6, 15), "percent": Decimal(70)},
            submit=False,
        )
        assert update.status == DRAFT
        assert update.submitted_at is None
        update = services.submit_update(update=update, user=staff, version=1)
        assert update.status == SUBMITTED
        assert update.submitted_at is not None
        assert update.version == 2

    def test_approver_approves_with_history(self, project, staff, approver):
        update = submitted(project, staff)
        services.approve_update(update=update, user=approver, version=1)
        update = reload(update)
        assert update.status == APPROVED
        assert update.reviewed_by == approver
        assert update.reviewed_at is not None
        entries = list(update.history.order_by("history_date", "history_id"))
        assert [(e.status, e.history_user_id) for e in entries] == [
            (SUBMITTED, staff.pk),
            (APPROVED, approver.pk),
        ]
        assert entries[-1].history_change_reason == "Approved"

    def test_return_needs_a_comment_and_keeps_it(self, project, staff, approver):
        update = submitted(project, staff)
        with pytest.raises(services.TransitionError) as error:
            services.return_update(update=update, user=approver, version=1, comment="")
        assert error.value.refusal.code == "comment_required"
        services.return_update(
            update=update, user=approver, version=1, comment="แนบหลักฐานด้วย"
        )
        update = reload(update)
        assert (update.status, update.review_comment) == (RETURNED, "แนบหลักฐานด้วย")
        assert update.history.first().history_change_reason == (
            "Returned: แนบหลักฐานด้วย"
        )

    def test_returned_report_is_corrected_and_resubmitted(
        self, project, staff, approver
    ):
        update = submitted(project, staff)
        first_sent = update.submitted_at
        services.return_update(update=update, user=approver, version=1, comment="x")
        update = services.save_update(
            project=project,
            user=staff,
            values={"percent": Decimal(65)},
            update=update,
            version=2,
        )
        assert update.status == SUBMITTED
        # Compliance judges the month by the first submission.
        assert update.submitted_at == first_sent

    def test_nobody_approves_their_own_report(self, project, approver):
        project.department.members.add(approver)
        update = submitted(project, approver)
        with pytest.raises(services.TransitionError) as error:
            services.approve_update(update=update, user=approver, version=1)
        assert error.value.refusal.code == "own_report"
        assert reload(update).status == SUBMITTED

    def test_a_second_approver_or_an_evaluator_may(self, project, approver, evaluator):
        project.department.members.add(approver)
        update = submitted(project, approver)
        services.approve_update(update=update, user=evaluator, version=1)
        assert reload(update).status == APPROVED

    def test_staff_may_not_approve(self, project, staff):
        colleague = UserFactory(role="staff")
        project.department.members.add(colleague)
        update = submitted(project, colleague)
        with pytest.raises(services.TransitionError) as error:
            services.approve_update(update=update, user=staff, version=1)
        assert error.value.refusal.code == "not_approver"

    def test_approver_of_another_department_may_not(self, project, staff):
        other = ProjectFactory()
        outsider = UserFactory(role="staff")
        other.department.approvers.add(outsider)
        update = submitted(project, staff)
        with pytest.raises(services.TransitionError):
            services.approve_update(update=update, user=outsider, version=1)

    def test_approving_twice_is_refused(self, project, staff, approver, evaluator):
        update = submitted(project, staff)
        services.approve_update(update=update, user=approver, version=1)
        with pytest.raises(services.ConflictError):
            services.approve_update(update=update, user=evaluator, version=1)
        with pytest.raises(services.TransitionError) as error:
            services.approve_update(update=update, user=evaluator, version=2)
        assert error.value.refusal.code == "wrong_state"

    def test_a_draft_cannot_be_approved(self, project, staff, approver):
        update = services.save_update(
            project=project,
            user=staff,
            values={"report_date": date(2020, 6, 15), "percent": Decimal(70)},
            submit=False,
        )
        with pytest.raises(services.TransitionError):
            services.approve_update(update=update, user=approver, version=1)
        with pytest.raises(services.TransitionError):
            services.return_update(update=update, user=approver, version=1, comment="x")

    def test_a_locked_quarter_freezes_approval(self, project, staff, approver):
        update = submitted(project, staff)
        QuarterLock.objects.create(fiscal_year=2563, quarter=3)
        with pytest.raises(services.LockedError):
            services.approve_update(update=update, user=approver, version=1)
        with pytest.raises(services.LockedError):
            services.return_update(update=update, user=approver, version=1, comment="x")
        assert reload(update).status == SUBMITTED

    def test_a_closed_year_freezes_approval(
        self, project, staff, approver, settings, monkeypatch
    ):
        update = submitted(project, staff)
        settings.FISCAL_YEAR_CLOSE_DAYS = 30
        later = date(2020, 11, 1)  # FY 2563 closed on 30 Oct 2020
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)
        with pytest.raises(services.LockedError):
            services.approve_update(update=update, user=approver, version=1)
        assert reload(update).status == SUBMITTED

    def test_a_correction_of_an_approved_report_waits_again(
        self, project, staff, approver
    ):
        update = submitted(project, staff)
        services.approve_update(update=update, user=approver, version=1)
        with pytest.raises(services.TransitionError):
            services.save_update(
                project=project,
                user=staff,
                values={"percent": Decimal(71)},
                update=update,
                version=2,
                submit=False,
            )
        update = services.save_update(
            project=project,
            user=staff,
            values={"percent": Decimal(71)},
            update=update,
            version=2,
        )
        assert update.status == SUBMITTED

    def test_approval_off_publishes_at_once(self, project, staff, settings):
        settings.APPROVAL_REQUIRED = False
        update = submitted(project, staff)
        assert update.status == APPROVED
        assert update.submitted_at is not None

    def test_approve_many_approves_each_it_may(
        self, project, staff, approver, evaluator
    ):
        mine = submitted(project, approver, report_date=date(2020, 5, 15))
        project.department.members.add(approver)
        theirs = submitted(project, staff)
        other = submitted(ProjectFactory(), UserFactory())
        batch = services.approve_many(
            items=[(mine.pk, 1), (theirs.pk, 1), (other.pk, 1), (theirs.pk, 1)],
            user=approver,
        )
        assert [u.pk for u in batch.approved] == [theirs.pk]
        assert [pk for pk, _reason in batch.refused] == [mine.pk, other.pk, theirs.pk]
        assert reload(mine).status == SUBMITTED
        assert reload(other).status == SUBMITTED


class TestPublished:
    def test_public_figures_ignore_unapproved_reports(
        self, client, project, staff, approver
    ):
        ProgressUpdateFactory(
            project=project, report_date=date(2020, 5, 15), percent=40
        )
        submitted(project, staff)
        annotated = Project.objects.with_progress(TODAY).get()
        assert annotated.actual_percent == Decimal(40)
        assert actual_on_page(client, project) == "40.00"
        html = client.get(project.get_absolute_url()).content.decode()
        assert "70.00%" not in html
        assert 'data-pending="submitted"' not in html

    def test_staff_and_approvers_see_pending_reports_marked(
        self, client, project, staff, approver
    ):
        ProgressUpdateFactory(
            project=project, report_date=date(2020, 5, 15), percent=40
        )
        submitted(project, staff)
        for user in (staff, approver):
            client.force_login(user)
            html = client.get(project.get_absolute_url()).content.decode()
            assert 'data-pending="submitted"' in html
            assert 'data-testid="pending-note"' in html
            # The derived figures stay approved-only for them too.
            assert actual_on_page(client, project) == "40.00"

    def test_approving_publishes(self, client, project, staff, approver):
        update = submitted(project, staff)
        services.approve_update(update=update, user=approver, version=1)
        assert actual_on_page(client, project) == "70.00"

    def test_a_submitted_report_counts_for_compliance(self, project, staff):
        submitted(project, staff)
        annotated = Project.objects.with_progress(TODAY).get()
        assert annotated.reported_months & (1 << 8)  # June
        assert annotated.actual_percent is None

    def test_a_draft_is_not_a_report(self, project, staff):
        services.save_update(
            project=project,
            user=staff,
            values={"report_date": date(2020, 6, 15), "percent": Decimal(70)},
            submit=False,
        )
        annotated = Project.objects.with_progress(TODAY).get()
        assert annotated.reported_months == 0


class TestUpdateForm:
    def test_staff_saves_a_draft(self, client, project, staff):
        client.force_login(staff)
        response = post_update(client, project, draft="1")
        assert response.status_code == 302
        assert ProgressUpdate.objects.get().status == DRAFT

    def test_staff_submits(self, client, project, staff):
        client.force_login(staff)
        response = post_update(client, project, submit="1")
        assert response.status_code == 302
        update = ProgressUpdate.objects.get()
        assert update.status == SUBMITTED
        assert update.author == staff

    def test_confirmed_warnings_reach_the_approver(self, client, project, staff):
        ProgressUpdateFactory(
            project=project, report_date=date(2020, 5, 15), percent=80
        )
        client.force_login(staff)
        response = post_update(client, project, percent="20", confirm="on")
        assert response.status_code == 302
        update = ProgressUpdate.objects.get(report_date=date(2020, 6, 15))
        assert update.confirmed_warnings

    def test_the_form_shows_the_return_comment(self, client, project, staff, approver):
        update = submitted(project, staff)
        services.return_update(
            update=update, user=approver, version=1, comment="ตัวเลขไม่ตรง"
        )
        client.force_login(staff)
        html = client.get(
            reverse("projects:update-edit", args=[project.code, update.pk])
        ).content.decode()
        assert "ตัวเลขไม่ตรง" in html


def test_a_long_return_comment_is_kept_whole_on_the_report(project, staff, approver):
    update = submitted(project, staff)
    comment = "แก้ไข " * 100
    services.return_update(update=update, user=approver, version=1, comment=comment)
    update = reload(update)
    assert update.review_comment == comment.strip()
    entry = update.history.first()
    assert entry.review_comment == comment.strip()
    assert len(entry.history_change_reason) == 100


def test_with_approval_off_the_form_saves_and_publishes_at_once(
    client, project, staff, settings
):
    settings.APPROVAL_REQUIRED = False
    client.force_login(staff)
    form = client.get(reverse("projects:update-create", args=[project.code]))
    assert 'name="draft"' not in form.content.decode()
    assert post_update(client, project).status_code == 302
    assert ProgressUpdate.objects.get().status == APPROVED
    assert actual_on_page(client, project) == "70.00"
