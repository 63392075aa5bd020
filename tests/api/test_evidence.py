"""Evidence files in the API: listed with the reports and results they prove, and
served under the same rule as the pages (``Attachment.shown_to``): the department
and evaluators see every kept file, everyone else public files of approved reports."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from evidence import services
from evidence.models import Attachment
from projects import approval
from tests.evidence.helpers import attach, read
from tests.evidence.samples import pdf
from tests.factories import IndicatorResultFactory, ProgressUpdateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def files(published, draft, result, staff):
    """On the approved report: a public photo, an internal photo and a removed
    public PDF; on the draft: a public photo; on the KPI result: an internal PDF."""
    result.status = approval.State.APPROVED
    result.save()
    public = attach(published, staff, public=True, caption="หน้างาน")
    internal = attach(published, staff, name="inside.jpg")
    removed = attach(published, staff, data=pdf(), name="old.pdf", public=True)
    services.remove(attachment=removed, user=staff)
    on_draft = attach(draft, staff, name="draft.jpg", public=True)
    on_result = attach(result, staff, data=pdf(), name="result.pdf")
    return {
        "public": public,
        "internal": internal,
        "removed": removed,
        "on_draft": on_draft,
        "on_result": on_result,
    }


def ids(rows) -> set[int]:
    return {row["id"] for row in rows}


def evidence_of(api, url) -> dict[int, set[int]]:
    rows = api.get(url).json()["results"]
    return {row["id"]: ids(row["evidence"]) for row in rows}


def test_anonymous_readers_see_public_files_of_approved_reports_only(
    api, files, published, draft
):
    updates = evidence_of(api, "/api/v1/progress-updates/")
    assert updates == {published.pk: {files["public"].pk}}
    assert ids(api.get("/api/v1/evidence/").json()["results"]) == {files["public"].pk}
    for hidden in ("internal", "removed", "on_draft", "on_result"):
        pk = files[hidden].pk
        assert api.get(f"/api/v1/evidence/{pk}/").status_code == 404
        assert api.get(f"/api/v1/evidence/{pk}/file/").status_code == 404


def test_the_departments_token_sees_every_kept_file_of_its_reports(
    token_api, files, published, draft, result
):
    updates = evidence_of(token_api, "/api/v1/progress-updates/")
    assert updates == {
        published.pk: {files["public"].pk, files["internal"].pk},
        draft.pk: {files["on_draft"].pk},
    }
    results = evidence_of(token_api, "/api/v1/indicator-results/")
    assert results == {result.pk: {files["on_result"].pk}}
    listed = ids(token_api.get("/api/v1/evidence/").json()["results"])
    assert files["removed"].pk not in listed
    assert listed == {
        files[name].pk for name in ("public", "internal", "on_draft", "on_result")
    }


def test_another_departments_reader_sees_what_the_public_sees(
    api, outsider, files, published
):
    api.force_authenticate(outsider)
    assert evidence_of(api, "/api/v1/progress-updates/") == {
        published.pk: {files["public"].pk}
    }
    assert api.get(f"/api/v1/evidence/{files['internal'].pk}/").status_code == 404


def test_evaluators_see_every_departments_kept_files(api, evaluator, files):
    api.force_authenticate(evaluator)
    listed = ids(api.get("/api/v1/evidence/").json()["results"])
    assert listed == {
        files[name].pk for name in ("public", "internal", "on_draft", "on_result")
    }


def test_a_file_is_served_as_the_portals_evidence_link_serves_it(token_api, api, files):
    public = files["public"]
    row = api.get(f"/api/v1/evidence/{public.pk}/").json()
    assert row["url"] == f"/api/v1/evidence/{public.pk}/file/"
    assert row["thumbnail_url"] == f"/api/v1/evidence/{public.pk}/thumbnail/"
    assert row["public"] is True and row["kind"] == "image"
    assert row["caption"] == "หน้างาน" and row["progress_update"] == public.update_id
    answer = api.get(row["url"])
    page = Client().get(public.get_absolute_url())
    assert answer.status_code == 200
    assert read(answer) == read(page)
    for header in ("Content-Type", "X-Content-Type-Options", "Content-Security-Policy"):
        assert answer[header] == page[header]
    assert api.get(row["thumbnail_url"])["Content-Type"] == "image/jpeg"
    internal = token_api.get(f"/api/v1/evidence/{files['internal'].pk}/file/")
    assert internal.status_code == 200
    assert "private" in internal["Cache-Control"]
    document = token_api.get(f"/api/v1/evidence/{files['on_result'].pk}/").json()
    assert document["thumbnail_url"] is None
    thumbnail = token_api.get(f"/api/v1/evidence/{files['on_result'].pk}/thumbnail/")
    assert thumbnail.status_code == 404


def test_a_written_report_answers_with_its_files(token_api, files, draft):
    response = token_api.patch(
        f"/api/v1/progress-updates/{draft.pk}/",
        {"version": draft.version, "percent": "55"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert ids(response.json()["evidence"]) == {files["on_draft"].pk}
    created = token_api.post(
        "/api/v1/progress-updates/",
        {
            "project": draft.project.code,
            "report_date": "2020-06-10",
            "percent": "60",
            "submit": False,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["evidence"] == []


def test_files_filter_by_report_and_kind(token_api, files, published):
    rows = token_api.get(
        "/api/v1/evidence/", {"progress_update": published.pk, "kind": "image"}
    ).json()["results"]
    assert ids(rows) == {files["public"].pk, files["internal"].pk}


@pytest.mark.parametrize("rows", [1, 8])
def test_query_counts_do_not_grow_with_reports_or_files(
    token_api, project, indicator, staff, rows, django_assert_num_queries
):
    for day in range(1, rows + 1):
        update = ProgressUpdateFactory(
            project=project, report_date=date(2020, 4, day), percent=Decimal(day)
        )
        attach(update, staff, public=True)
        attach(update, staff)
    for quarter in range(1, min(rows, 4) + 1):
        attach(IndicatorResultFactory(indicator=indicator, quarter=quarter), staff)
    # the token (and, once, its last use), the reports' count and page, their
    # files (the token's departments read inside the files' query)
    with django_assert_num_queries(5):
        response = token_api.get("/api/v1/progress-updates/")
    assert len(response.json()["results"]) == rows
    assert sum(len(row["evidence"]) for row in response.json()["results"]) == 2 * rows
    with django_assert_num_queries(4):
        token_api.get("/api/v1/indicator-results/")
    with django_assert_num_queries(3):
        token_api.get("/api/v1/evidence/")
    assert Attachment.objects.count() == 2 * rows + min(rows, 4)


@pytest.mark.parametrize("value", ["1e300", "-2", "1.5", "x", str(2**63)])
def test_a_bad_report_id_is_a_clear_400(api, value):
    response = api.get("/api/v1/evidence/", {"progress_update": value})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "progress_update"


def test_the_sql_rule_agrees_with_shown_to_file_by_file(files, department):
    """``AttachmentQuerySet.shown`` is the SQL mirror of ``Attachment.shown_to``."""
    rows = list(Attachment.objects.select_related("update", "result"))
    assert len(rows) == 5
    for internal in (None, [department.pk]):
        in_sql = set(Attachment.objects.shown(internal).values_list("pk", flat=True))
        in_python = {
            row.pk
            for row in rows
            if row.shown_to(
                sees_internal=internal is not None,
                target_published=services.target_published(row),
            )
        }
        assert in_sql == in_python
