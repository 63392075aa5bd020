"""The audit history of a project: who created, changed or deleted what, and when.

django-simple-history keeps one row per save or delete of every domain model, with
the object's values at that moment. ``project_history`` reads the rows of a project,
its plan steps, progress updates and evaluations, and of its KPIs with their results,
evaluations and scores, in one query per history model. Each row is compared with
the row before it of the same object in plain Python (``records``): asking
simple-history for ``prev_record`` or ``diff_against`` would cost a query a row.

Links (many-to-many fields kept with ``m2m_fields=``: a project's strategies, a
KPI's projects, a department's members, a user's groups) are read as they were at
each row, one query per field (``_attach_links``), and compared like fields.

``people_history`` does the same for accounts, roles and department membership,
for admins; ``deleted_project`` finds the last row of a project deleted since.

Everything but ``project_history``, ``people_history``, ``deleted_project``,
``_attach_links`` and ``_fetch_names`` is a pure function of rows already fetched,
and is tested without a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from simple_history.utils import get_m2m_reverse_field_name

from evidence.models import Attachment
from indicators.models import (
    CriterionScore,
    EvaluationCriterion,
    Indicator,
    IndicatorEvaluation,
    IndicatorResult,
    TargetRevision,
)
from projects import thaicalendar
from projects.access import user_name
from projects.models import (
    Department,
    PlanRevision,
    PlanStep,
    Profile,
    ProgressUpdate,
    Project,
    ProjectEvaluation,
)

CREATED, CHANGED, DELETED = "+", "~", "-"
# The change reason of rows that came from the original portal (demo.py writes it).
IMPORTED = "imported"
ACTION_LABELS = {
    CREATED: pgettext_lazy("history action", "created"),
    CHANGED: pgettext_lazy("history action", "changed"),
    DELETED: pgettext_lazy("history action", "deleted"),
}
EMPTY = "–"

# Links to the object a row belongs to: its label names them, so they are not
# listed among its changed fields.
PARENT_FIELDS: dict[type[models.Model], frozenset[str]] = {
    PlanStep: frozenset({"project"}),
    PlanRevision: frozenset({"project"}),
    ProgressUpdate: frozenset({"project"}),
    ProjectEvaluation: frozenset({"project"}),
    IndicatorResult: frozenset({"indicator"}),
    IndicatorEvaluation: frozenset({"indicator"}),
    CriterionScore: frozenset({"evaluation", "criterion"}),
    TargetRevision: frozenset({"indicator"}),
    Profile: frozenset({"user"}),
    Attachment: frozenset({"update", "result"}),
}


@dataclass(frozen=True)
class RawChange:
    """One field of one row that differs from the object's previous row."""

    field: models.Field
    before: Any
    after: Any


@dataclass(frozen=True)
class Record:
    """A history row with its changes since the previous row of the same object.

    ``has_previous`` is False for a creation, and for a change whose earlier state
    was never recorded (objects written in bulk, before the history was kept).
    """

    model: type[models.Model]
    row: Any
    changes: tuple[RawChange, ...]
    has_previous: bool


@dataclass(frozen=True)
class Change:
    """A changed field as the page shows it."""

    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Entry:
    """One line of the history page: who did what to which object, and when."""

    when: datetime
    user: str
    action: str
    model: str
    label: str
    changes: tuple[Change, ...] = ()
    missing_earlier: bool = False

    @property
    def action_label(self) -> str:
        """The action spelled out: created, changed or deleted."""
        return str(ACTION_LABELS[self.action])


@dataclass
class LabelContext:
    """What object labels need beyond a row's own values."""

    fiscal_year: int
    indicators: dict[int, tuple[str, int]] = field(default_factory=dict)
    evaluations: dict[int, tuple[int, int]] = field(default_factory=dict)


def compared_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields of a model whose changes the history shows.

    Left out: the primary key, automatic timestamps, fields nobody edits (version
    counters) and the link to the parent object.
    """
    skip = PARENT_FIELDS.get(model, frozenset())
    tracked = _tracked_names(model)
    return [
        f
        for f in model._meta.concrete_fields
        if f.editable
        and not f.primary_key
        and not getattr(f, "auto_now", False)
        and not getattr(f, "auto_now_add", False)
        and f.name not in skip
        and (tracked is None or f.name in tracked)
    ] + link_fields(model)


def _history_model(model: type[models.Model]) -> Any:
    manager = getattr(model._meta, "simple_history_manager_attribute", None)
    return getattr(model, manager).model if manager else None


def _tracked_names(model: type[models.Model]) -> set[str] | None:
    history_model = _history_model(model)
    if history_model is None:
        return None
    return {f.name for f in history_model._meta.fields}


def link_fields(model: type[models.Model]) -> list[models.Field]:
    """The many-to-many fields whose links the model's history keeps."""
    history_model = _history_model(model)
    return list(getattr(history_model, "_history_m2m_fields", ()))


def _value(row: Any, f: models.Field) -> Any:
    if f.many_to_many:
        # Set by _attach_links: the ids linked when the row was written.
        return row.__dict__.get("_links", {}).get(f.name, frozenset())
    # attname reads a foreign key's id without fetching the related object.
    return getattr(row, f.attname, None)


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == frozenset()


def records(
    model: type[models.Model],
    rows: Iterable[Any],
    fields: Sequence[models.Field] | None = None,
) -> list[Record]:
    """Pair each history row with the previous row of its object and diff them.

    ``rows`` must be ordered by object id, then history_date (one object's rows
    together, oldest first). A change that alters none of the compared fields
    (a version counter, a timestamp) is left out.
    """
    fields = compared_fields(model) if fields is None else fields
    result: list[Record] = []
    previous: Any = None
    for row in rows:
        if previous is not None and previous.id != row.id:
            previous = None
        if row.history_type == CREATED:
            changes = tuple(
                RawChange(f, None, _value(row, f))
                for f in fields
                if not _is_empty(_value(row, f))
            )
            result.append(Record(model, row, changes, has_previous=False))
        elif row.history_type == CHANGED:
            if previous is None:
                result.append(Record(model, row, (), has_previous=False))
            else:
                changes = tuple(
                    RawChange(f, _value(previous, f), _value(row, f))
                    for f in fields
                    if _value(previous, f) != _value(row, f)
                )
                if changes:
                    result.append(Record(model, row, changes, has_previous=True))
        else:
            # A deletion shows what was deleted: each value before, none after.
            changes = tuple(
                RawChange(f, _value(row, f), None)
                for f in fields
                if not _is_empty(_value(row, f))
            )
            result.append(
                Record(model, row, changes, has_previous=previous is not None)
            )
        previous = row
    return result


def related_ids(all_records: Iterable[Record]) -> dict[type[models.Model], set]:
    """The ids of related objects the page must name: changed links and criteria."""
    wanted: dict[type[models.Model], set] = {}
    for record in all_records:
        for change in record.changes:
            if change.field.is_relation:
                target = change.field.related_model
                for value in (change.before, change.after):
                    if isinstance(value, frozenset):
                        wanted.setdefault(target, set()).update(value)
                    elif value is not None:
                        wanted.setdefault(target, set()).add(value)
        if record.model is CriterionScore:
            wanted.setdefault(EvaluationCriterion, set()).add(record.row.criterion_id)
    return wanted


def format_value(
    f: models.Field,
    value: Any,
    lang: str,
    names: dict[type[models.Model], dict[Any, str]] | None = None,
) -> str:
    """A field's value for reading: choices spelled out, dates in BE, links named."""
    if _is_empty(value):
        return EMPTY
    if f.many_to_many:
        known = (names or {}).get(f.related_model, {})
        return "\n".join(sorted(known.get(pk, f"#{pk}") for pk in value))
    if f.is_relation:
        known = (names or {}).get(f.related_model, {})
        return known.get(value, f"#{value}")
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        local = value.astimezone(thaicalendar.BANGKOK) if value.tzinfo else value
        return f"{thaicalendar.format_date(local, 'short', lang)} {local:%H:%M}"
    if isinstance(value, date):
        return thaicalendar.format_date(value, "short", lang)
    if isinstance(value, Decimal):
        return f"{value:,}"
    if isinstance(value, list):
        return "\n".join(f"{number}. {item}" for number, item in enumerate(value, 1))
    return str(value)


def object_label(
    record: Record,
    context: LabelContext,
    lang: str,
    names: dict[type[models.Model], dict[Any, str]] | None = None,
) -> str:
    """Which object a row is about, in the words of the project page."""
    row = record.row
    model = record.model
    if model is Project or model is Indicator:
        return row.code
    if model is Department:
        return f"{row.code} {row.name_th}"
    if model is get_user_model():
        return row.username
    if model is Profile:
        users = (names or {}).get(get_user_model(), {})
        return users.get(row.user_id, f"#{row.user_id}")
    if model is PlanStep:
        return _("Step %(number)s") % {"number": row.number}
    if model is PlanRevision:
        return _("Plan revision %(number)s") % {"number": row.number}
    if model is ProgressUpdate:
        return thaicalendar.format_date(row.report_date, "short", lang)
    if model is ProjectEvaluation:
        return thaicalendar.format_quarter(context.fiscal_year, row.quarter, lang)
    if model in (IndicatorResult, IndicatorEvaluation):
        return _indicator_quarter(context, row.indicator_id, row.quarter, lang)
    if model is TargetRevision:
        code, _year = context.indicators.get(
            row.indicator_id, (f"#{row.indicator_id}", None)
        )
        return _("%(code)s · target %(number)s") % {"code": code, "number": row.number}
    if model is Attachment:
        return row.original_name
    if model is CriterionScore:
        indicator_id, quarter = context.evaluations.get(row.evaluation_id, (None, None))
        criteria = (names or {}).get(EvaluationCriterion, {})
        criterion = criteria.get(row.criterion_id, f"#{row.criterion_id}")
        if indicator_id is None:
            return criterion
        where = _indicator_quarter(context, indicator_id, quarter, lang)
        return f"{where} · {criterion}"
    return str(row.id)


def _indicator_quarter(
    context: LabelContext, indicator_id: int, quarter: int, lang: str
) -> str:
    code, fiscal_year = context.indicators.get(
        indicator_id, (f"#{indicator_id}", context.fiscal_year)
    )
    return f"{code} · {thaicalendar.format_quarter(fiscal_year, quarter, lang)}"


def _change(
    change: RawChange,
    action: str,
    lang: str,
    names: dict[type[models.Model], dict[Any, str]] | None,
) -> Change:
    # A new object has no "before": its values are shown as set.
    before = (
        ""
        if action == CREATED
        else format_value(change.field, change.before, lang, names)
    )
    return Change(
        field=str(change.field.verbose_name),
        before=before,
        after=format_value(change.field, change.after, lang, names),
    )


def entries(
    all_records: Iterable[Record],
    context: LabelContext,
    lang: str,
    names: dict[type[models.Model], dict[Any, str]] | None = None,
) -> list[Entry]:
    """The page's lines, newest first."""
    result = []
    for record in all_records:
        row = record.row
        result.append(
            (
                (row.history_date, row.history_id),
                Entry(
                    when=row.history_date,
                    user=user_name(row.history_user)
                    or (
                        _("imported from the original portal")
                        if getattr(row, "history_change_reason", None) == IMPORTED
                        else ""
                    ),
                    action=row.history_type,
                    model=str(record.model._meta.verbose_name),
                    label=object_label(record, context, lang, names),
                    changes=tuple(
                        _change(change, row.history_type, lang, names)
                        for change in record.changes
                    ),
                    missing_earlier=row.history_type == CHANGED
                    and not record.has_previous,
                ),
            )
        )
    result.sort(key=lambda pair: pair[0], reverse=True)
    return [entry for _key, entry in result]


def _rows(model: type[models.Model], condition: Q) -> list[Any]:
    rows = list(
        model.history.filter(condition)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    _attach_links(model, rows)
    return rows


def _attach_links(model: type[models.Model], rows: list[Any]) -> None:
    """Give each row the ids it was linked to then: one query per link field."""
    fields = link_fields(model)
    if not fields or not rows:
        return
    history_ids = [row.history_id for row in rows]
    for f in fields:
        through = getattr(_history_model(model), f.name).model
        target = get_m2m_reverse_field_name(f)
        linked: dict[int, set] = {}
        for history_id, target_id in through.objects.filter(
            history_id__in=history_ids
        ).values_list("history_id", f"{target}_id"):
            linked.setdefault(history_id, set()).add(target_id)
        for row in rows:
            row.__dict__.setdefault("_links", {})[f.name] = frozenset(
                linked.get(row.history_id, ())
            )


def _fetch_names(
    wanted: dict[type[models.Model], set],
) -> dict[type[models.Model], dict[Any, str]]:
    """Name the related objects: one query per related model."""
    user_model = get_user_model()
    names: dict[type[models.Model], dict[Any, str]] = {}
    for model, ids in wanted.items():
        objects = model._default_manager.in_bulk(ids)
        if model is user_model:
            names[model] = {pk: user_name(user) for pk, user in objects.items()}
        elif model is EvaluationCriterion:
            names[model] = {pk: c.code for pk, c in objects.items()}
        elif model is Project:
            names[model] = {pk: p.code for pk, p in objects.items()}
        else:
            names[model] = {pk: str(obj) for pk, obj in objects.items()}
    return names


def project_history(project: Project, lang: str) -> list[Entry]:
    """Every recorded create, change and delete of a project and its parts.

    One query per history model, one for the linked KPIs, one for their current
    evaluations and one per kind of related object named in a change.
    """
    # KPIs linked now, and those linked once (unlinked since, or the project
    # deleted): the link history names them.
    once_linked = _history_model(Indicator).projects.model.objects.filter(
        project_id=project.pk
    )
    kpis = Indicator.objects.filter(
        Q(projects=project) | Q(pk__in=once_linked.values("history__id"))
    ).distinct()
    kpi_ids = kpis.values("pk")
    evaluations = IndicatorEvaluation.objects.filter(indicator__in=kpi_ids)
    past_evaluations = IndicatorEvaluation.history.filter(indicator_id__in=kpi_ids)
    of_project = Q(project_id=project.pk)
    of_kpis = Q(indicator_id__in=kpi_ids)
    fetched: list[tuple[type[models.Model], Q]] = [
        (Project, Q(id=project.pk)),
        (PlanStep, of_project),
        (PlanRevision, of_project),
        (ProgressUpdate, of_project),
        (ProjectEvaluation, of_project),
        (Indicator, Q(id__in=kpi_ids)),
        (IndicatorResult, of_kpis),
        (IndicatorEvaluation, of_kpis),
        (TargetRevision, of_kpis),
        # Evidence of the project's reports and of its KPIs' results, including
        # reports deleted since (their history rows still name the project).
        (
            Attachment,
            Q(update_id__in=ProgressUpdate.history.filter(of_project).values("id"))
            | Q(result_id__in=IndicatorResult.history.filter(of_kpis).values("id")),
        ),
        (
            CriterionScore,
            Q(evaluation_id__in=evaluations.values("pk"))
            | Q(evaluation_id__in=past_evaluations.values("id")),
        ),
    ]
    all_records: list[Record] = []
    context = LabelContext(
        fiscal_year=project.fiscal_year,
        indicators={
            pk: (code, year)
            for pk, code, year in kpis.values_list("pk", "code", "fiscal_year")
        },
        evaluations={
            pk: (indicator_id, quarter)
            for pk, indicator_id, quarter in evaluations.values_list(
                "pk", "indicator_id", "quarter"
            )
        },
    )
    for model, condition in fetched:
        rows = _rows(model, condition)
        if model is IndicatorEvaluation:
            # Deleted evaluations still name the KPI and quarter of their scores.
            for row in rows:
                context.evaluations.setdefault(row.id, (row.indicator_id, row.quarter))
        all_records += records(model, rows)
    names = _fetch_names(related_ids(all_records))
    return entries(all_records, context, lang, names)


def deleted_project(code: str) -> Project | None:
    """A project deleted since, as its last history row holds it; None if never."""
    row = (
        Project.history.filter(code=code, history_type=DELETED)
        .order_by("-history_date", "-history_id")
        .first()
    )
    return row.instance if row else None


def people_history(lang: str) -> list[Entry]:
    """Every recorded change of accounts (names, flags, groups), roles and
    departments with their members, newest first: one query per history model
    and per link field, and one per kind of object named."""
    user_model = get_user_model()
    all_records: list[Record] = []
    for model in (user_model, Profile, Department):
        all_records += records(model, _rows(model, Q()))
    wanted = related_ids(all_records)
    for record in all_records:
        if record.model is Profile:
            wanted.setdefault(user_model, set()).add(record.row.user_id)
    names = _fetch_names(wanted)
    return entries(all_records, LabelContext(fiscal_year=0), lang, names)
