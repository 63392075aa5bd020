"""Reports with evidence for the tests, written through the services."""

from __future__ import annotations

import io
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from evidence import services
from evidence.models import Attachment
from projects import approval
from tests.evidence import samples
from tests.factories import PlanStepFactory, ProgressUpdateFactory, ProjectFactory


def upload(data: bytes, name: str, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def photo(name: str = "site.jpg") -> SimpleUploadedFile:
    return upload(samples.jpeg_with_gps(), name, "image/jpeg")


def report(status: str = approval.State.APPROVED, project=None):
    project = project or ProjectFactory()
    if not project.steps.exists():
        PlanStepFactory(project=project)
    return ProgressUpdateFactory(
        project=project,
        report_date=date(2020, 1, 1 + project.updates.count()),
        status=status,
    )


def attach(target, user=None, *, data=None, name="site.jpg", public=False, caption=""):
    prepared = services.prepare(
        upload(data if data is not None else samples.jpeg_with_gps(), name),
        caption=caption,
        visibility=Attachment.Visibility.PUBLIC
        if public
        else Attachment.Visibility.INTERNAL,
    )
    (attachment,) = services.attach(target=target, user=user, files=[prepared])
    return attachment


def read(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def image_of(response):
    from PIL import Image

    return Image.open(io.BytesIO(read(response)))
