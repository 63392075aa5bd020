"""Who opens which file: per role, visibility and approval, with the headers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from evidence import services
from projects import approval
from tests.evidence import samples
from tests.evidence.helpers import attach, image_of, read, report
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    approved = report()
    department = approved.project.department
    member = UserFactory(username="member", role="staff")
    department.members.add(member)
    approver = UserFactory(username="head", role="staff")
    department.approvers.add(approver)
    return {
        "report": approved,
        "anonymous": None,
        "outsider": UserFactory(username="outsider", role="staff"),
        "member": member,
        "approver": approver,
        "evaluator": UserFactory(username="evaluator", role="evaluator"),
        "admin": UserFactory(username="root", role="admin"),
    }


def get(client, user, attachment, thumbnail=False):
    client.logout()
    if user is not None:
        client.force_login(user)
    url = attachment.thumbnail_url() if thumbnail else attachment.get_absolute_url()
    return client.get(url)


INTERNAL = {
    "anonymous": 404,
    "outsider": 404,
    "member": 200,
    "approver": 200,
    "evaluator": 200,
    "admin": 200,
}


@pytest.mark.parametrize("who", list(INTERNAL))
def test_internal_file_reaches_the_internal_audience_only(client, people, who):
    attachment = attach(people["report"])
    assert get(client, people[who], attachment).status_code == INTERNAL[who]
    assert get(client, people[who], attachment, True).status_code == INTERNAL[who]


@pytest.mark.parametrize("who", list(INTERNAL))
def test_public_file_of_an_approved_report_reaches_everyone(client, people, who):
    attachment = attach(people["report"], public=True)
    assert get(client, people[who], attachment).status_code == 200


@pytest.mark.parametrize(
    "status", [approval.State.DRAFT, approval.State.SUBMITTED, "returned"]
)
def test_public_file_stays_internal_until_the_report_is_approved(
    client, people, status
):
    pending = report(status=status, project=people["report"].project)
    attachment = attach(pending, public=True)
    assert get(client, None, attachment).status_code == 404
    assert get(client, people["outsider"], attachment).status_code == 404
    assert get(client, people["member"], attachment).status_code == 200


def test_public_read_off_hides_public_files_from_anonymous(client, people, settings):
    attachment = attach(people["report"], public=True)
    settings.PUBLIC_READ = False
    assert get(client, None, attachment).status_code == 404
    assert get(client, people["outsider"], attachment).status_code == 200


def test_photo_headers_inline_nosniff_and_no_exif(client, people):
    attachment = attach(people["report"], name="ภาพหน้างาน.jpg", public=True)
    response = get(client, None, attachment)
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline")
    assert "filename*=utf-8''%E0%B8%A0" in disposition
    assert "public" in response["Cache-Control"]
    assert not image_of(response).getexif()


def test_internal_file_is_cached_privately(client, people):
    attachment = attach(people["report"])
    response = get(client, people["member"], attachment)
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_office_document_downloads(client, people):
    attachment = attach(people["report"], data=samples.docx(), name="แบบ.docx")
    response = get(client, people["member"], attachment)
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"].endswith("wordprocessingml.document")
    assert read(response) == samples.docx()
    assert get(client, people["member"], attachment, True).status_code == 404


def test_storage_names_are_random_and_not_the_persons(people):
    first = attach(people["report"], name="report.jpg")
    second = attach(people["report"], name="report.jpg")
    assert "report" not in first.file.name
    assert first.file.name != second.file.name
    assert len(first.file.name.rsplit("/", 1)[-1]) >= 32


def test_removed_file_reaches_admins_until_the_retention_ends(
    client, people, settings, evidence_storage
):
    attachment = attach(people["report"], public=True)
    attachment = services.remove(attachment=attachment, user=people["member"])
    for who in ("anonymous", "member", "evaluator"):
        assert get(client, people[who], attachment).status_code == 404
    assert get(client, people["admin"], attachment).status_code == 200
    later = timezone.now() + timedelta(days=settings.EVIDENCE_RETENTION_DAYS + 1)
    name = attachment.file.name
    assert (evidence_storage / name).exists()
    assert services.purge(now=later) == 1
    assert not (evidence_storage / name).exists()
    assert get(client, people["admin"], attachment).status_code == 404


def test_unknown_file_is_404(client):
    assert client.get("/evidence/999999/").status_code == 404
