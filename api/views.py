"""The JSON API, version 1: reads of everything the public pages show, and the
writes agency systems make (monthly progress, KPI results, submitting them).

Reads use the pages' own querysets and filter forms; writes validate with the
pages' forms and save through the same services, so every rule and message has
one home. Errors have one shape (``api.errors``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db import models
from django.db.models import Count, Prefetch, QuerySet, prefetch_related_objects
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, pagination, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from api import filters, serializers
from api.conditional import ConditionalMixin
from api.errors import ApiError, error, refuse, validated
from api.permissions import evidence_prefetch, may_write, shown_evidence, visible
from evidence import services as evidence_services
from evidence.models import Attachment
from indicators import services as indicator_services
from indicators.forms import IndicatorFilterForm, IndicatorResultForm
from indicators.models import (
    CriterionScore,
    EvaluationCriterion,
    Indicator,
    IndicatorEvaluation,
    IndicatorResult,
)
from projects import access, approval, services, thaicalendar
from projects.forms import ProgressUpdateForm, ProjectFilterForm
from projects.models import (
    Department,
    PlanRevision,
    PlanStep,
    ProgressUpdate,
    Project,
    ProjectEvaluation,
    StrategyNode,
)

ERRORS = dict.fromkeys((400, 401, 403, 404, 409, 423, 429), serializers.ErrorSerializer)
READ_ERRORS = dict.fromkeys((400, 401, 403, 404, 429), serializers.ErrorSerializer)
CONFLICT = _(
    "Someone changed this after the version you sent; read it again, then send "
    "your change with the new version."
)


class Pages(pagination.PageNumberPagination):
    """100 rows a page by default; ``page_size`` up to 500."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class ReadViewSet(
    ConditionalMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    pagination_class = Pages
    filter_backends = [DjangoFilterBackend]


class ReportViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ReadViewSet):
    """Progress reports and KPI results: read, and written by agency systems.
    Every answer carries the evidence files the requester sees."""

    http_method_names = ["get", "head", "post", "patch", "options"]

    def get_serializer(self, *args, **kwargs):
        row = args[0] if args else None
        if isinstance(row, models.Model) and not hasattr(row, "shown_evidence"):
            # A row just written: its files as the requester sees them.
            prefetch_related_objects([row], evidence_prefetch(self.request))
        return super().get_serializer(*args, **kwargs)


def write_schema(write, change, read):
    """The schema of a list that agency systems also write: ``write`` creates,
    ``change`` patches, ``read`` is what every answer carries."""
    return extend_schema_view(
        create=extend_schema(request=write, responses={201: read, **ERRORS}),
        partial_update=extend_schema(request=change, responses={200: read, **ERRORS}),
        list=extend_schema(responses={200: read(many=True), **READ_ERRORS}),
        retrieve=extend_schema(responses={200: read, **READ_ERRORS}),
    )


def form_parameters(form_class: type[forms.Form]) -> list[OpenApiParameter]:
    """The query parameters a list page's filter form reads, for the schema."""
    parameters = []
    for name, field in form_class().fields.items():
        schema: dict[str, Any] = {"type": "string"}
        if isinstance(field, forms.IntegerField):
            schema = {"type": "integer"}
            if field.min_value is not None:
                schema["minimum"] = field.min_value
            if field.max_value is not None:
                schema["maximum"] = field.max_value
        elif isinstance(field, forms.ModelChoiceField):
            schema["description"] = "a code"
        elif isinstance(field, forms.ChoiceField):
            schema["enum"] = [value for value, _label in field.choices if value]
        elif getattr(field, "max_length", None):
            schema["maxLength"] = field.max_length
        parameters.append(
            OpenApiParameter(name, schema, description=str(field.label or ""))
        )
    return parameters


def read_filters(form: forms.Form) -> dict[str, Any]:
    """The form's filters; a bad value is an error (the page drops it instead)."""
    validated(lambda: form)
    return {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}


def current_fiscal_year() -> int:
    return thaicalendar.fiscal_year_of(timezone.localdate())


def reading_date(fiscal_year: int) -> date:
    """The date a year's figures are read at: today, kept inside the year."""
    return thaicalendar.within_fiscal_year(timezone.localdate(), fiscal_year)


@extend_schema(exclude=True)
@api_view(["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"])
@permission_classes([AllowAny])
def not_found(request: Request) -> Response:
    """Any address under /api/ that is none of the API's."""
    raise NotFound


# Reference data


@extend_schema_view(
    list=extend_schema(responses={200: serializers.DepartmentSerializer(many=True)}),
)
class DepartmentViewSet(ReadViewSet):
    """Departments and district offices (หน่วยงาน)."""

    queryset = Department.objects.select_related("parent").order_by("code")
    serializer_class = serializers.DepartmentSerializer
    filterset_class = filters.DepartmentFilter
    lookup_field = "code"


class StrategyViewSet(ReadViewSet):
    """The development plan's tree: pillar, dimension, goal, objective."""

    queryset = StrategyNode.objects.select_related("parent").order_by("code")
    serializer_class = serializers.StrategyNodeSerializer
    filterset_class = filters.StrategyFilter
    lookup_field = "code"
    lookup_value_regex = "[^/]+"


class FiscalYearViewSet(ConditionalMixin, viewsets.ViewSet):
    """Fiscal years (BE) that have projects or KPIs, with their bounds and
    whether they closed."""

    @extend_schema(responses={200: serializers.FiscalYearSerializer(many=True)})
    def list(self, request: Request) -> Response:
        counts: dict[int, dict[str, int]] = {}
        for model, key in ((Project, "projects"), (Indicator, "indicators")):
            for row in (
                model.objects.order_by().values("fiscal_year").annotate(n=Count("pk"))
            ):
                counts.setdefault(row["fiscal_year"], {"projects": 0, "indicators": 0})[
                    key
                ] = row["n"]
        rows = []
        for year in sorted(counts, reverse=True):
            starts, ends = thaicalendar.fiscal_year_bounds(year)
            rows.append(
                {
                    "year": year,
                    "starts": starts,
                    "ends": ends,
                    "closes_on": access.year_closes_on(year),
                    "closed": access.year_closed(year),
                    **counts[year],
                }
            )
        return Response(serializers.FiscalYearSerializer(rows, many=True).data)


# Projects and their figures


@extend_schema_view(
    list=extend_schema(parameters=form_parameters(ProjectFilterForm)),
)
class ProjectViewSet(ReadViewSet):
    """Projects with their derived figures (actual and planned %, gap, status,
    overdue months), as the project list filters them. A list is of one fiscal
    year: ``fy``, by default the current one."""

    queryset = Project.objects.all()  # the schema's; get_queryset reads
    serializer_class = serializers.ProjectSerializer
    filter_form_class = ProjectFilterForm
    lookup_field = "code"
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Project]:
        base = Project.objects.select_related("department", "predecessor")
        base = base.prefetch_related("strategies")
        if self.action != "list":
            code = self.kwargs.get("code", "")
            year = (
                Project.objects.filter(code=code)
                .values_list("fiscal_year", flat=True)
                .first()
            )
            on = reading_date(year or current_fiscal_year())
            return base.with_progress(on).with_money(on)
        form = ProjectFilterForm(self.request.query_params)
        found = read_filters(form)
        fiscal_year = found.get("fy") or current_fiscal_year()
        on = reading_date(fiscal_year)
        return form.apply(
            base.for_fiscal_year(fiscal_year).with_progress(on).with_money(on),
            found,
            on,
        )


class PlanStepViewSet(ReadViewSet):
    """The steps of each project's work plan in force, with their weights."""

    queryset = PlanStep.objects.select_related("project").order_by(
        "project__code", "number"
    )
    serializer_class = serializers.PlanStepSerializer
    filterset_class = filters.PlanStepFilter


class PlanRevisionViewSet(ReadViewSet):
    """Dated revisions of work plans, with the frozen steps of superseded ones."""

    queryset = (
        PlanRevision.objects.select_related("project")
        .prefetch_related("steps")
        .order_by("project__code", "number")
    )
    serializer_class = serializers.PlanRevisionSerializer
    filterset_class = filters.PlanRevisionFilter


# KPIs


@extend_schema_view(
    list=extend_schema(parameters=form_parameters(IndicatorFilterForm)),
)
class IndicatorViewSet(ReadViewSet):
    """KPIs with their achievement and quarter table (results, targets in force,
    scores). A list is of one fiscal year: ``fy``, by default the current one."""

    queryset = Indicator.objects.all()  # the schema's; get_queryset reads
    serializer_class = serializers.IndicatorSerializer
    filter_form_class = IndicatorFilterForm
    lookup_field = "code"
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Indicator]:
        base = Indicator.objects.for_page().prefetch_related("projects")
        if self.action != "list":
            return base
        form = IndicatorFilterForm(self.request.query_params)
        found = read_filters(form)
        fiscal_year = found.get("fy") or current_fiscal_year()
        return form.apply(base.for_fiscal_year(fiscal_year), found)

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        criteria: dict[int, list[EvaluationCriterion]] = {}
        for criterion in EvaluationCriterion.objects.order_by("fiscal_year", "code"):
            criteria.setdefault(criterion.fiscal_year, []).append(criterion)
        context["criteria"] = criteria
        return context


class ProjectEvaluationViewSet(ReadViewSet):
    """The evaluators' quarterly scores of projects."""

    queryset = ProjectEvaluation.objects.select_related("project").order_by(
        "project__code", "quarter"
    )
    serializer_class = serializers.ProjectEvaluationSerializer
    filterset_class = filters.ProjectEvaluationFilter


class IndicatorEvaluationViewSet(ReadViewSet):
    """The evaluators' quarterly scores of KPIs, per criterion."""

    queryset = (
        IndicatorEvaluation.objects.select_related("indicator")
        .prefetch_related(
            Prefetch(
                "scores", queryset=CriterionScore.objects.select_related("criterion")
            )
        )
        .order_by("indicator__code", "quarter")
    )
    serializer_class = serializers.IndicatorEvaluationSerializer
    filterset_class = filters.IndicatorEvaluationFilter


# Reports and results: read, and written by agency systems


def _flag(value: Any) -> bool:
    return value in (True, "true", "True", "1", 1, "on")


def _body(request: Request) -> dict:
    if not isinstance(request.data, dict):
        refuse(400, "invalid_body", _("Send a JSON object."))
    return request.data


def _require_version(body: dict) -> int:
    version = body.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        refuse(
            400,
            "required",
            _(
                "Send the version you read (a whole number), to guard against "
                "overwriting a newer change."
            ),
            "version",
        )
    return version


def _check_department(request: Request, department_id: int) -> None:
    if not may_write(request, department_id):
        refuse(
            403,
            "department_not_allowed",
            _("This token or account may not write this department's data."),
        )


def _locked(lock: access.Lock):
    code = "year_closed" if lock.year_closed else "quarter_locked"
    raise ApiError(423, [error(code, lambda: lock.message)])


def _service_errors(call, *, state: str | None = None, submit: bool = True):
    """Run a service; turn its refusals into the API's errors. ``state`` and
    ``submit``: the item's state before, and the move asked, to give an approval
    refusal in both languages."""
    try:
        return call()
    except services.ConflictError:
        refuse(409, "conflict", CONFLICT, "version")
    except services.DuplicateError:
        refuse(409, "duplicate", _("Another request saved the same item first."))
    except services.LockedError as failure:
        _locked(failure.lock)
    except services.TransitionError as failure:
        refusal = failure.refusal
        action = approval.Action.SUBMIT if submit else approval.Action.SAVE

        def explain() -> str:
            # approval.check words its refusal as it decides; ask it again in
            # each language (writers may write: only the state can refuse).
            again = approval.check(
                action, state, is_author=False, may_write=True, may_review=False
            )
            return again.message if again else refusal.message

        raise ApiError(409, [error(refusal.code, explain)]) from None


WRITE_FIELDS = (
    "report_date",
    "percent",
    "disbursed",
    "committed",
    "done",
    "problems",
    "obstacles",
)


@write_schema(
    serializers.ProgressUpdateWrite,
    serializers.ProgressUpdateChange,
    serializers.ProgressUpdateSerializer,
)
class ProgressUpdateViewSet(ReportViewSet):
    """Monthly progress reports. Anonymous visitors see approved ones; the
    department (its staff, approvers, tokens) and evaluators also those pending."""

    queryset = ProgressUpdate.objects.all()  # the schema's; get_queryset reads
    serializer_class = serializers.ProgressUpdateSerializer
    filterset_class = filters.ProgressUpdateFilter

    def get_queryset(self) -> QuerySet[ProgressUpdate]:
        queryset = ProgressUpdate.objects.select_related("project").prefetch_related(
            evidence_prefetch(self.request)
        )
        return visible(queryset, self.request, "project__department").order_by(
            "project__code", "report_date", "pk"
        )

    def _form(self, project: Project, body: dict, update: ProgressUpdate | None):
        steps = list(project.steps.all())
        others = list(project.updates.all())
        data = {}
        if update is not None:
            data = {
                "report_date": update.report_date.isoformat(),
                "percent": str(update.percent),
                "disbursed": "" if update.disbursed is None else str(update.disbursed),
                "committed": "" if update.committed is None else str(update.committed),
                "done": update.done,
                "problems": update.problems,
                "obstacles": update.obstacles,
                "version": update.version,
            }
        data |= {name: body[name] for name in WRITE_FIELDS if name in body}
        data["confirm"] = _flag(body.get("confirm"))
        today = timezone.localdate()
        return validated(
            lambda: ProgressUpdateForm(
                data,
                instance=update,
                project=project,
                today=today,
                steps=steps,
                others=others,
            )
        )

    def _save(self, request, project, form, update, version) -> ProgressUpdate:
        submit = _flag(_body(request).get("submit", True))
        return _service_errors(
            lambda: services.save_update(
                project=project,
                user=request.user,
                values={name: form.cleaned_data[name] for name in WRITE_FIELDS},
                update=update,
                version=version,
                submit=submit,
                warnings=[str(flag.message) for flag in form.warnings],
            ),
            state=update.status if update else None,
            submit=submit,
        )

    def create(self, request: Request, *args, **kwargs) -> Response:
        body = _body(request)
        project = (
            Project.objects.select_related("department")
            .filter(code=str(body.get("project", "")))
            .first()
        )
        if project is None:
            refuse(
                400,
                "unknown_project",
                _("There is no project with this code."),
                "project",
            )
        _check_department(request, project.department_id)
        # As the form page: a closed year refuses before anything is checked.
        year_lock = access.year_lock(project.fiscal_year)
        if year_lock is not None:
            _locked(year_lock)
        form = self._form(project, body, None)
        saved = self._save(request, project, form, None, None)
        return Response(self.get_serializer(saved).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        update = self.get_object()
        project = update.project
        _check_department(request, project.department_id)
        body = _body(request)
        version = _require_version(body)
        lock = access.lock_of(
            project.fiscal_year, project.department_id, update.report_date
        )
        if lock is not None:
            _locked(lock)
        if version != update.version:
            refuse(409, "conflict", CONFLICT, "version")
        form = self._form(project, body, update)
        saved = self._save(request, project, form, update, version)
        return Response(self.get_serializer(saved).data)

    def update(self, request: Request, *args, **kwargs) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        request=serializers.VersionWrite,
        responses={200: serializers.ProgressUpdateSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Send a draft or returned report for approval, unchanged."""
        update = self.get_object()
        _check_department(request, update.project.department_id)
        version = _require_version(_body(request))
        saved = _service_errors(
            lambda: services.submit_update(
                update=update, user=request.user, version=version
            )
        )
        return Response(self.get_serializer(saved).data)


@write_schema(
    serializers.ResultWrite,
    serializers.ResultChange,
    serializers.IndicatorResultSerializer,
)
class IndicatorResultViewSet(ReportViewSet):
    """KPI results per quarter; visible as progress reports are."""

    queryset = IndicatorResult.objects.all()  # the schema's; get_queryset reads
    serializer_class = serializers.IndicatorResultSerializer
    filterset_class = filters.IndicatorResultFilter

    def get_queryset(self) -> QuerySet[IndicatorResult]:
        queryset = IndicatorResult.objects.select_related("indicator").prefetch_related(
            evidence_prefetch(self.request)
        )
        return visible(queryset, self.request, "indicator__department").order_by(
            "indicator__code", "quarter", "pk"
        )

    def _save(self, request, indicator, quarter, body, result) -> IndicatorResult:
        lock = access.quarter_locks(indicator.fiscal_year, indicator.department_id).get(
            quarter
        )
        if lock is not None:
            _locked(lock)
        data: dict[str, Any] = {}
        if result is not None:
            data = {"value": str(result.value), "report": result.report}
        data |= {name: body[name] for name in ("value", "report") if name in body}
        data["confirm"] = _flag(body.get("confirm"))
        today = timezone.localdate()
        form = validated(
            lambda: IndicatorResultForm(
                data, instance=result, indicator=indicator, quarter=quarter, today=today
            )
        )
        submit = _flag(body.get("submit", True))
        return _service_errors(
            lambda: indicator_services.save_result(
                indicator=indicator,
                quarter=quarter,
                user=request.user,
                values={name: form.cleaned_data[name] for name in ("value", "report")},
                result=result,
                version=body.get("version"),
                submit=submit,
            ),
            state=result.status if result else None,
            submit=submit,
        )

    def create(self, request: Request, *args, **kwargs) -> Response:
        body = _body(request)
        indicator = (
            Indicator.objects.select_related("department")
            .filter(code=str(body.get("indicator", "")))
            .first()
        )
        if indicator is None:
            refuse(
                400,
                "unknown_indicator",
                _("There is no KPI with this code."),
                "indicator",
            )
        _check_department(request, indicator.department_id)
        quarter = body.get("quarter")
        if isinstance(quarter, bool) or quarter not in (1, 2, 3, 4):
            refuse(400, "invalid_quarter", _("The quarter is 1, 2, 3 or 4."), "quarter")
        existing = indicator.results.filter(quarter=quarter).first()
        if existing is not None:
            refuse(
                409,
                "duplicate",
                _(
                    "This KPI already has a result for that quarter; change it "
                    "with PATCH, sending its version."
                ),
                "quarter",
            )
        saved = self._save(request, indicator, quarter, body, None)
        return Response(self.get_serializer(saved).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        result = self.get_object()
        indicator = result.indicator
        _check_department(request, indicator.department_id)
        body = _body(request)
        version = _require_version(body)
        if version != result.version:
            refuse(409, "conflict", CONFLICT, "version")
        saved = self._save(request, indicator, result.quarter, body, result)
        return Response(self.get_serializer(saved).data)

    def update(self, request: Request, *args, **kwargs) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        request=serializers.VersionWrite,
        responses={200: serializers.IndicatorResultSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Send a draft or returned result for approval, unchanged."""
        result = self.get_object()
        indicator = result.indicator
        _check_department(request, indicator.department_id)
        version = _require_version(_body(request))
        saved = _service_errors(
            lambda: indicator_services.save_result(
                indicator=indicator,
                quarter=result.quarter,
                user=request.user,
                values={},
                result=result,
                version=version,
                submit=True,
            )
        )
        return Response(self.get_serializer(saved).data)


class EvidenceViewSet(ReadViewSet):
    """Photos and documents kept as evidence of progress reports and KPI results:
    the department (its staff, approvers, tokens) and evaluators see every kept
    file of its reports; everyone else public files of approved ones. Files are
    attached through the report's page."""

    queryset = Attachment.objects.all()  # the schema's; get_queryset reads
    serializer_class = serializers.EvidenceSerializer
    filterset_class = filters.EvidenceFilter

    def get_queryset(self) -> QuerySet[Attachment]:
        return shown_evidence(self.request)

    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY, **READ_ERRORS})
    @action(detail=True, methods=["get"])
    def file(self, request: Request, pk: str) -> FileResponse:
        """The file itself, as the portal's evidence link serves it."""
        return evidence_services.file_response(self.get_object())

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY, **READ_ERRORS})
    @action(detail=True, methods=["get"])
    def thumbnail(self, request: Request, pk: str) -> FileResponse:
        """A photo's 320 px JPEG thumbnail (404 for documents)."""
        return evidence_services.file_response(self.get_object(), thumbnail=True)
