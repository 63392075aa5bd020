"""The API (``/api/v1/``), its schema and docs, and the open-data downloads."""

from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter

from api import opendata_views, views

app_name = "api"

router = DefaultRouter()
# JSON only: no ".json" twins of every address.
router.include_format_suffixes = False
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("strategies", views.StrategyViewSet, basename="strategy")
router.register("fiscal-years", views.FiscalYearViewSet, basename="fiscal-year")
router.register("projects", views.ProjectViewSet, basename="project")
router.register("plan-steps", views.PlanStepViewSet, basename="plan-step")
router.register("plan-revisions", views.PlanRevisionViewSet, basename="plan-revision")
router.register(
    "progress-updates", views.ProgressUpdateViewSet, basename="progress-update"
)
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register(
    "indicator-results", views.IndicatorResultViewSet, basename="indicator-result"
)
router.register(
    "project-evaluations",
    views.ProjectEvaluationViewSet,
    basename="project-evaluation",
)
router.register(
    "indicator-evaluations",
    views.IndicatorEvaluationViewSet,
    basename="indicator-evaluation",
)
router.register("evidence", views.EvidenceViewSet, basename="evidence")

urlpatterns = [
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema"),
        name="docs",
    ),
    # Any other address under /api/ answers in the API's error shape.
    re_path(r"^api/", views.not_found, name="not-found"),
    path("open-data/", opendata_views.catalogue, name="open-data"),
    path(
        "open-data/<int:fiscal_year>.zip",
        opendata_views.archive,
        name="open-data-archive",
    ),
]
