"""Attaching through the progress report and KPI result forms: several files
with captions, refusals that keep the text and save nothing, edits, history."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from evidence.models import Attachment
from indicators.models import IndicatorResult
from projects import approval
from projects.models import ProgressUpdate, QuarterLock
from tests.evidence import samples
from tests.evidence.helpers import attach, photo, report, upload
from tests.factories import (
    IndicatorFactory,
    PlanStepFactory,
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
    PlanStepFactory(project=project)
    return project


@pytest.fixture
def staff(client, project):
    user = UserFactory(username="staff", role="staff")
    project.department.members.add(user)
    client.force_login(user)
    return user


def evidence_data(*files, kept=None, **extra) -> dict:
    data = {
        "evidence-TOTAL_FORMS": str(max(len(files), 1)),
        "evidence-INITIAL_FORMS": "0",
        "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "20",
    }
    for number, (upload_file, caption, public) in enumerate(files):
        data[f"evidence-{number}-file"] = upload_file
        data[f"evidence-{number}-caption"] = caption
        if public:
            data[f"evidence-{number}-public"] = "on"
    return {**data, **(kept or {}), **extra}


def post_update(client, project, *files, url=None, **values):
    data = {
        "report_date": "15/6/2563",
        "percent": "70",
        "done": "ถมดินแล้วเสร็จ ร้อยละ 70",
        "problems": "",
        "obstacles": "",
        **evidence_data(*files),
        **values,
    }
    return client.post(
        url or reverse("projects:update-create", args=[project.code]), data
    )


def test_report_with_three_files_and_captions(client, project, staff, evidence_storage):
    response = post_update(
        client,
        project,
        (photo("หน้างาน.jpg"), "ถมดินช่วงที่ 1", True),
        (upload(samples.pdf(), "บันทึก.pdf"), "", False),
        (upload(samples.docx(), "สรุป.docx"), "สรุปผล", False),
    )
    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    files = list(update.attachments.order_by("pk"))
    assert [(a.original_name, a.caption, a.visibility, a.kind) for a in files] == [
        ("หน้างาน.jpg", "ถมดินช่วงที่ 1", "public", "image"),
        ("บันทึก.pdf", "", "internal", "document"),
        ("สรุป.docx", "สรุปผล", "internal", "document"),
    ]
    assert files[0].uploaded_by == staff
    assert files[0].thumbnail
    assert all((evidence_storage / a.file.name).exists() for a in files)
    assert b"TestCam" not in (evidence_storage / files[0].file.name).read_bytes()


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (samples.zip_bomb(), "photo.jpg", "zip bomb"),
        (samples.pdf(javascript="app.alert(1)"), "report.pdf", "scripts"),
        (b"plain text", "report.pdf", "not a supported"),
        (samples.huge_png_header(), "big.png", "pixels"),
    ],
)
def test_refused_file_saves_nothing_and_keeps_the_text(
    client, project, staff, evidence_storage, data, name, words
):
    response = post_update(
        client, project, (photo(), "ok", False), (upload(data, name), "bad", False)
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert words in html
    assert "ถมดินแล้วเสร็จ ร้อยละ 70" in html  # what was typed is still there
    assert 'value="bad"' in html
    assert not ProgressUpdate.objects.exists()
    assert not Attachment.objects.exists()
    assert not evidence_storage.exists() or not any(evidence_storage.rglob("*.*"))


def test_a_bad_report_keeps_nothing_either(client, project, staff):
    response = post_update(client, project, (photo(), "", False), percent="140")
    assert response.status_code == 200
    assert not Attachment.objects.exists()


def test_too_many_files_for_one_report(client, project, staff, settings):
    settings.EVIDENCE_MAX_FILES_PER_REPORT = 2
    response = post_update(
        client,
        project,
        (photo("1.jpg"), "", False),
        (photo("2.jpg"), "", False),
        (photo("3.jpg"), "", False),
    )
    assert response.status_code == 200
    assert "at most 2 files" in response.content.decode()
    assert not ProgressUpdate.objects.exists()


def test_too_large_file_is_refused_by_its_declared_size(
    client, project, staff, settings
):
    settings.EVIDENCE_MAX_FILE_BYTES = 200
    response = post_update(client, project, (photo(), "", False))
    assert "a file may be at most" in response.content.decode()
    assert not ProgressUpdate.objects.exists()


def test_form_shows_the_limits(client, project, staff, settings):
    settings.EVIDENCE_MAX_FILES_PER_REPORT = 7
    response = client.get(reverse("projects:update-create", args=[project.code]))
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert "10.0 MB" in html and " 7 " in html


def test_post_without_evidence_fields_changes_no_evidence(client, project, staff):
    update = report(status=approval.State.DRAFT, project=project)
    kept = attach(update, public=True)
    response = client.post(
        reverse("projects:update-edit", args=[project.code, update.pk]),
        {"report_date": "1/1/2563", "percent": "30", "version": "1"},
    )
    assert response.status_code == 302
    kept.refresh_from_db()
    assert kept.is_public and kept.removed_at is None


def test_edit_removes_one_file_and_publishes_another(client, project, staff):
    update = report(status=approval.State.DRAFT, project=project)
    first, second = attach(update), attach(update)
    kept = {
        f"evidence-kept-public_{second.pk}": "on",
        f"evidence-kept-remove_{first.pk}": "on",
    }
    response = client.post(
        reverse("projects:update-edit", args=[project.code, update.pk]),
        {
            "report_date": "1/1/2563",
            "percent": "30",
            "version": "1",
            **evidence_data(kept=kept),
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.removed_at is not None and first.removed_by == staff
    assert second.is_public
    history = [
        (row.history_type, row.visibility, row.removed_at is not None)
        for row in Attachment.history.order_by("history_date", "history_id")
    ]
    assert ("~", "internal", True) in history  # removed
    assert ("~", "public", False) in history  # made public
    page = client.get(reverse("projects:history", args=[project.code]))
    assert first.original_name in page.content.decode()


def test_locked_quarter_keeps_its_evidence(client, project, staff):
    update = report(project=project)
    attachment = attach(update)
    QuarterLock.objects.create(fiscal_year=2563, quarter=2, department=None)
    from evidence import services
    from projects.services import LockedError

    with pytest.raises(LockedError):
        services.remove(attachment=attachment, user=staff)
    with pytest.raises(LockedError):
        attach(update)


def test_kpi_result_with_a_photo(client, project, staff):
    indicator = IndicatorFactory(department=project.department)
    response = client.post(
        reverse("indicators:result-edit", args=[indicator.code, 3]),
        {
            "value": "40",
            "report": "ผลไตรมาส 3",
            **evidence_data((photo(), "ภาพ", True)),
        },
    )
    assert response.status_code == 302
    result = IndicatorResult.objects.get()
    (attachment,) = result.attachments.all()
    assert attachment.caption == "ภาพ"
    page = client.get(reverse("projects:approvals"))
    assert page.status_code in (200, 403)


def test_kpi_result_refusal_keeps_the_report(client, project, staff):
    indicator = IndicatorFactory(department=project.department)
    response = client.post(
        reverse("indicators:result-edit", args=[indicator.code, 3]),
        {
            "value": "40",
            "report": "ผลไตรมาส 3 ตามที่รายงาน",
            **evidence_data((upload(samples.zip_bomb(), "x.jpg"), "", False)),
        },
    )
    assert response.status_code == 200
    assert "ผลไตรมาส 3 ตามที่รายงาน" in response.content.decode()
    assert not IndicatorResult.objects.exists()
