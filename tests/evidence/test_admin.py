"""The evidence admin: read-only pages and actions through the services."""

import pytest
from django.urls import reverse

from evidence.models import Attachment
from tests.evidence.helpers import attach, report
from tests.factories import IndicatorResultFactory

pytestmark = pytest.mark.django_db


def test_changelist_change_page_and_remove_action(admin_client):
    on_report = attach(report())
    on_result = attach(IndicatorResultFactory())
    changelist = reverse("admin:evidence_attachment_changelist")
    html = admin_client.get(changelist).content.decode()
    assert on_report.original_name in html
    change = reverse("admin:evidence_attachment_change", args=[on_result.pk])
    assert admin_client.get(change).status_code == 200
    assert admin_client.get(reverse("admin:evidence_attachment_add")).status_code == 403
    admin_client.post(
        changelist,
        {"action": "remove_files", "_selected_action": [on_report.pk]},
    )
    assert Attachment.objects.get(pk=on_report.pk).removed_at is not None
    # Admins still open a removed file.
    assert admin_client.get(on_report.get_absolute_url()).status_code == 200
