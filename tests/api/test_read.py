"""The read API: each endpoint, its filters, who sees what, and query counts."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import approval
from tests.factories import (
    CriterionScoreFactory,
    DepartmentFactory,
    EvaluationCriterionFactory,
    IndicatorEvaluationFactory,
    PlanStepFactory,
    ProgressUpdateFactory,
    ProjectEvaluationFactory,
    ProjectFactory,
    StrategyNodeFactory,
)

pytestmark = pytest.mark.django_db


def results(response) -> list:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_project_carries_derived_figures_from_the_querysets(api, project, published):
    row = results(api.get("/api/v1/projects/", {"fy": 2563}))[0]
    annotated = type(project).objects.with_progress(TODAY_FY).get(pk=project.pk)
    assert row["code"] == project.code
    assert row["department"] == project.department.code
    assert Decimal(str(row["actual_percent"])) == annotated.actual_percent == 40
    assert Decimal(str(row["planned_percent"])) == annotated.planned_percent
    assert row["status"] == annotated.status
    assert row["report_overdue"] is annotated.report_overdue is True
    assert row["overdue_months"] == [
        f"{y}-{m:02d}" for y, m in annotated.missing_months
    ]
    assert row["progress_on"] == "2020-06-20"
    assert row["last_report_date"] == "2020-03-15"


TODAY_FY = date(2020, 6, 20)


def test_project_carries_money_figures_and_money_filters(api, project, published):
    project.budget_amount = Decimal(1_000_000)
    project.save()
    published.disbursed = Decimal(100_000)
    published.save()
    row = results(api.get("/api/v1/projects/", {"fy": 2563}))[0]
    annotated = (
        type(project)
        .objects.with_progress(TODAY_FY)
        .with_money(TODAY_FY)
        .get(pk=project.pk)
    )
    assert Decimal(str(row["disbursed_amount"])) == 100_000
    assert Decimal(str(row["disbursed_percent"])) == annotated.disbursed_percent == 10
    assert row["money_status"] == annotated.money_status
    assert Decimal(str(row["planned_disbursed_percent"])) == (
        annotated.planned_disbursed_percent
    )
    # The list page's money filter and sort need the money figures too.
    for params in ({"money": annotated.money_status}, {"sort": "-disbursed"}):
        assert [r["code"] for r in results(api.get("/api/v1/projects/", params))] == [
            project.code
        ]


def test_project_detail_by_code(api, project, published):
    response = api.get(f"/api/v1/projects/{project.code}/")
    assert response.status_code == 200
    assert response.json()["actual_percent"] == 40.0
    assert api.get("/api/v1/projects/99999999-1/").status_code == 404


def test_draft_reports_do_not_count_in_figures(api, project, published, draft):
    row = results(api.get("/api/v1/projects/"))[0]
    assert row["actual_percent"] == 40.0


def test_project_filters_match_the_list_page(api, department, project):
    other = ProjectFactory(name_th="ถนนสายใหม่", fiscal_year=2563)
    PlanStepFactory(project=other)
    earlier = ProjectFactory(fiscal_year=2562, department=department)
    pillar = StrategyNodeFactory(code="7")
    goal = StrategyNodeFactory(code="7.1", parent=pillar, level="goal")
    other.strategies.add(goal)

    def codes(**query):
        return [row["code"] for row in results(api.get("/api/v1/projects/", query))]

    assert codes() == sorted([project.code, other.code])
    assert codes(department=department.code) == [project.code]
    assert codes(q="ถนนสาย") == [other.code]
    assert codes(strategy="7") == [other.code]
    # No report by June, planned about 70%: both are behind plan.
    assert codes(status="behind") == sorted([project.code, other.code])
    assert codes(status="complete") == []
    assert codes(fy=2562, department=department.code) == [earlier.code]


def test_bad_filter_is_a_structured_error(api, project):
    response = api.get("/api/v1/projects/", {"department": "nope", "fy": "abc"})
    assert response.status_code == 400
    fields = {entry["field"]: entry for entry in response.json()["errors"]}
    assert set(fields) == {"department", "fy"}
    assert fields["fy"]["code"] == "invalid"
    assert fields["fy"]["message"]["th"] and fields["fy"]["message"]["en"]
    assert fields["fy"]["message"]["th"] != fields["fy"]["message"]["en"]


def test_project_list_orders_stably_and_pages(api, department):
    for _ in range(5):
        ProjectFactory(department=department)
    first = api.get("/api/v1/projects/", {"page_size": 2}).json()
    assert first["count"] == 5
    second = api.get("/api/v1/projects/", {"page_size": 2, "page": 2}).json()
    codes = [row["code"] for row in first["results"] + second["results"]]
    assert codes == sorted(codes)
    assert api.get("/api/v1/projects/", {"page": 9}).status_code == 404


@pytest.mark.parametrize("rows", [1, 12])
def test_project_page_queries_do_not_grow_with_rows(
    api, department, rows, django_assert_num_queries
):
    pillar = StrategyNodeFactory()
    for number in range(rows):
        project = ProjectFactory(department=department)
        PlanStepFactory(project=project)
        ProgressUpdateFactory(project=project, percent=Decimal(number))
        project.strategies.add(pillar)
    # count, the page with its figures, the strategies of the page
    with django_assert_num_queries(3):
        response = api.get("/api/v1/projects/", {"page_size": 100})
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [1, 6])
def test_indicator_page_queries_do_not_grow_with_rows(
    api, department, rows, django_assert_num_queries
):
    from tests.factories import IndicatorFactory, IndicatorResultFactory

    criterion = EvaluationCriterionFactory()
    for _ in range(rows):
        indicator = IndicatorFactory(department=department)
        IndicatorResultFactory(indicator=indicator)
        CriterionScoreFactory(
            evaluation=IndicatorEvaluationFactory(indicator=indicator),
            criterion=criterion,
        )
    # count, page, results, revisions, evaluations, scores, projects, criteria
    with django_assert_num_queries(8):
        response = api.get("/api/v1/indicators/")
    assert len(response.json()["results"]) == rows


def test_indicator_has_achievement_and_quarter_table(api, indicator, result):
    criterion = EvaluationCriterionFactory(code="2.1")
    CriterionScoreFactory(
        evaluation=IndicatorEvaluationFactory(indicator=indicator, quarter=1),
        criterion=criterion,
        score=Decimal(90),
    )
    row = results(api.get("/api/v1/indicators/"))[0]
    assert row["achieved"] == 20.0
    assert row["achievement_percent"] == 25.0  # 20 of 80
    assert row["quarters"][0] == {
        "quarter": 1,
        "value": 20.0,
        "target": 80.0,
        "achievement_percent": 25.0,
        "scores": {"2.1": 90.0},
    }
    assert row["quarters"][1]["value"] is None
    assert row["projects"] == [indicator.projects.get().code]


def test_reference_endpoints(api, project):
    parent = project.department
    DepartmentFactory(parent=parent)
    node = StrategyNodeFactory(code="3")
    StrategyNodeFactory(code="3.1", parent=node, level="dimension")
    departments = results(api.get("/api/v1/departments/", {"parent": parent.code}))
    assert [row["parent"] for row in departments] == [parent.code]
    assert api.get(f"/api/v1/departments/{parent.code}/").json()["code"] == parent.code
    assert api.get("/api/v1/strategies/3.1/").json()["parent"] == "3"
    years = api.get("/api/v1/fiscal-years/").json()
    assert years == [
        {
            "year": 2563,
            "starts": "2019-10-01",
            "ends": "2020-09-30",
            "closes_on": years[0]["closes_on"],
            "closed": False,
            "projects": 1,
            "indicators": 0,
        }
    ]


def test_plan_steps_revisions_and_evaluations(api, project):
    ProjectEvaluationFactory(project=project, quarter=2, score=Decimal(75))
    steps = results(api.get("/api/v1/plan-steps/", {"project": project.code}))
    assert [(s["number"], s["weight"]) for s in steps] == [
        (project.steps.get().number, 100.0)
    ]
    assert results(api.get("/api/v1/plan-revisions/", {"project": project.code})) == []
    scores = results(api.get("/api/v1/project-evaluations/", {"fiscal_year": 2563}))
    assert [(s["project"], s["quarter"], s["score"]) for s in scores] == [
        (project.code, 2, 75.0)
    ]


# Who sees what


def update_dates(client, **query) -> list[str]:
    return [
        row["report_date"]
        for row in results(client.get("/api/v1/progress-updates/", query))
    ]


def test_anonymous_sees_published_reports_only(api, published, draft):
    assert update_dates(api) == ["2020-03-15"]
    assert api.get(f"/api/v1/progress-updates/{draft.pk}/").status_code == 404


def test_public_read_off_refuses_anonymous(api, settings, project):
    settings.PUBLIC_READ = False
    response = api.get("/api/v1/projects/")
    assert response.status_code in (401, 403)
    assert response.json()["errors"][0]["code"] == "not_authenticated"


def test_department_staff_and_evaluator_see_pending(
    api, staff, evaluator, outsider, published, draft
):
    api.force_login(staff)
    assert update_dates(api) == ["2020-03-15", "2020-05-15"]
    api.force_login(outsider)
    assert update_dates(api) == ["2020-03-15"]
    api.force_login(evaluator)
    assert update_dates(api) == ["2020-03-15", "2020-05-15"]


def test_public_read_off_lets_signed_in_people_read(api, settings, staff, published):
    settings.PUBLIC_READ = False
    api.force_login(staff)
    assert update_dates(api) == ["2020-03-15"]


def test_token_sees_its_departments_pending(
    token_api, published, draft, other_department
):
    assert update_dates(token_api) == ["2020-03-15", "2020-05-15"]
    foreign = ProjectFactory(department=other_department)
    ProgressUpdateFactory(project=foreign, status=approval.State.SUBMITTED)
    assert update_dates(token_api, department=other_department.code) == []


def test_update_filters(api, project, published):
    ProgressUpdateFactory(project=project, report_date=date(2020, 5, 1))
    assert update_dates(api, report_date_from="2020-04-01") == ["2020-05-01"]
    assert update_dates(api, fiscal_year=2562) == []
    assert update_dates(api, project=project.code, status="approved") == [
        "2020-03-15",
        "2020-05-01",
    ]


def test_results_follow_approval(api, staff, indicator, result):
    pending = type(result).objects.create(
        indicator=indicator,
        quarter=2,
        value=Decimal(30),
        status=approval.State.SUBMITTED,
    )
    listed = results(api.get("/api/v1/indicator-results/"))
    assert [row["quarter"] for row in listed] == [1]
    api.force_login(staff)
    listed = results(
        api.get("/api/v1/indicator-results/", {"indicator": indicator.code})
    )
    assert [(row["quarter"], row["status"]) for row in listed] == [
        (1, "approved"),
        (2, pending.status),
    ]


# Conditional requests


def test_unchanged_data_answers_304(api, project, published, locmem_cache):
    first = api.get("/api/v1/projects/")
    etag, modified = first["ETag"], first["Last-Modified"]
    again = api.get("/api/v1/projects/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    since = api.get("/api/v1/projects/", HTTP_IF_MODIFIED_SINCE=modified)
    assert since.status_code == 304
    # Another query is another answer.
    other = api.get("/api/v1/projects/?page_size=5", HTTP_IF_NONE_MATCH=etag)
    assert other.status_code == 200


def test_304_runs_no_query_for_the_data(api, project, locmem_cache):
    etag = api.get("/api/v1/projects/")["ETag"]
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/v1/projects/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert not any("projects_project" in q["sql"] for q in queries.captured_queries)


def test_a_write_changes_the_etag(
    api, project, published, staff, locmem_cache, django_capture_on_commit_callbacks
):
    from projects import services

    etag = api.get("/api/v1/progress-updates/")["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        services.save_update(
            project=project,
            user=staff,
            values={"percent": Decimal(45)},
            update=published,
            version=published.version,
        )
    response = api.get("/api/v1/progress-updates/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_anonymous_answers_come_from_the_shared_cache(
    api, staff, project, published, locmem_cache, django_capture_on_commit_callbacks
):
    first = api.get("/api/v1/projects/", {"fy": 2563})
    with CaptureQueriesContext(connection) as queries:
        again = api.get("/api/v1/projects/", {"fy": 2563})
    assert again.status_code == 200
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    assert not any("projects_project" in q["sql"] for q in queries.captured_queries)
    # Unknown parameters, and signed-in people, are answered afresh.
    for client_query in ({"fy": 2563, "junk": 1},):
        with CaptureQueriesContext(connection) as queries:
            api.get("/api/v1/projects/", client_query)
        assert any("projects_project" in q["sql"] for q in queries.captured_queries)
    api.force_login(staff)
    with CaptureQueriesContext(connection) as queries:
        api.get("/api/v1/projects/", {"fy": 2563})
    assert any("projects_project" in q["sql"] for q in queries.captured_queries)
    api.logout()
    # A write makes the kept answer stale.
    with django_capture_on_commit_callbacks(execute=True):
        from projects.cache import bump_data_version

        bump_data_version()
        published.percent = Decimal(45)
        published.save()
    fresh = api.get("/api/v1/projects/", {"fy": 2563}).json()["results"][0]
    assert fresh["actual_percent"] == 45.0


def test_etag_differs_per_viewer(api, staff, project, locmem_cache):
    anonymous = api.get("/api/v1/projects/")["ETag"]
    api.force_login(staff)
    assert api.get("/api/v1/projects/", HTTP_IF_NONE_MATCH=anonymous).status_code == 200


# Schema and docs


def test_schema_and_docs_are_served_without_cdn(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/projects/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower()
    assert (
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    )
    assert "<script>" not in html  # the init script is a file: no unsafe-inline
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_unknown_api_address_is_a_json_404(api):
    response = api.get("/api/v1/nothing/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_a_refused_address_answers_in_the_api_error_shape(api):
    response = api.get("/api/v1/projects/", {"strategy": "\x00"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    (entry,) = response.json()["errors"]
    assert entry["code"] == "bad_request"
    assert entry["message"]["th"] != entry["message"]["en"]
