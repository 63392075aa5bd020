"""Evidence on the project page, its print view and the approver's queue."""

import pytest
from django.urls import reverse

from projects import approval
from tests.evidence import samples
from tests.evidence.helpers import attach, report
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    return ProjectFactory()


def test_anonymous_sees_public_files_of_approved_reports_only(client, project):
    approved = report(project=project)
    public = attach(approved, public=True, caption="ภาพสาธารณะ")
    internal = attach(approved, caption="ภาพภายใน")
    html = client.get(project.get_absolute_url()).content.decode()
    assert public.thumbnail_url() in html
    assert "ภาพสาธารณะ" in html
    assert internal.get_absolute_url() not in html


def test_department_sees_every_file_with_the_internal_mark(client, project):
    approved = report(project=project)
    attach(approved, public=True)
    document = attach(approved, data=samples.pdf(), name="บันทึก.pdf")
    member = UserFactory(role="staff")
    project.department.members.add(member)
    client.force_login(member)
    html = client.get(project.get_absolute_url()).content.decode()
    assert html.count("evidence-thumb ") == 1
    assert document.get_absolute_url() in html
    assert "บันทึก.pdf" in html


def test_removed_file_is_not_shown(client, project):
    from evidence import services

    approved = report(project=project)
    gone = attach(approved, public=True)
    services.remove(attachment=gone, user=None)
    html = client.get(project.get_absolute_url()).content.decode()
    assert gone.get_absolute_url() not in html


def test_print_view_shows_thumbnails(client, project):
    photo = attach(report(project=project), public=True)
    html = client.get(reverse("projects:print", args=[project.code])).content.decode()
    assert photo.thumbnail_url() in html


def test_approvers_queue_shows_the_files(client, project):
    waiting = report(status=approval.State.SUBMITTED, project=project)
    waiting.author = UserFactory(role="staff")
    waiting.save()
    photo = attach(waiting)
    approver = UserFactory(role="staff")
    project.department.approvers.add(approver)
    client.force_login(approver)
    html = client.get(reverse("projects:approvals")).content.decode()
    assert photo.thumbnail_url() in html


@pytest.mark.parametrize("rows", [1, 4])
def test_project_page_query_count_with_evidence(
    client, django_assert_num_queries, project, rows
):
    for _ in range(rows):
        update = report(project=project)
        for _ in range(rows):
            attach(update, public=True)
            attach(update, data=samples.pdf(), name="a.pdf", public=True)
    # The project page's own queries (tests/projects/test_views.py) with the
    # reports' evidence in one prefetch, whatever the number of files; + the
    # budget lines and disbursement plans (issue 18).
    with django_assert_num_queries(13):
        response = client.get(project.get_absolute_url())
    assert response.content.decode().count("evidence-thumb ") == rows * rows


def test_indicator_page_shows_public_evidence_of_approved_results(client):
    from tests.factories import IndicatorResultFactory

    result = IndicatorResultFactory(quarter=1)
    public = attach(result, public=True, caption="ผลงานไตรมาส 1")
    internal = attach(result, data=samples.pdf(), name="ภายใน.pdf")
    html = client.get(result.indicator.get_absolute_url()).content.decode()
    assert public.thumbnail_url() in html
    assert internal.get_absolute_url() not in html
