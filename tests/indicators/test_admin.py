"""Django admin of KPIs, their results, evaluations, criteria and scores."""

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse

from indicators.models import (
    CriterionScore,
    EvaluationCriterion,
    Indicator,
    IndicatorEvaluation,
    IndicatorResult,
    TargetRevision,
)
from tests.factories import (
    CriterionScoreFactory,
    DepartmentFactory,
    EvaluationCriterionFactory,
    IndicatorEvaluationFactory,
    IndicatorFactory,
    IndicatorResultFactory,
    UserFactory,
)
from tests.projects.test_admin import (
    admin_url,
    filter_parameters,
    inline_models,
    post_data,
    shown,
)

pytestmark = pytest.mark.django_db


def build_criteria(n: int) -> list[EvaluationCriterion]:
    return [EvaluationCriterionFactory() for _ in range(n)]


def build_indicators(n: int) -> list[Indicator]:
    return [IndicatorFactory() for _ in range(n)]


def build_results(n: int) -> list[IndicatorResult]:
    return [IndicatorResultFactory(author=UserFactory()) for _ in range(n)]


def build_evaluations(n: int) -> list[IndicatorEvaluation]:
    return [IndicatorEvaluationFactory(evaluator=UserFactory()) for _ in range(n)]


def build_scores(n: int) -> list[CriterionScore]:
    return [CriterionScoreFactory() for _ in range(n)]


# Each registered model: how to build n rows that differ in every related object,
# and the exact number of queries its changelist runs for any number of rows.
BUILDERS: dict[type[models.Model], tuple[Callable[[int], list], int]] = {
    EvaluationCriterion: (build_criteria, 6),
    Indicator: (build_indicators, 7),
    IndicatorResult: (build_results, 8),
    IndicatorEvaluation: (build_evaluations, 8),
    CriterionScore: (build_scores, 7),
}


def test_every_registered_model_of_the_app_is_covered():
    registered = {
        model for model in admin.site._registry if model._meta.app_label == "indicators"
    }
    assert registered == set(BUILDERS)


# Written on the portal's pages only (results are added on the KPI page, scores on
# the scoring page), so the admin offers no add page.
NO_ADD = {IndicatorResult, IndicatorEvaluation, CriterionScore}


@pytest.mark.parametrize("model", BUILDERS, ids=lambda m: m.__name__)
def test_changelist_add_and_change_pages_answer_200(admin_client, model):
    build, _ = BUILDERS[model]
    (obj,) = build(1)
    for url in (
        admin_url(model, "changelist"),
        admin_url(model, "change", obj.pk),
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
    add = admin_client.get(admin_url(model, "add"))
    assert add.status_code == (403 if model in NO_ADD else 200)


@pytest.mark.parametrize("rows", [3, 12])
@pytest.mark.parametrize("model", BUILDERS, ids=lambda m: m.__name__)
def test_changelist_query_count_does_not_grow_with_rows(
    admin_client, django_assert_num_queries, model, rows
):
    build, queries = BUILDERS[model]
    build(rows)
    total = model._default_manager.count()
    assert total >= rows
    with django_assert_num_queries(queries):
        response = admin_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert len(shown(response)) == total


# Search


def test_indicator_search_by_code_and_name(admin_client):
    department = DepartmentFactory(code="21000000")
    hit = IndicatorFactory(
        department=department, code="2100-1044", name_th="รายงานผลการประเมิน"
    )
    IndicatorFactory(department=department, code="2100-2000", name_th="ความพึงพอใจ")
    url = admin_url(Indicator, "changelist")
    assert shown(admin_client.get(url, {"q": "2100-1044"})) == [hit]
    assert shown(admin_client.get(url, {"q": "ผลการประเมิน"})) == [hit]
    assert shown(admin_client.get(url, {"q": "9999-1"})) == []


def test_indicator_search_with_decomposed_sara_am_finds_the_composed_name(
    admin_client,
):
    hit = IndicatorFactory(name_th="จำนวนรายงาน")
    IndicatorFactory(name_th="ร้อยละของผู้รับบริการ")
    url = admin_url(Indicator, "changelist")
    assert shown(admin_client.get(url, {"q": "จ\u0e4d\u0e32นวน"})) == [hit]


def test_criterion_search_by_code_and_name(admin_client):
    hit = EvaluationCriterionFactory(
        code="2.1", name_th="ความครบถ้วนของรายงาน", name_en="Completeness"
    )
    # Names set explicitly: the factory's sequence names contain "2.n".
    EvaluationCriterionFactory(code="3.4", name_th="ความทันเวลา", name_en="Timeliness")
    url = admin_url(EvaluationCriterion, "changelist")
    assert shown(admin_client.get(url, {"q": "2.1"})) == [hit]
    assert shown(admin_client.get(url, {"q": "ครบถ้วน"})) == [hit]


@pytest.mark.parametrize(
    "model, factory",
    [
        (IndicatorResult, IndicatorResultFactory),
        (IndicatorEvaluation, IndicatorEvaluationFactory),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_kpi_part_search_by_kpi_code_and_name(admin_client, model, factory):
    department = DepartmentFactory(code="21000000")
    hit = factory(
        indicator=IndicatorFactory(
            department=department, code="2100-1044", name_th="รายงานผลการประเมิน"
        )
    )
    factory(
        indicator=IndicatorFactory(
            department=department, code="2100-2000", name_th="ความพึงพอใจ"
        )
    )
    url = admin_url(model, "changelist")
    assert shown(admin_client.get(url, {"q": "2100-1044"})) == [hit]
    assert shown(admin_client.get(url, {"q": "ผลการประเมิน"})) == [hit]


def test_criterion_score_search_by_kpi_code(admin_client):
    department = DepartmentFactory(code="21000000")
    hit = CriterionScoreFactory(
        evaluation__indicator=IndicatorFactory(department=department, code="2100-1044")
    )
    CriterionScoreFactory(
        evaluation__indicator=IndicatorFactory(department=department, code="2100-2000")
    )
    url = admin_url(CriterionScore, "changelist")
    assert shown(admin_client.get(url, {"q": "2100-1044"})) == [hit]


# Filters


def test_indicator_filters_are_offered_and_narrow_the_list(admin_client):
    department = DepartmentFactory()
    in_2563 = IndicatorFactory(fiscal_year=2563, kind=Indicator.Kind.STRATEGIC)
    routine = IndicatorFactory(fiscal_year=2564, kind=Indicator.Kind.ROUTINE)
    theirs = IndicatorFactory(
        fiscal_year=2564, kind=Indicator.Kind.STRATEGIC, department=department
    )
    url = admin_url(Indicator, "changelist")
    response = admin_client.get(url, {"fiscal_year": 2563})
    assert filter_parameters(response) >= {
        "fiscal_year",
        "kind__exact",
        "level__exact",
        "aggregation__exact",
        "department__id__exact",
    }
    assert shown(response) == [in_2563]
    assert shown(admin_client.get(url, {"kind__exact": "routine"})) == [routine]
    assert shown(admin_client.get(url, {"department__id__exact": department.pk})) == [
        theirs
    ]


@pytest.mark.parametrize(
    "model, factory",
    [
        (IndicatorResult, IndicatorResultFactory),
        (IndicatorEvaluation, IndicatorEvaluationFactory),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_kpi_part_filters_by_fiscal_year_department_and_quarter_narrow_the_list(
    admin_client, model, factory
):
    hit = factory(indicator=IndicatorFactory(fiscal_year=2563), quarter=1)
    miss = factory(indicator=IndicatorFactory(fiscal_year=2564), quarter=2)
    url = admin_url(model, "changelist")
    response = admin_client.get(url, {"indicator__fiscal_year": 2563})
    assert filter_parameters(response) >= {
        "indicator__fiscal_year",
        "indicator__department__id__exact",
        "quarter",
    }
    assert shown(response) == [hit]
    department = miss.indicator.department
    assert shown(
        admin_client.get(url, {"indicator__department__id__exact": department.pk})
    ) == [miss]
    assert shown(admin_client.get(url, {"quarter": 2})) == [miss]


def test_criterion_filter_by_fiscal_year_narrows_the_list(admin_client):
    hit = EvaluationCriterionFactory(fiscal_year=2563)
    EvaluationCriterionFactory(fiscal_year=2564)
    response = admin_client.get(
        admin_url(EvaluationCriterion, "changelist"), {"fiscal_year": 2563}
    )
    assert "fiscal_year" in filter_parameters(response)
    assert shown(response) == [hit]


def test_criterion_score_filters_by_fiscal_year_and_criterion_narrow_the_list(
    admin_client,
):
    hit = CriterionScoreFactory(criterion__fiscal_year=2563)
    miss = CriterionScoreFactory(criterion__fiscal_year=2564)
    url = admin_url(CriterionScore, "changelist")
    response = admin_client.get(url, {"criterion__fiscal_year": 2563})
    assert filter_parameters(response) >= {
        "criterion__fiscal_year",
        "criterion__id__exact",
    }
    assert shown(response) == [hit]
    assert shown(
        admin_client.get(url, {"criterion__id__exact": miss.criterion.pk})
    ) == [miss]


# Change pages and their inlines


def test_indicator_change_page_shows_results_and_evaluations(admin_client):
    indicator = IndicatorFactory()
    IndicatorResultFactory(indicator=indicator, quarter=1, report="ส่งรายงานครบ")
    IndicatorResultFactory(indicator=indicator, quarter=2, value=Decimal(40))
    IndicatorEvaluationFactory(indicator=indicator, quarter=1)
    response = admin_client.get(admin_url(Indicator, "change", indicator.pk))
    assert inline_models(response) == [
        TargetRevision,
        IndicatorResult,
        IndicatorEvaluation,
    ]
    formsets = response.context["inline_admin_formsets"]
    assert [f.formset.initial_form_count() for f in formsets] == [0, 2, 1]
    assert "ส่งรายงานครบ" in response.content.decode()


def test_kpi_evaluation_change_page_shows_criterion_scores(admin_client):
    evaluation = IndicatorEvaluationFactory()
    CriterionScoreFactory(evaluation=evaluation, criterion__code="2.1")
    CriterionScoreFactory(evaluation=evaluation, criterion__code="2.2")
    response = admin_client.get(admin_url(IndicatorEvaluation, "change", evaluation.pk))
    assert inline_models(response) == [CriterionScore]
    formsets = response.context["inline_admin_formsets"]
    assert [f.formset.initial_form_count() for f in formsets] == [2]


@pytest.mark.parametrize("rows", [2, 4])
def test_indicator_change_page_query_count_does_not_grow_with_rows(
    admin_client, django_assert_num_queries, rows
):
    indicator = IndicatorFactory()
    for quarter in range(1, rows + 1):
        IndicatorResultFactory(
            indicator=indicator, quarter=quarter, author=UserFactory()
        )
        IndicatorEvaluationFactory(
            indicator=indicator, quarter=quarter, evaluator=UserFactory()
        )
    ContentType.objects.clear_cache()
    # One more than before target revisions: the revisions inline.
    with django_assert_num_queries(9):
        response = admin_client.get(admin_url(Indicator, "change", indicator.pk))
    formsets = response.context["inline_admin_formsets"]
    assert [f.formset.initial_form_count() for f in formsets] == [0, rows, rows]


def test_results_inline_on_the_kpi_page_is_read_only(admin_client):
    indicator = IndicatorFactory()
    url = admin_url(Indicator, "change", indicator.pk)
    data = post_data(admin_client.get(url))
    data.update(
        {
            "results-TOTAL_FORMS": "1",
            "results-0-quarter": "1",
            "results-0-value": "15",
            "results-0-report": "สำรวจแล้ว",
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert not indicator.results.exists()


# Results corrected in the admin obey the portal's rules (services.save_result)


def result_post(admin_client, result, **changes):
    url = admin_url(IndicatorResult, "change", result.pk)
    data = post_data(admin_client.get(url))
    data.update({name: str(value) for name, value in changes.items()})
    return admin_client.post(url, data)


@pytest.fixture
def count_result():
    """A Q2 result of a count KPI (target 1) of FY 2563, long started."""
    indicator = IndicatorFactory(fiscal_year=2563, unit="ฉบับ", target=Decimal(1))
    return IndicatorResultFactory(indicator=indicator, quarter=2, value=Decimal(1))


def test_admin_corrects_a_result_through_the_service(
    admin_client, admin_user, count_result
):
    response = result_post(admin_client, count_result, value="2", report="แก้ไข")
    assert response.status_code == 302
    count_result.refresh_from_db()
    assert (count_result.value, count_result.report, count_result.version) == (
        Decimal(2),
        "แก้ไข",
        2,
    )
    assert count_result.history.first().history_user == admin_user


def test_admin_result_refuses_a_value_that_is_not_a_number(admin_client, count_result):
    response = result_post(admin_client, count_result, value="สิบห้า")
    assert response.status_code == 200
    assert "value" in response.context["adminform"].form.errors
    count_result.refresh_from_db()
    assert (count_result.value, count_result.version) == (Decimal(1), 1)


def test_admin_result_over_five_times_the_target_needs_confirmation(
    admin_client, count_result
):
    response = result_post(admin_client, count_result, value="15")
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert any("15" in error and "5" in error for error in errors)  # the warning
    count_result.refresh_from_db()
    assert count_result.value == Decimal(1)
    confirmed = result_post(admin_client, count_result, value="15", confirm="on")
    assert confirmed.status_code == 302
    count_result.refresh_from_db()
    assert count_result.value == Decimal(15)


def test_admin_result_percentage_above_100_needs_confirmation(admin_client):
    result = IndicatorResultFactory(
        indicator=IndicatorFactory(unit="ร้อยละ", target=Decimal(80)), quarter=1
    )
    response = result_post(admin_client, result, value="120")
    assert response.status_code == 200
    result.refresh_from_db()
    assert result.value == Decimal(20)


def test_admin_result_in_a_locked_quarter_is_refused_with_a_message(
    admin_client, count_result
):
    from projects.models import QuarterLock

    # Locks bind admins too: a correction starts with an audited reopening.
    QuarterLock.objects.create(
        fiscal_year=count_result.indicator.fiscal_year,
        quarter=count_result.quarter,
        department=count_result.indicator.department,
    )
    response = result_post(admin_client, count_result, value="2")
    assert response.status_code == 302
    assert response.url == admin_url(IndicatorResult, "change", count_result.pk)
    shown_messages = [str(m) for m in response.wsgi_request._messages]
    assert any("was locked by" in m or "ถูกปิดโดย" in m for m in shown_messages)
    count_result.refresh_from_db()
    assert (count_result.value, count_result.version) == (Decimal(1), 1)


def test_admin_result_opened_before_someone_elses_save_is_refused(
    admin_client, count_result
):
    url = admin_url(IndicatorResult, "change", count_result.pk)
    data = post_data(admin_client.get(url))
    IndicatorResult.objects.filter(pk=count_result.pk).update(
        value=Decimal(3), version=2
    )
    data["value"] = "2"
    response = admin_client.post(url, data)
    assert response.status_code == 302
    shown_messages = [str(m) for m in response.wsgi_request._messages]
    assert any("บันทึกรายการนี้ไปก่อน" in m for m in shown_messages)
    count_result.refresh_from_db()
    assert (count_result.value, count_result.version) == (Decimal(3), 2)


def test_results_are_not_added_or_deleted_in_the_admin(admin_client, count_result):
    assert admin_client.get(admin_url(IndicatorResult, "add")).status_code == 403
    delete = admin_url(IndicatorResult, "delete", count_result.pk)
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert IndicatorResult.objects.filter(pk=count_result.pk).exists()


# Evaluations and scores are scored on the portal only


def test_scores_are_read_only_in_the_admin_with_a_link_to_the_scoring_page(
    admin_client,
):
    score = CriterionScoreFactory(score=Decimal(80))
    evaluation = score.evaluation
    url = admin_url(IndicatorEvaluation, "change", evaluation.pk)
    page = admin_client.get(url).content.decode()
    scoring = reverse(
        "indicators:evaluate", args=[evaluation.indicator.code, evaluation.quarter]
    )
    assert (
        f'href="{scoring}"' in page
        or scoring
        in admin_client.get(
            admin_url(IndicatorEvaluation, "changelist")
        ).content.decode()
    )
    response = admin_client.post(
        url,
        {
            "comment": "แก้",
            "scores-TOTAL_FORMS": "1",
            "scores-INITIAL_FORMS": "1",
            "scores-0-id": str(score.pk),
            "scores-0-evaluation": str(evaluation.pk),
            "scores-0-score": "150",
        },
    )
    assert response.status_code == 403
    score_url = admin_url(CriterionScore, "change", score.pk)
    assert admin_client.post(score_url, {"score": "150"}).status_code == 403
    score.refresh_from_db()
    evaluation.refresh_from_db()
    assert (score.score, evaluation.version) == (Decimal(80), 1)
