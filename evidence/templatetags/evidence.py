"""Evidence on report pages: the files a reader sees, from prefetched rows."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def evidence_shown(report, sees_internal: bool) -> list:
    """The files of a report (prefetched ``attachments``) the reader sees:
    ``Attachment.shown_to`` decides, from the page's audience."""
    published = report.is_published
    return [
        attachment
        for attachment in report.attachments.all()
        if attachment.shown_to(
            sees_internal=bool(sees_internal), target_published=published
        )
    ]
