"""Spreadsheet import of the annual plan: read a file, preview it, then commit it.

The file (.xlsx, or .csv in UTF-8 with or without a byte-order mark, or in the
Thai Windows code page cp874 that older Excel writes) holds projects and their
plan steps. Nothing here decides a rule of its own: each project row is checked
by ``ProjectForm`` and each project's steps by ``PlanFormSet``, the forms a person
fills in on the site, and the commit goes through ``services.save_project`` and
``services.save_plan`` in one transaction, so the locks, closed years, revisions
with a reason and audit history of the services apply as they do to a form.

``build_plan_preview`` reads the whole file and returns a ``Preview``: the counts
of new, changed and unchanged rows, the old and new value of every changed cell,
and every error and warning tied to its sheet, row and column. ``commit`` writes
a preview without errors. Rows are matched by their codes, so importing the same
file twice changes nothing the second time.

Memory: openpyxl reads the workbook in read-only mode, row by row; a preview
keeps a small dict per row and the project instances to save, not the forms.
Queries: what the forms cannot ask for themselves cheaply (departments,
strategies, existing projects with their steps, projects with reports) is read
in bulk before the rows are checked, and the forms are given it: their choices
answer from querysets read once (``ReadOnceQuerySet``), their model checks (a
department exists, a code is not taken, the fiscal-year constraint) from
``forms.KnownRows``, with the same rules and messages. A file asks the same
number of queries whatever its number of rows (a test pins it).
"""

from __future__ import annotations

import csv
import functools
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, BinaryIO

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from indicators import services as indicator_services
from indicators.forms import IndicatorForm, IndicatorResultForm
from indicators.models import Indicator, IndicatorResult
from projects import access, services, thaicalendar
from projects.forms import KnownRows, PlanFormSet, ProgressUpdateForm, ProjectForm
from projects.models import (
    Department,
    PlanStep,
    ProgressUpdate,
    Project,
    StrategyNode,
)
from projects.text import normalize_text

CHUNK = 500
PROGRESS_EVERY = 1000
TO_CHECK = "to check"  # the progress stage that gives the number of rows to check
TO_WRITE = "to write"  # the progress stage that gives the number of rows to write
COMMIT = "commit"  # the progress stage of the writes
COMMENT = "#"
MAX_SHOWN_ROWS = 500
REASON_LENGTH = 100  # simple-history's history_change_reason

ProgressCallback = Callable[[str, int], None]


class ImportFileError(Exception):
    """The file cannot be read as a spreadsheet of this import."""


@dataclass(frozen=True)
class ImportColumn:
    """A column of an import: the form field it fills and its header."""

    key: str
    label: Any
    required: bool = False
    width: int = 16

    def headers(self) -> set[str]:
        """Every header this column is recognised by: Thai, English, both, key."""
        with override("th"):
            thai = capfirst(str(self.label))
        with override("en"):
            english = capfirst(str(self.label))
        return {
            _header_key(text)
            for text in (thai, english, f"{thai} / {english}", self.key)
        }

    def title(self) -> str:
        """The template's header: Thai, then English."""
        with override("th"):
            thai = capfirst(str(self.label))
        with override("en"):
            english = capfirst(str(self.label))
        return thai if thai == english else f"{thai} / {english}"


PROJECT_COLUMNS = [
    ImportColumn("code", gettext_lazy("Code"), True, 16),
    ImportColumn("name_th", gettext_lazy("Project name (Thai)"), True, 50),
    ImportColumn("name_en", gettext_lazy("Project name (English)"), False, 36),
    ImportColumn("kind", gettext_lazy("Kind"), False, 12),
    ImportColumn("department", gettext_lazy("Department code"), True, 14),
    ImportColumn("fiscal_year", gettext_lazy("Fiscal year"), True, 10),
    ImportColumn("officer_name", gettext_lazy("Responsible officer"), False, 28),
    ImportColumn("officer_contact", gettext_lazy("Officer's contact"), False, 24),
    ImportColumn("budget_owner_unit", gettext_lazy("Owning budget unit"), False, 14),
    ImportColumn(
        "budget_implementing_unit",
        gettext_lazy("Implementing budget unit"),
        False,
        14,
    ),
    ImportColumn("budget_amount", gettext_lazy("Budget (baht)"), False, 16),
    ImportColumn("rationale", gettext_lazy("Rationale"), False, 40),
    ImportColumn("objectives", gettext_lazy("Objectives (one per line)"), False, 40),
    ImportColumn("targets", gettext_lazy("Targets (one per line)"), False, 40),
    ImportColumn("is_routine", gettext_lazy("Routine work of the agency"), False, 12),
    ImportColumn("strategies", gettext_lazy("Strategy codes"), False, 16),
    ImportColumn("predecessor", gettext_lazy("Predecessor code"), False, 16),
]
STEP_COLUMNS = [
    ImportColumn("project", gettext_lazy("Project code"), True, 16),
    ImportColumn("number", gettext_lazy("Step"), False, 8),
    ImportColumn("description", gettext_lazy("Description"), True, 50),
    ImportColumn("weight", gettext_lazy("Weight (%)"), True, 10),
    ImportColumn("planned_start", gettext_lazy("Start"), True, 14),
    ImportColumn("planned_end", gettext_lazy("End"), True, 14),
]
MONTH_COLUMNS = [
    ImportColumn("project", gettext_lazy("Project code"), True, 16),
    # Shown in the template to say which project a row is; not imported.
    ImportColumn("name_th", gettext_lazy("Project name (Thai)"), False, 50),
    ImportColumn("latest", gettext_lazy("Latest report"), False, 24),
    ImportColumn("report_date", gettext_lazy("report date"), True, 14),
    ImportColumn("percent", gettext_lazy("cumulative progress (%)"), True, 12),
    ImportColumn("disbursed", gettext_lazy("cumulative disbursed (baht)"), False, 16),
    ImportColumn("committed", gettext_lazy("committed (baht)"), False, 16),
    ImportColumn("done", gettext_lazy("work done"), False, 50),
    ImportColumn("problems", gettext_lazy("problems"), False, 36),
    ImportColumn("obstacles", gettext_lazy("obstacles"), False, 36),
]
INDICATOR_COLUMNS = [
    ImportColumn("code", gettext_lazy("KPI code"), True, 14),
    ImportColumn("name_th", gettext_lazy("KPI name (Thai)"), True, 50),
    ImportColumn("name_en", gettext_lazy("KPI name (English)"), False, 36),
    ImportColumn("unit", gettext_lazy("Unit"), True, 10),
    ImportColumn("target", gettext_lazy("Target"), True, 10),
    ImportColumn("kind", gettext_lazy("Kind"), False, 18),
    ImportColumn("level", gettext_lazy("Level"), False, 10),
    ImportColumn("department", gettext_lazy("Department code"), True, 14),
    ImportColumn("fiscal_year", gettext_lazy("Fiscal year"), True, 10),
    ImportColumn("definition", gettext_lazy("Definition"), False, 40),
    ImportColumn("calculation_method", gettext_lazy("Calculation method"), False, 40),
    ImportColumn("aggregation", gettext_lazy("Aggregation of quarters"), False, 16),
    ImportColumn("direction", gettext_lazy("Direction"), False, 16),
    ImportColumn("projects", gettext_lazy("Project codes"), False, 24),
]
# The KPI form's choice fields, read from a value or its label.
INDICATOR_CHOICES = {
    "kind": Indicator.Kind.choices,
    "level": Indicator.Level.choices,
    "aggregation": Indicator._meta.get_field("aggregation").choices,
    "direction": Indicator._meta.get_field("direction").choices,
}
MONTH_VALUES = (
    "report_date",
    "percent",
    "disbursed",
    "committed",
    "done",
    "problems",
    "obstacles",
)
# Columns a file may leave out: a saved report keeps its value.
MONTH_KEPT = ("disbursed", "committed", "done", "problems", "obstacles")
KPI_COLUMNS = [
    ImportColumn("indicator", gettext_lazy("KPI code"), True, 14),
    ImportColumn("name", gettext_lazy("KPI"), False, 50),
    ImportColumn("quarter", gettext_lazy("Quarter"), True, 8),
    ImportColumn("value", gettext_lazy("Result"), False, 12),
    ImportColumn("report", gettext_lazy("Report"), False, 50),
]
KPI_VALUES = ("value", "report")
PROJECTS, STEPS, MONTH, KPI = "projects", "steps", "month", "kpi"
INDICATORS = "indicators"
TABLE_COLUMNS = {
    PROJECTS: PROJECT_COLUMNS,
    STEPS: STEP_COLUMNS,
    INDICATORS: INDICATOR_COLUMNS,
    MONTH: MONTH_COLUMNS,
    KPI: KPI_COLUMNS,
}
TABLE_TITLES = {
    PROJECTS: gettext_lazy("Projects"),
    STEPS: gettext_lazy("Plan steps"),
    INDICATORS: gettext_lazy("KPIs"),
    MONTH: gettext_lazy("Monthly progress"),
    KPI: gettext_lazy("KPI results"),
}
PLAN_TABLES = (STEPS, INDICATORS, PROJECTS)
MONTH_TABLES = (MONTH, KPI)
YES_WORDS = {"1", "true", "yes", "y", "ใช่", "x", "✓"}
LIST_SEPARATORS = (",", ";", "\n")


def _is_yes(text: str) -> bool:
    return bool(text) and _header_key(text) in _yes_words()


@functools.cache
def _yes_words() -> frozenset[str]:
    """The words read as yes: the list's, and "Yes" in Thai and in English."""
    words = set(YES_WORDS)
    for lang in ("th", "en"):
        with override(lang):
            words.add(_header_key(_("Yes")))
    return frozenset(words)


def _header_key(text: Any) -> str:
    return " ".join(str(text or "").split()).casefold()


# Reading files


@dataclass
class Table:
    """The rows of one table of the file: (row number, {column key: text})."""

    kind: str
    sheet: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def _cell_text(value: Any) -> str:
    """A cell as the text a person would have typed into the form."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, float):
        # 0.1 stays 0.1, not 0.1000000000000000055…
        number = Decimal(repr(value))
        return str(number.to_integral() if number == number.to_integral() else number)
    text = str(value)
    # The exports write text that looks like a formula with a leading apostrophe.
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@"):
        text = text[1:]
    return text.strip()


def _table_kind(keys: set[str]) -> str | None:
    if {"indicator", "quarter"} <= keys:
        return KPI
    if {"report_date", "percent"} <= keys:
        return MONTH
    if {"description", "weight"} <= keys:
        return STEPS
    if {"unit", "target"} <= keys:
        return INDICATORS
    if "name_th" in keys or "department" in keys:
        return PROJECTS
    return None


def _header_map(
    headers: Sequence[Any], kinds: Sequence[str]
) -> tuple[str | None, list[str | None]]:
    """The table kind a header row belongs to and the column key of each cell."""
    for kind in kinds:
        lookup = {
            header: column.key
            for column in TABLE_COLUMNS[kind]
            for header in column.headers()
        }
        keys = [lookup.get(_header_key(header)) for header in headers]
        if _table_kind({key for key in keys if key}) == kind:
            return kind, keys
    return None, []


def _read_rows(
    sheet: str,
    rows: Iterator[Sequence[Any]],
    tables: dict[str, Table],
    kinds: Sequence[str],
    skipped: list[str],
) -> None:
    header = next(rows, None)
    if header is None:
        return
    kind, keys = _header_map(header, kinds)
    if kind is None:
        if any(_cell_text(value) for value in header):
            skipped.append(sheet)
        return
    if kind in tables:
        raise ImportFileError(
            _("The file has two tables of %(table)s; keep one.")
            % {"table": TABLE_TITLES[kind]}
        )
    table = Table(kind, sheet, [key for key in keys if key])
    tables[kind] = table
    for number, cells in enumerate(rows, start=2):
        values = {
            key: _cell_text(value)
            for key, value in zip(keys, cells, strict=False)
            if key
        }
        if not any(values.values()):
            continue
        if kind == MONTH and not any(values.get(key) for key in MONTH_VALUES):
            # A pre-filled project row nobody reported on this time.
            continue
        if kind == KPI and not any(values.get(key) for key in KPI_VALUES):
            continue
        first = _cell_text(cells[0]) if cells else ""
        if first.startswith(COMMENT):
            continue
        table.rows.append((number, values))


def decode_csv(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without BOM), else Thai Windows cp874."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp874")
    except UnicodeDecodeError:
        raise ImportFileError(
            _(
                "The CSV file is neither UTF-8 nor Thai Windows (cp874/TIS-620) "
                "text; save it again as CSV UTF-8."
            )
        ) from None


def read_tables(
    file: BinaryIO,
    filename: str,
    kinds: Sequence[str] = PLAN_TABLES,
    skipped: list[str] | None = None,
) -> dict[str, Table]:
    """The import tables (of the given kinds) in an .xlsx or .csv file, by kind.

    The names of visible sheets with headers that are not an import's are added
    to ``skipped``, so that a mistyped header does not pass unnoticed.
    """
    tables: dict[str, Table] = {}
    skipped = [] if skipped is None else skipped
    name = filename.lower()
    if name.endswith(".csv"):
        text = decode_csv(file.read())
        sheet = filename
        rows = iter(csv.reader(io.StringIO(text, newline="")))
        _read_rows(sheet, rows, tables, kinds, skipped)
    elif name.endswith(".xlsx"):
        try:
            workbook = load_workbook(file, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds on a bad file
            raise ImportFileError(
                _("The file is not an Excel workbook (.xlsx) that can be read.")
            ) from error
        try:
            for worksheet in workbook.worksheets:
                if worksheet.sheet_state != "visible":
                    continue  # the template's lists for its drop-downs
                _read_rows(
                    worksheet.title,
                    worksheet.iter_rows(values_only=True),
                    tables,
                    kinds,
                    skipped,
                )
        finally:
            workbook.close()
    else:
        raise ImportFileError(_("Upload an Excel (.xlsx) or CSV (.csv) file."))
    if not tables:
        raise ImportFileError(
            _("No table with the import's headers was found; start from the template.")
        )
    for table in tables.values():
        missing = [
            column.title()
            for column in TABLE_COLUMNS[table.kind]
            if column.required and column.key not in table.columns
        ]
        if missing:
            raise ImportFileError(
                _("The table %(table)s lacks the columns: %(columns)s.")
                % {"table": table.sheet, "columns": ", ".join(missing)}
            )
    return tables


# The preview


@dataclass(frozen=True)
class Issue:
    """An error (blocks the import) or a warning (needs confirming) of a cell."""

    sheet: str
    row: int | None
    column: str
    message: str
    severity: str = "error"


@dataclass(frozen=True)
class Change:
    column: str
    old: str
    new: str


@dataclass
class RowResult:
    """What the import does with one project (its row and its plan steps)."""

    sheet: str
    row: int
    code: str
    state: str  # "new", "changed", "unchanged" or "error"
    changes: list[Change] = field(default_factory=list)


@dataclass
class Write:
    """A project to save (None when it is unchanged) and its plan (None: keep)."""

    code: str
    project: Project | None
    strategies: list | None
    steps: list[services.StepValues] | None


@dataclass
class IndicatorWrite:
    """A KPI to save (created or changed by the form) and its project links:
    saved projects, and codes of projects the same file creates."""

    code: str
    indicator: Indicator
    version: int | None
    projects: list[Project]
    new_project_codes: list[str]


@dataclass
class Preview:
    filename: str
    rows: list[RowResult] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    writes: list = field(default_factory=list)
    # Codes of projects whose changed plan is a revision, which needs a reason.
    revisions: list[str] = field(default_factory=list)
    # Codes of KPIs whose changed target is a revision, which needs a reason.
    target_revisions: list[str] = field(default_factory=list)

    @property
    def needs_reason(self) -> bool:
        return bool(self.revisions or self.target_revisions)

    def count(self, state: str) -> int:
        return sum(row.state == state for row in self.rows)

    @property
    def counts(self) -> dict[str, int]:
        return {
            state: self.count(state)
            for state in ("new", "changed", "unchanged", "error")
        }

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.severity == "warning"]

    @property
    def shown_rows(self) -> list[RowResult]:
        """The rows worth showing (not the unchanged ones), at most a few hundred."""
        return [row for row in self.rows if row.state != "unchanged"][:MAX_SHOWN_ROWS]

    @property
    def has_changes(self) -> bool:
        return any(row.state in ("new", "changed") for row in self.rows)


def _label(columns: list[ImportColumn], key: str) -> str:
    for column in columns:
        if column.key == key:
            return capfirst(str(column.label))
    return key


def _codes(text: str) -> list[str]:
    for separator in LIST_SEPARATORS[:-1]:
        text = text.replace(separator, LIST_SEPARATORS[-1])
    return [code.strip() for code in text.split(LIST_SEPARATORS[-1]) if code.strip()]


def _choice_values(choices) -> dict[str, str]:
    """A choice's value from its value or its label in Thai or English."""
    values: dict[str, str] = {}
    for value, label in choices:
        for lang in ("th", "en"):
            with override(lang):
                values[_header_key(label)] = value
        values[_header_key(value)] = value
    return values


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "\n".join(str(item) for item in value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, date):
        return thaicalendar.format_date(value, "short")
    return str(value)


class ReadOnceQuerySet(QuerySet):
    """A queryset read once for the whole file, whose questions a form's choice
    field asks for each row are answered from its rows without a query:
    ``get(<field>=…)`` by one field (a ModelChoiceField), and ``filter(<field>__in=…)``
    by one field and ``none()`` (a ModelMultipleChoiceField), which give a
    queryset whose rows are those. Any other filter makes an ordinary queryset
    again; the query of each is the one the database would be asked.

    ``read(queryset)`` reads all its rows. ``some(queryset, rows)`` holds only
    some of them (those the file names): a question about a row it does not hold
    is asked of the database."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows: list | None = None
        self.complete = True  # the rows are all of the queryset's
        self.by_field: dict[str, dict[str, Any]] = {}
        self.answer: list | None = None  # the rows of a filter answered from rows

    @classmethod
    def read(cls, queryset: QuerySet) -> ReadOnceQuerySet:
        rows = cls(model=queryset.model, query=queryset.query.chain())
        rows.rows = list(rows)
        return rows

    @classmethod
    def some(cls, queryset: QuerySet, rows: Iterable) -> ReadOnceQuerySet:
        """The queryset, answered from the given rows of it (read beforehand)."""
        some = cls(model=queryset.model, query=queryset.query.chain())
        some.rows = list(rows)
        some.complete = False
        return some

    def _clone(self) -> ReadOnceQuerySet:
        clone = super()._clone()
        clone.rows = self.rows
        clone.complete = self.complete
        clone.by_field = self.by_field  # shared: filled once, by any clone
        return clone

    def _rows_by(self, name: str) -> dict[str, Any]:
        if name not in self.by_field:
            self.by_field[name] = {str(getattr(row, name)): row for row in self.rows}
        return self.by_field[name]

    def _filter_or_exclude(self, negate, args, kwargs) -> QuerySet:
        # The query is built as ever: a value of the wrong type raises as ever.
        clone = super()._filter_or_exclude(negate, args, kwargs)
        answer = None
        if self.rows is not None and not negate and not args and len(kwargs) == 1:
            ((lookup, values),) = kwargs.items()
            name, _sep, operator = lookup.partition("__")
            if operator == "in" and isinstance(values, set | frozenset | list | tuple):
                answer = self._answer(name, values)
        clone.rows = None
        clone.by_field = {}
        clone.answer = answer
        return clone

    def _answer(self, name: str, values) -> list | None:
        """The rows whose field holds one of the values, in the rows' order; None
        when a value is not one the field can hold (the database then says)."""
        meta = self.model._meta
        try:
            field = meta.pk if name == "pk" else meta.get_field(name)
            typed = [field.to_python(value) for value in values]
        except (FieldDoesNotExist, ValidationError):
            return None
        if any(isinstance(value, int) and abs(value) >= 2**31 for value in typed):
            return None  # beyond a database integer: what it says is its own
        wanted = {str(value) for value in typed}
        answer = [row for row in self.rows if str(getattr(row, name)) in wanted]
        if not self.complete and len({str(getattr(row, name)) for row in answer}) < len(
            wanted
        ):
            return None  # a row not read: the database says
        return answer

    def none(self) -> QuerySet:
        clone = super().none()
        clone.rows = None
        clone.by_field = {}
        clone.answer = []
        return clone

    def _fetch_all(self) -> None:
        if (
            self._result_cache is None
            and self.answer is not None
            and not self._prefetch_related_lookups
        ):
            self._result_cache = list(self.answer)
        super()._fetch_all()

    def get(self, *args: Any, **kwargs: Any) -> Any:
        if self.rows is None or args or len(kwargs) != 1:
            return super().get(*args, **kwargs)
        ((name, value),) = kwargs.items()
        try:
            return self._rows_by(name)[str(value)]
        except KeyError:
            if not self.complete:
                return super().get(*args, **kwargs)
            raise self.model.DoesNotExist from None


class _Lookups:
    """What the rows refer to, read once for the whole file."""

    def __init__(self, codes: set[str]) -> None:
        self.department_rows = ReadOnceQuerySet.read(Department.objects.all())
        self.departments = {d.code: d for d in self.department_rows}
        self.department_codes = {d.pk: d.code for d in self.departments.values()}
        self.strategies = dict(StrategyNode.objects.values_list("code", "pk"))
        self.strategy_codes = {pk: code for code, pk in self.strategies.items()}
        self.projects: dict[str, Project] = {}
        self.steps: dict[int, list[PlanStep]] = defaultdict(list)
        self.reported: set[int] = set()
        ordered = sorted(codes)
        for start in range(0, len(ordered), CHUNK):
            chunk = ordered[start : start + CHUNK]
            for project in Project.objects.filter(code__in=chunk).prefetch_related(
                "strategies"
            ):
                self.projects[project.code] = project
            for step in PlanStep.objects.filter(project__code__in=chunk).order_by(
                "project_id", "number"
            ):
                self.steps[step.project_id].append(step)
            self.reported.update(
                ProgressUpdate.objects.filter(project__code__in=chunk)
                .values_list("project_id", flat=True)
                .distinct()
            )
        self.strategy_rows = ReadOnceQuerySet.read(
            StrategyNode.objects.select_related("parent")
        )
        self.predecessor_rows = Project.objects.filter(
            department__in=self.department_rows
        )
        # What the forms' model checks ask, answered for every row at once: the
        # departments there are, the codes of the file that are taken.
        self.known = KnownRows()
        self.known.rows(Department, self.department_codes)
        self.known.taken(
            Project,
            "code",
            codes,
            {code: project.pk for code, project in self.projects.items()},
        )
        self.predecessors: dict[str, Project] = {}
        self._locked: dict[tuple[int, int], set[int]] = {}
        self._closed: dict[int, access.Lock | None] = {}

    def predecessor(self, code: str) -> Project | None:
        if code not in self.predecessors:
            self.predecessors[code] = (
                self.projects.get(code) or Project.objects.filter(code=code).first()
            )
        return self.predecessors[code]

    def locked_quarters(self, fiscal_year: int, department_id: int) -> set[int]:
        key = (fiscal_year, department_id)
        if key not in self._locked:
            self._locked[key] = access.locked_quarters(fiscal_year, department_id)
        return self._locked[key]

    def year_lock(self, fiscal_year: int) -> access.Lock | None:
        if fiscal_year not in self._closed:
            self._closed[fiscal_year] = access.year_lock(fiscal_year)
        return self._closed[fiscal_year]


class _PlanPreviewBuilder:
    def __init__(
        self,
        tables: dict[str, Table],
        filename: str,
        progress: ProgressCallback | None,
    ) -> None:
        self.projects = tables.get(PROJECTS)
        self.steps = tables.get(STEPS)
        self.preview = Preview(filename)
        self.progress = progress or (lambda stage, done: None)
        codes = {values.get("code", "") for _n, values in self._project_rows()}
        codes |= {values.get("project", "") for _n, values in self._step_rows()}
        self.lookups = _Lookups(codes - {""})
        self.kinds = _choice_values(Project.Kind.choices)

    def _project_rows(self) -> list[tuple[int, dict[str, str]]]:
        return self.projects.rows if self.projects else []

    def _step_rows(self) -> list[tuple[int, dict[str, str]]]:
        return self.steps.rows if self.steps else []

    def issue(
        self,
        table: Table,
        row: int | None,
        columns: list[ImportColumn],
        key: str,
        message: str,
        severity: str = "error",
    ) -> None:
        column = _label(columns, key) if key else ""
        self.preview.issues.append(
            Issue(table.sheet, row, column, str(message), severity)
        )

    def build(self) -> Preview:
        steps_by_code: dict[str, list[tuple[int, dict[str, str]]]] = defaultdict(list)
        for number, values in self._step_rows():
            steps_by_code[values.get("project", "")].append((number, values))
        seen: set[str] = set()
        for done, (number, values) in enumerate(self._project_rows(), start=1):
            code = values.get("code", "")
            if code in seen:
                self.issue(
                    self.projects,
                    number,
                    PROJECT_COLUMNS,
                    "code",
                    _("This code is on an earlier row of the file too."),
                )
                continue
            seen.add(code)
            self._project(number, values, steps_by_code.pop(code, []))
            if done % PROGRESS_EVERY == 0:
                self.progress(PROJECTS, done)
        # Steps of projects that are not in the projects table: plans only.
        for code, rows in steps_by_code.items():
            project = self.lookups.projects.get(code)
            if project is None:
                for number, _values in rows:
                    self.issue(
                        self.steps,
                        number,
                        STEP_COLUMNS,
                        "project",
                        _("No project has the code %(code)s.") % {"code": code},
                    )
                continue
            result = RowResult(self.steps.sheet, rows[0][0], code, "unchanged")
            steps = self._plan(project, project.fiscal_year, rows, result)
            self._finish(result, project, None, None, steps)
        self.progress(PROJECTS, len(self._project_rows()))
        return self.preview

    def _form_data(self, values: dict[str, str], project: Project | None) -> dict:
        lookups = self.lookups
        data: dict[str, Any] = {}
        if project is not None:
            # Columns the file leaves out keep the project's current values.
            data = {
                "department": str(project.department_id),
                "code": project.code,
                "fiscal_year": str(project.fiscal_year),
                "kind": project.kind,
                "name_th": project.name_th,
                "name_en": project.name_en,
                "officer_name": project.officer_name,
                "officer_contact": project.officer_contact,
                "budget_owner_unit": project.budget_owner_unit,
                "budget_implementing_unit": project.budget_implementing_unit,
                "budget_amount": ""
                if project.budget_amount is None
                else str(project.budget_amount),
                "citizen_benefit": project.citizen_benefit,
                "rationale": project.rationale,
                "objectives": "\n".join(project.objectives),
                "targets": "\n".join(project.targets),
                "is_routine": "on" if project.is_routine else "",
                "strategies": [str(s.pk) for s in project.strategies.all()],
                "predecessor": str(project.predecessor_id or ""),
            }
        for key, text in values.items():
            if key == "department":
                department = lookups.departments.get(text)
                data[key] = str(department.pk) if department else text
            elif key == "kind":
                data[key] = self.kinds.get(_header_key(text), text)
            elif key == "is_routine":
                data[key] = "on" if _is_yes(text) else ""
            elif key == "strategies":
                data[key] = [
                    str(lookups.strategies.get(code, code)) for code in _codes(text)
                ]
            elif key == "predecessor":
                predecessor = lookups.predecessor(text) if text else None
                data[key] = str(predecessor.pk) if predecessor else text
            elif key == "budget_amount":
                data[key] = text.replace(",", "")
            else:
                data[key] = text
        return data

    def _project(
        self,
        number: int,
        values: dict[str, str],
        step_rows: list[tuple[int, dict[str, str]]],
    ) -> None:
        code = values.get("code", "")
        existing = self.lookups.projects.get(code)
        form = ProjectForm(
            self._form_data(values, existing),
            instance=existing,
            departments=self.lookups.department_rows,
            strategies=self.lookups.strategy_rows,
            predecessors=self.lookups.predecessor_rows,
            known=self.lookups.known,
        )
        result = RowResult(self.projects.sheet, number, code, "unchanged")
        if not form.is_valid():
            for key, messages in form.errors.items():
                for message in messages:
                    self.issue(
                        self.projects,
                        number,
                        PROJECT_COLUMNS,
                        "" if key == "__all__" else key,
                        message,
                    )
            result.state = "error"
            self.preview.rows.append(result)
            for step_number, _values in step_rows:
                self.issue(
                    self.steps,
                    step_number,
                    STEP_COLUMNS,
                    "project",
                    _("The project's row has errors."),
                )
            return
        project = form.instance
        strategies = list(form.cleaned_data["strategies"])
        if existing is None:
            result.state = "new"
            changed_project = True
        else:
            result.changes = self._project_changes(existing, form, strategies)
            changed_project = bool(result.changes)
        steps = (
            self._plan(existing, project.fiscal_year, step_rows, result)
            if step_rows
            else None
        )
        self._finish(
            result,
            existing or project,
            project if changed_project else None,
            strategies if changed_project else None,
            steps,
        )

    def _project_changes(
        self, existing: Project, form: ProjectForm, strategies: list
    ) -> list[Change]:
        lookups = self.lookups
        changes = []
        for name in form.changed_data:
            if name in ("code", "department"):
                continue
            label = _label(PROJECT_COLUMNS, name)
            initial = form.initial.get(name)
            new = form.cleaned_data.get(name)
            if name == "strategies":
                old_codes = sorted(
                    lookups.strategy_codes.get(getattr(pk, "pk", pk), "")
                    for pk in initial or []
                )
                new_codes = sorted(node.code for node in strategies)
                if old_codes == new_codes:
                    continue
                changes.append(
                    Change(label, ", ".join(old_codes), ", ".join(new_codes))
                )
            elif name == "predecessor":
                old = Project.objects.filter(pk=initial).first() if initial else None
                changes.append(
                    Change(label, old.code if old else "", new.code if new else "")
                )
            elif name == "kind":
                kinds = dict(Project.Kind.choices)
                changes.append(
                    Change(label, str(kinds.get(initial, "")), str(kinds.get(new)))
                )
            else:
                changes.append(Change(label, _show(initial), _show(new)))
        return changes

    def _plan(
        self,
        existing: Project | None,
        fiscal_year: int,
        rows: list[tuple[int, dict[str, str]]],
        result: RowResult,
    ) -> list[services.StepValues] | None:
        """Check the project's steps with the plan form; None when unchanged."""
        rows = sorted(rows, key=lambda row: _step_order(row[1]))
        data: dict[str, Any] = {
            "steps-TOTAL_FORMS": str(len(rows)),
            "steps-INITIAL_FORMS": "0",
            "steps-MIN_NUM_FORMS": "0",
            "steps-MAX_NUM_FORMS": "1000",
        }
        for index, (_number, values) in enumerate(rows):
            for key in ("description", "weight", "planned_start", "planned_end"):
                data[f"steps-{index}-{key}"] = values.get(key, "")
        formset = PlanFormSet(data, prefix="steps", fiscal_year=fiscal_year)
        if len(rows) > PlanFormSet.max_num:
            self.issue(
                self.steps,
                rows[0][0],
                STEP_COLUMNS,
                "number",
                _("A work plan has at most %(count)s steps.")
                % {"count": PlanFormSet.max_num},
            )
            result.state = "error"
            return None
        if not formset.is_valid():
            for (number, _values), errors in zip(rows, formset.errors, strict=True):
                for key, messages in errors.items():
                    for message in messages:
                        self.issue(self.steps, number, STEP_COLUMNS, key, message)
            for message in formset.non_form_errors():
                self.issue(self.steps, rows[0][0], STEP_COLUMNS, "weight", message)
            result.state = "error"
            return None
        current = self.lookups.steps.get(existing.pk, []) if existing else []
        steps = [
            services.StepValues(
                pk=current[index].pk if index < len(current) else None,
                description=normalize_text(step["description"]),
                weight=step["weight"],
                planned_start=step["planned_start"],
                planned_end=step["planned_end"],
            )
            for index, step in enumerate(formset.steps())
        ]
        old = [_step_row(step) for step in current]
        new = [_step_row(step) for step in steps]
        if old == new:
            return None
        step_label = _("Step")
        for index in range(max(len(old), len(new))):
            before = _show_step(old[index]) if index < len(old) else ""
            after = _show_step(new[index]) if index < len(new) else ""
            if before != after:
                result.changes.append(
                    Change(f"{step_label} {index + 1}", before, after)
                )
        if existing is not None and current and self._needs_revision(existing):
            self.preview.revisions.append(existing.code)
        return steps

    def _needs_revision(self, project: Project) -> bool:
        # services.plan_needs_revision, read from the bulk lookups.
        return project.pk in self.lookups.reported or bool(
            self.lookups.locked_quarters(project.fiscal_year, project.department_id)
        )

    def _finish(
        self,
        result: RowResult,
        project: Project,
        changed: Project | None,
        strategies: list | None,
        steps: list[services.StepValues] | None,
    ) -> None:
        if result.state == "error":
            self.preview.rows.append(result)
            return
        if result.state == "unchanged" and (changed is not None or steps is not None):
            result.state = "changed"
        if result.state != "unchanged":
            lock = self.lookups.year_lock(project.fiscal_year)
            if lock is not None:
                self.preview.issues.append(
                    Issue(result.sheet, result.row, _("Fiscal year"), lock.message)
                )
                result.state = "error"
        self.preview.rows.append(result)
        if result.state in ("new", "changed"):
            self.preview.writes.append(Write(result.code, changed, strategies, steps))


def _step_order(values: dict[str, str]) -> tuple[int, float]:
    try:
        return (0, float(values.get("number") or "inf"))
    except ValueError:
        return (1, 0.0)


def _step_row(step) -> tuple:
    return (step.description, step.weight, step.planned_start, step.planned_end)


def _show_step(row: tuple) -> str:
    description, weight, start, end = row
    return (
        f"{description} ({weight.normalize():f}%, "
        f"{thaicalendar.format_date(start, 'short')} – "
        f"{thaicalendar.format_date(end, 'short')})"
    )


class _IndicatorPreviewBuilder:
    """KPI definitions of the annual plan, checked by the KPI admin's form."""

    def __init__(
        self,
        table: Table,
        preview: Preview,
        lookups: _Lookups,
        new_projects: set[str],
    ) -> None:
        self.table = table
        self.preview = preview
        self.lookups = lookups
        self.new_projects = new_projects
        self.choices = {
            key: _choice_values(choices) for key, choices in INDICATOR_CHOICES.items()
        }
        codes = {values.get("code", "") for _n, values in table.rows} - {""}
        linked: set[str] = set()
        for _n, values in table.rows:
            linked.update(_codes(values.get("projects", "")))
        self.indicators: dict[str, Indicator] = {}
        self.project_ids: dict[str, int] = {}
        self.project_codes: dict[int, str] = {}
        for chunk in _chunks(codes):
            for indicator in Indicator.objects.filter(code__in=chunk).prefetch_related(
                Prefetch("projects", queryset=Project.objects.only("pk", "code"))
            ):
                self.indicators[indicator.code] = indicator
                for project in indicator.projects.all():
                    self.project_codes[project.pk] = project.code
        lookups.known.taken(
            Indicator,
            "code",
            codes,
            {code: indicator.pk for code, indicator in self.indicators.items()},
        )
        # The projects the KPIs link, for the form's choice of projects.
        rows: dict[int, Project] = {}
        for chunk in _chunks(linked):
            for project in Project.objects.filter(code__in=chunk):
                self.project_ids[project.code] = project.pk
                self.project_codes[project.pk] = project.code
                rows[project.pk] = project
        for chunk in _chunks(set(self.project_codes) - set(rows)):
            rows.update(
                (project.pk, project)
                for project in Project.objects.filter(pk__in=chunk)
            )
        self.project_rows = ReadOnceQuerySet.some(
            IndicatorForm.base_fields["projects"].queryset, rows.values()
        )

    def issue(self, row: int, key: str, message: str, severity: str = "error"):
        column = _label(INDICATOR_COLUMNS, key) if key else ""
        self.preview.issues.append(
            Issue(self.table.sheet, row, column, str(message), severity)
        )

    def build(self, progress: Callable[[int], None]) -> None:
        seen: set[str] = set()
        for done, (number, values) in enumerate(self.table.rows, start=1):
            if done % PROGRESS_EVERY == 0:
                progress(done)
            code = values.get("code", "")
            if code in seen:
                self.issue(
                    number,
                    "code",
                    _("This code is on an earlier row of the file too."),
                )
                self.preview.rows.append(
                    RowResult(self.table.sheet, number, code, "error")
                )
                continue
            seen.add(code)
            self._row(number, values)
        progress(len(self.table.rows))

    def _form_data(
        self, values: dict[str, str], existing: Indicator | None
    ) -> tuple[dict[str, Any], list[str]]:
        # A new KPI's choices the file leaves out take the model's defaults.
        data: dict[str, Any] = {
            name: Indicator._meta.get_field(name).default for name in INDICATOR_CHOICES
        }
        if existing is not None:
            # Columns the file leaves out keep the KPI's current values.
            data = {
                name: getattr(existing, name)
                for name in IndicatorForm.Meta.fields
                if name not in ("department", "projects")
            }
            data["target"] = str(existing.target)
            data["department"] = str(existing.department_id)
            data["projects"] = [str(p.pk) for p in existing.projects.all()]
            data["seen_version"] = str(existing.version)
        pending: list[str] = []
        for key, text in values.items():
            if key == "department":
                department = self.lookups.departments.get(text)
                data[key] = str(department.pk) if department else text
            elif key in self.choices:
                if text:  # a blank choice keeps the default or the current one
                    data[key] = self.choices[key].get(_header_key(text), text)
            elif key == "projects":
                data[key] = []
                for code in _codes(text):
                    if code in self.project_ids:
                        data[key].append(str(self.project_ids[code]))
                    elif code in self.new_projects:
                        pending.append(code)
                    else:
                        data[key].append(code)
            elif key == "target":
                data[key] = text.replace(",", "")
            else:
                data[key] = text
        return data, pending

    def _row(self, number: int, values: dict[str, str]) -> None:
        code = values.get("code", "")
        result = RowResult(self.table.sheet, number, code, "error")
        self.preview.rows.append(result)
        existing = self.indicators.get(code)
        data, pending = self._form_data(values, existing)
        form = IndicatorForm(data, instance=existing, known=self.lookups.known)
        form.fields["department"].queryset = self.lookups.department_rows
        form.fields["projects"].queryset = self.project_rows
        valid = form.is_valid()
        errors = form.errors.as_data()
        revising = any(error.code == "reason" for error in errors.get("reason", []))
        problems = {key: value for key, value in errors.items() if key != "reason"}
        if not valid and problems:
            for key, messages in problems.items():
                for error in messages:
                    for message in error.messages:
                        column = key if key in data or key == "__all__" else ""
                        self.issue(number, "" if key == "__all__" else column, message)
            return
        indicator = form.instance
        linked = list(form.cleaned_data["projects"])
        if existing is None:
            result.state = "new"
        else:
            result.changes = self._changes(form, linked, pending)
            result.state = "changed" if result.changes else "unchanged"
        if result.state == "unchanged":
            return
        lock = self.lookups.year_lock(indicator.fiscal_year)
        if lock is not None:
            self.issue(number, "fiscal_year", lock.message)
            result.state = "error"
            return
        if revising:
            self.preview.target_revisions.append(code)
        self.preview.writes.append(
            IndicatorWrite(
                code,
                indicator,
                existing.version if existing else None,
                linked,
                pending,
            )
        )

    def _changes(
        self, form: IndicatorForm, linked: list[Project], pending: list[str]
    ) -> list[Change]:
        changes = []
        for name in form.changed_data:
            if name in ("code", "reason", "seen_version", "projects"):
                continue
            label = _label(INDICATOR_COLUMNS, name)
            initial = form.initial.get(name)
            new = form.cleaned_data.get(name)
            if name == "department":
                old = self.lookups.department_codes.get(initial, "")
                changes.append(Change(label, old, new.code if new else ""))
            elif name in INDICATOR_CHOICES:
                labels = dict(INDICATOR_CHOICES[name])
                changes.append(
                    Change(label, str(labels.get(initial, "")), str(labels.get(new)))
                )
            else:
                changes.append(Change(label, _show(initial), _show(new)))
        old_codes = sorted(
            self.project_codes.get(getattr(pk, "pk", pk), "")
            for pk in form.initial.get("projects") or []
        )
        new_codes = sorted([project.code for project in linked] + pending)
        if old_codes != new_codes:
            changes.append(
                Change(
                    _label(INDICATOR_COLUMNS, "projects"),
                    ", ".join(old_codes),
                    ", ".join(new_codes),
                )
            )
        return changes


def _chunks(values: set[str]) -> Iterator[list[str]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def build_plan_preview(
    file: BinaryIO, filename: str, progress: ProgressCallback | None = None
) -> Preview:
    """Read an annual-plan file and say what importing it would do."""
    skipped: list[str] = []
    tables = read_tables(file, filename, PLAN_TABLES, skipped)
    progress = progress or (lambda stage, done: None)
    progress("read", sum(len(table.rows) for table in tables.values()))
    # The rows checked one by one, which the progress of the checks counts.
    checked = [
        len(tables[kind].rows) for kind in (PROJECTS, INDICATORS) if kind in tables
    ]
    progress(TO_CHECK, sum(checked))
    builder = _PlanPreviewBuilder(tables, filename, progress)
    preview = builder.build()
    if INDICATORS in tables:
        new_projects = {
            write.code
            for write in preview.writes
            if isinstance(write, Write)
            and write.project is not None
            and write.project.pk is None
        }
        done = len(tables[PROJECTS].rows) if PROJECTS in tables else 0
        _IndicatorPreviewBuilder(
            tables[INDICATORS], preview, builder.lookups, new_projects
        ).build(lambda rows: progress(INDICATORS, done + rows))
    preview.issues += skipped_warnings(skipped)
    return preview


def skipped_warnings(sheets: list[str]) -> list[Issue]:
    """A warning for each sheet that was not read."""
    return [
        Issue(
            sheet,
            1,
            "",
            _(
                "This sheet was not read: its headers are not those of the "
                "import's template."
            ),
            "warning",
        )
        for sheet in sheets
    ]


class ImportRefused(Exception):
    """The import was refused as a whole; nothing was written."""


def change_reason(filename: str) -> str:
    """The audit history's reason for the import's changes: the file's name, in
    the site's language whoever imported it."""
    with override(settings.LANGUAGE_CODE):
        return (_("Imported from %(file)s") % {"file": filename})[:REASON_LENGTH]


def commit_plan(
    preview: Preview,
    *,
    user,
    reason: str = "",
    confirmed: bool = False,
    progress: ProgressCallback | None = None,
) -> int:
    """Write a checked preview in one transaction through the services; all or none.

    Returns the number of projects written.
    """
    if preview.errors:
        raise ImportRefused(_("The file has errors; nothing was imported."))
    if preview.warnings and not confirmed:
        raise ImportRefused(_("Please check the warnings and confirm before saving."))
    if preview.needs_reason and not reason.strip():
        raise services.ReasonRequiredError
    progress = progress or (lambda stage, done: None)
    progress(TO_WRITE, len(preview.writes))
    # New projects are created in bulk; changes of saved ones and KPIs one by one.
    new = [write for write in preview.writes if _is_new_project(write)]
    others = [write for write in preview.writes if not _is_new_project(write)]
    with transaction.atomic(), services.change_reason(change_reason(preview.filename)):
        for start in range(0, len(new), PROGRESS_EVERY):
            chunk = new[start : start + PROGRESS_EVERY]
            try:
                services.create_projects(
                    items=[
                        services.NewProject(
                            write.project, write.strategies or [], write.steps or []
                        )
                        for write in chunk
                    ],
                    user=user,
                )
            except (
                services.RuleError,
                services.LockedError,
                services.DuplicateError,
            ) as error:
                raise ImportRefused(
                    _("%(code)s: %(error)s")
                    % {
                        "code": ", ".join(write.code for write in chunk[:5]),
                        "error": str(error) or _("a project with this code exists"),
                    }
                ) from error
            progress(COMMIT, start + len(chunk))
        new_indicators = [write for write in others if _is_new_indicator(write)]
        others = [write for write in others if not _is_new_indicator(write)]
        _create_indicators(new_indicators, user)
        for done, write in enumerate(
            others, start=len(preview.writes) - len(others) + 1
        ):
            try:
                if isinstance(write, IndicatorWrite):
                    _save_indicator(write, user, reason)
                else:
                    _save_project(write, user, reason)
            except (
                services.RuleError,
                services.LockedError,
                services.ConflictError,
                services.DuplicateError,
            ) as error:
                raise ImportRefused(
                    _("%(code)s: %(error)s")
                    % {
                        "code": write.code,
                        "error": str(error) or _("changed meanwhile"),
                    }
                ) from error
            if done % PROGRESS_EVERY == 0:
                progress(COMMIT, done)
    progress(COMMIT, len(preview.writes))
    return len(preview.writes)


def _is_new_project(write) -> bool:
    return (
        isinstance(write, Write)
        and write.project is not None
        and write.project.pk is None
    )


def _save_project(write: Write, user, reason: str) -> None:
    project = write.project
    if project is not None:
        services.save_project(project=project, user=user, strategies=write.strategies)
    else:
        project = Project.objects.get(code=write.code)
    if write.steps is not None:
        version = (
            Project.objects.filter(pk=project.pk)
            .values_list("plan_version", flat=True)
            .get()
        )
        services.save_plan(
            project=project,
            user=user,
            steps=write.steps,
            version=version,
            reason=reason,
        )


def _is_new_indicator(write) -> bool:
    return isinstance(write, IndicatorWrite) and write.indicator.pk is None


def _create_indicators(writes: list[IndicatorWrite], user) -> None:
    codes = {code for write in writes for code in write.new_project_codes}
    created: dict[str, Project] = {}
    for chunk in _chunks(codes):
        created.update(
            (project.code, project)
            for project in Project.objects.filter(code__in=chunk).only("pk", "code")
        )
    try:
        indicator_services.create_indicators(
            items=[
                (
                    write.indicator,
                    [*write.projects, *(created[c] for c in write.new_project_codes)],
                )
                for write in writes
            ],
            user=user,
        )
    except indicator_services.DuplicateError as error:
        raise ImportRefused(
            _("%(code)s: %(error)s")
            % {
                "code": ", ".join(write.code for write in writes[:5]),
                "error": _("a KPI with this code exists"),
            }
        ) from error


def _save_indicator(write: IndicatorWrite, user, reason: str) -> None:
    links = list(write.projects)
    if write.new_project_codes:
        # Projects the same file created, saved earlier in this transaction.
        links += Project.objects.filter(code__in=write.new_project_codes)
    indicator_services.save_indicator(
        indicator=write.indicator,
        user=user,
        reason=reason,
        version=write.version,
        projects=links,
    )


# The template


def _yes_no_words() -> list[str]:
    return [_("Yes"), _("No")]


def plan_template() -> io.BytesIO:
    """The annual plan's .xlsx template: headers in Thai and English, an example
    row (starting with #, so it is skipped), and drop-down lists."""
    workbook = Workbook()
    lists = workbook.create_sheet(_("Lists"))
    departments = list(
        Department.objects.order_by("code").values_list("code", "name_th")
    )
    kinds = [str(label) for _value, label in Project.Kind.choices]
    for row, (code, name) in enumerate(departments, start=1):
        lists.cell(row=row, column=1, value=code)
        lists.cell(row=row, column=2, value=name)
    for row, label in enumerate(kinds, start=1):
        lists.cell(row=row, column=3, value=label)
    for row, word in enumerate(_yes_no_words(), start=1):
        lists.cell(row=row, column=4, value=word)
    # The KPI sheet's lists: kinds, levels, aggregations, directions.
    kpi_lists = {}
    for column, key in enumerate(INDICATOR_CHOICES, start=5):
        labels = [str(label) for _value, label in INDICATOR_CHOICES[key]]
        for row, label in enumerate(labels, start=1):
            lists.cell(row=row, column=column, value=label)
        letter = get_column_letter(column)
        kpi_lists[key] = f"'{{lists}}'!${letter}$1:${letter}${len(labels)}"
    lists.sheet_state = "hidden"
    sheets = {
        PROJECTS: workbook.active,
        STEPS: workbook.create_sheet(str(TABLE_TITLES[STEPS]), 1),
        INDICATORS: workbook.create_sheet(str(TABLE_TITLES[INDICATORS]), 2),
    }
    sheets[PROJECTS].title = str(TABLE_TITLES[PROJECTS])
    example_department = departments[0][0] if departments else "21000000"
    fiscal_year = thaicalendar.fiscal_year_of(date.today())
    start, end = thaicalendar.fiscal_year_bounds(fiscal_year)
    examples = {
        PROJECTS: {
            "code": f"{COMMENT}{example_department}-1001",
            "name_th": _("Example: road repair project"),
            "kind": kinds[0],
            "department": example_department,
            "fiscal_year": fiscal_year,
            "officer_name": _("Example officer"),
            "budget_amount": 1500000,
            "objectives": _("First objective") + "\n" + _("Second objective"),
            "is_routine": _("No"),
        },
        STEPS: {
            "project": f"{COMMENT}{example_department}-1001",
            "number": 1,
            "description": _("Example: survey the roads"),
            "weight": 100,
            "planned_start": thaicalendar.to_input(start),
            "planned_end": thaicalendar.to_input(end),
        },
        INDICATORS: {
            "code": f"{COMMENT}{example_department[:4]}-1",
            "name_th": _("Example: roads repaired on time"),
            "unit": "ร้อยละ",
            "target": 80,
            "kind": str(INDICATOR_CHOICES["kind"][0][1]),
            "level": str(INDICATOR_CHOICES["level"][0][1]),
            "department": example_department,
            "fiscal_year": fiscal_year,
            "aggregation": str(INDICATOR_CHOICES["aggregation"][0][1]),
            "direction": str(INDICATOR_CHOICES["direction"][0][1]),
            "projects": f"{example_department}-1001",
        },
    }
    grey = Font(italic=True, color="666666")
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for kind, sheet in sheets.items():
        columns = TABLE_COLUMNS[kind]
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=index, value=column.title())
            cell.font = Font(bold=True)
            cell.fill = header_fill
            sheet.column_dimensions[get_column_letter(index)].width = column.width
            example = examples[kind].get(column.key)
            cell = sheet.cell(row=2, column=index, value=example)
            cell.font = grey
        sheet.freeze_panes = "A2"
    letters = {
        column.key: get_column_letter(index)
        for index, column in enumerate(PROJECT_COLUMNS, start=1)
    }
    lists_name = lists.title
    for key, source in (
        ("department", f"'{lists_name}'!$A$1:$A${max(len(departments), 1)}"),
        ("kind", f"'{lists_name}'!$C$1:$C${len(kinds)}"),
        ("is_routine", f"'{lists_name}'!$D$1:$D$2"),
    ):
        validation = DataValidation(
            type="list", formula1=f"={source}", allow_blank=True
        )
        validation.add(f"{letters[key]}3:{letters[key]}20000")
        sheets[PROJECTS].add_data_validation(validation)
    kpi_letters = {
        column.key: get_column_letter(index)
        for index, column in enumerate(INDICATOR_COLUMNS, start=1)
    }
    kpi_lists["department"] = f"'{{lists}}'!$A$1:$A${max(len(departments), 1)}"
    for key, source in kpi_lists.items():
        validation = DataValidation(
            type="list",
            formula1="=" + source.format(lists=lists_name),
            allow_blank=True,
        )
        letter = kpi_letters[key]
        validation.add(f"{letter}3:{letter}5000")
        sheets[INDICATORS].add_data_validation(validation)
    file = io.BytesIO()
    workbook.save(file)
    file.seek(0)
    return file


# A month's progress of one department


@dataclass
class MonthWrite:
    """A progress report to save: new (update None) or a change of one."""

    code: str
    project: Project
    values: dict
    update: ProgressUpdate | None
    version: int | None


# Which column a warning of the progress form is about.
WARNING_COLUMNS = {
    "behind_no_problems": "problems",
    "disbursed_down": "disbursed",
    "disbursed_over_allocation": "disbursed",
}


class _MonthPreviewBuilder:
    def __init__(
        self,
        table: Table,
        filename: str,
        department: Department,
        today: date,
        progress: ProgressCallback | None,
    ) -> None:
        self.table = table
        self.department = department
        self.today = today
        self.preview = Preview(filename)
        self.progress = progress or (lambda stage, done: None)
        codes = {values.get("project", "") for _n, values in table.rows}
        self.projects = {
            project.code: project
            for project in Project.objects.filter(department=department, code__in=codes)
        }
        self.steps: dict[int, list[PlanStep]] = defaultdict(list)
        for step in PlanStep.objects.filter(project__in=self.projects.values()):
            self.steps[step.project_id].append(step)
        self.updates: dict[int, list[ProgressUpdate]] = defaultdict(list)
        for update in ProgressUpdate.objects.filter(project__in=self.projects.values()):
            self.updates[update.project_id].append(update)
        self._locks: dict[int, dict] = {}

    def issue(self, row: int, key: str, message: str, severity: str = "error"):
        self.preview.issues.append(
            Issue(
                self.table.sheet,
                row,
                _label(MONTH_COLUMNS, key) if key else "",
                str(message),
                severity,
            )
        )

    def lock(self, project: Project, day: date) -> access.Lock | None:
        if thaicalendar.fiscal_year_of(day) != project.fiscal_year:
            return None  # the form says the date is outside the year
        if project.fiscal_year not in self._locks:
            self._locks[project.fiscal_year] = access.quarter_locks(
                project.fiscal_year, self.department.pk
            )
        return self._locks[project.fiscal_year].get(thaicalendar.quarter_of(day))

    def build(self) -> Preview:
        # Rows earlier in the file count as reports the later rows are checked
        # against (a duplicate date, a fall in %), as saved reports do.
        pending: dict[int, list[ProgressUpdate]] = defaultdict(list)
        for done, (number, values) in enumerate(self.table.rows, start=1):
            self._row(number, values, pending)
            if done % PROGRESS_EVERY == 0:
                self.progress(MONTH, done)
        self.progress(MONTH, len(self.table.rows))
        return self.preview

    def _row(
        self,
        number: int,
        values: dict[str, str],
        pending: dict[int, list[ProgressUpdate]],
    ) -> None:
        code = values.get("project", "")
        result = RowResult(self.table.sheet, number, code, "error")
        self.preview.rows.append(result)
        project = self.projects.get(code)
        if project is None:
            self.issue(
                number,
                "project",
                _("%(department)s has no project with the code %(code)s.")
                % {"department": self.department.name, "code": code},
            )
            return
        try:
            day = thaicalendar.parse_date(values.get("report_date", ""))
        except thaicalendar.DateInputError:
            day = None
        saved = self.updates[project.pk]
        existing = next((u for u in saved if u.report_date == day), None)
        others = [*saved, *pending[project.pk]]
        data = {key: values.get(key, "") for key in MONTH_VALUES}
        # The file's warnings are confirmed once for the whole file.
        data["confirm"] = "on"
        before = {}
        if existing is not None:
            # The form writes the file's values into the instance it checks.
            before = {key: getattr(existing, key) for key in MONTH_VALUES}
            data["version"] = str(existing.version)
            for key in MONTH_KEPT:
                if key not in self.table.columns:
                    value = getattr(existing, key)
                    data[key] = "" if value is None else value
        form = ProgressUpdateForm(
            data,
            instance=existing,
            project=project,
            today=self.today,
            steps=self.steps[project.pk],
            others=others,
        )
        if not form.is_valid():
            for key, messages in form.errors.items():
                for message in messages:
                    column = key if key in MONTH_VALUES else ""
                    self.issue(number, column, message)
            return
        values_ = {name: form.cleaned_data[name] for name in form.Meta.fields}
        lock = self.lock(project, values_["report_date"])
        if lock is not None:
            self.issue(number, "report_date", lock.message)
            return
        for flag in form.warnings:
            column = WARNING_COLUMNS.get(flag.code, "percent")
            self.issue(number, column, flag.message, "warning")
        # Later rows see this one, numbered below any saved report.
        pending[project.pk].append(
            ProgressUpdate(
                pk=-number,
                project=project,
                report_date=values_["report_date"],
                percent=values_["percent"],
                problems=values_["problems"],
                disbursed=values_["disbursed"],
            )
        )
        if existing is None:
            result.state = "new"
        else:
            result.changes = _update_changes(before, values_)
            result.state = "changed" if result.changes else "unchanged"
        if result.state != "unchanged":
            self.preview.writes.append(
                MonthWrite(
                    code,
                    project,
                    values_,
                    existing,
                    existing.version if existing else None,
                )
            )


def _update_changes(before: dict, values: dict) -> list[Change]:
    """The cells of a saved report the file changes, compared as they are stored
    (normalised text, "ไม่มี" as empty, numbers by value)."""
    changes = []
    for name, value in values.items():
        stored = ProgressUpdate._meta.get_field(name).to_python(value)
        old = before[name]
        if stored != old:
            changes.append(
                Change(_label(MONTH_COLUMNS, name), _show(old), _show(stored))
            )
    return changes


@dataclass
class KpiWrite:
    """A KPI quarter result to save: new (result None) or a change of one."""

    code: str
    indicator: Indicator
    quarter: int
    values: dict
    result: IndicatorResult | None
    version: int | None


class _KpiPreviewBuilder:
    """KPI quarter results of the department, checked by IndicatorResultForm."""

    def __init__(
        self, table: Table, preview: Preview, department: Department, today: date
    ) -> None:
        self.table = table
        self.preview = preview
        self.department = department
        self.today = today
        codes = {values.get("indicator", "") for _n, values in table.rows}
        self.indicators = {
            indicator.code: indicator
            for indicator in Indicator.objects.filter(
                department=department, code__in=codes
            )
        }
        self.results = {
            (result.indicator_id, result.quarter): result
            for result in IndicatorResult.objects.filter(
                indicator__in=self.indicators.values()
            )
        }
        self._locks: dict[int, dict] = {}

    def issue(self, row: int, key: str, message: str, severity: str = "error"):
        column = _label(KPI_COLUMNS, key) if key else ""
        self.preview.issues.append(
            Issue(self.table.sheet, row, column, str(message), severity)
        )

    def build(self) -> None:
        seen: set[tuple[str, str]] = set()
        for number, values in self.table.rows:
            key = (values.get("indicator", ""), values.get("quarter", ""))
            if key in seen:
                self.issue(
                    number,
                    "quarter",
                    _("This code is on an earlier row of the file too."),
                )
                self.preview.rows.append(
                    RowResult(self.table.sheet, number, key[0], "error")
                )
                continue
            seen.add(key)
            self._row(number, values)

    def _row(self, number: int, values: dict[str, str]) -> None:
        code = values.get("indicator", "")
        result = RowResult(self.table.sheet, number, code, "error")
        self.preview.rows.append(result)
        indicator = self.indicators.get(code)
        if indicator is None:
            self.issue(
                number,
                "indicator",
                _("%(department)s has no KPI with the code %(code)s.")
                % {"department": self.department.name, "code": code},
            )
            return
        try:
            quarter = int(values.get("quarter", ""))
        except ValueError:
            quarter = 0
        if quarter not in (1, 2, 3, 4):
            self.issue(number, "quarter", _("A quarter is 1, 2, 3 or 4."))
            return
        existing = self.results.get((indicator.pk, quarter))
        data = {key: values.get(key, "") for key in KPI_VALUES}
        data["confirm"] = "on"
        before = {}
        if existing is not None:
            before = {key: getattr(existing, key) for key in KPI_VALUES}
            data["version"] = str(existing.version)
            if "report" not in self.table.columns:
                data["report"] = existing.report
        form = IndicatorResultForm(
            data,
            instance=existing,
            indicator=indicator,
            quarter=quarter,
            today=self.today,
        )
        if not form.is_valid():
            for key, messages in form.errors.items():
                for message in messages:
                    self.issue(number, key if key in KPI_VALUES else "", message)
            return
        lock = self._lock(indicator, quarter)
        if lock is not None:
            self.issue(number, "quarter", lock.message)
            return
        for flag in form.warnings:
            self.issue(number, "value", flag.message, "warning")
        values_ = {name: form.cleaned_data[name] for name in form.Meta.fields}
        if existing is None:
            result.state = "new"
        else:
            result.changes = [
                Change(_label(KPI_COLUMNS, name), _show(before[name]), _show(stored))
                for name, value in values_.items()
                if (stored := IndicatorResult._meta.get_field(name).to_python(value))
                != before[name]
            ]
            result.state = "changed" if result.changes else "unchanged"
        if result.state != "unchanged":
            self.preview.writes.append(
                KpiWrite(
                    code,
                    indicator,
                    quarter,
                    values_,
                    existing,
                    existing.version if existing else None,
                )
            )

    def _lock(self, indicator: Indicator, quarter: int) -> access.Lock | None:
        if indicator.fiscal_year not in self._locks:
            self._locks[indicator.fiscal_year] = access.quarter_locks(
                indicator.fiscal_year, self.department.pk
            )
        return self._locks[indicator.fiscal_year].get(quarter)


def build_month_preview(
    file: BinaryIO,
    filename: str,
    *,
    department: Department,
    today: date,
    progress: ProgressCallback | None = None,
) -> Preview:
    """Read a department's monthly progress file and say what importing it does."""
    skipped: list[str] = []
    tables = read_tables(file, filename, MONTH_TABLES, skipped)
    empty = Table(MONTH, "", [])
    if progress:
        progress(TO_CHECK, len(tables.get(MONTH, empty).rows))
    preview = _MonthPreviewBuilder(
        tables.get(MONTH, empty), filename, department, today, progress
    ).build()
    if KPI in tables:
        _KpiPreviewBuilder(tables[KPI], preview, department, today).build()
    preview.issues += skipped_warnings(skipped)
    return preview


def commit_month(
    preview: Preview, *, user, confirmed: bool, progress: ProgressCallback | None = None
) -> int:
    """Write a checked monthly preview through save_update in one transaction."""
    if preview.errors:
        raise ImportRefused(_("The file has errors; nothing was imported."))
    if preview.warnings and not confirmed:
        raise ImportRefused(_("Please check the warnings and confirm before saving."))
    progress = progress or (lambda stage, done: None)
    progress(TO_WRITE, len(preview.writes))
    with transaction.atomic(), services.change_reason(change_reason(preview.filename)):
        for done, write in enumerate(preview.writes, start=1):
            try:
                if isinstance(write, KpiWrite):
                    indicator_services.save_result(
                        indicator=write.indicator,
                        quarter=write.quarter,
                        user=user,
                        values=write.values,
                        result=write.result,
                        version=write.version,
                    )
                else:
                    services.save_update(
                        project=write.project,
                        user=user,
                        values=write.values,
                        update=write.update,
                        version=write.version,
                    )
            except (
                services.LockedError,
                services.ConflictError,
                services.DuplicateError,
            ) as error:
                raise ImportRefused(
                    _("%(code)s: %(error)s")
                    % {
                        "code": write.code,
                        "error": str(error) or _("changed meanwhile"),
                    }
                ) from error
            if done % PROGRESS_EVERY == 0:
                progress(COMMIT, done)
    return len(preview.writes)


def month_template(department: Department, fiscal_year: int) -> io.BytesIO:
    """The monthly progress template of a department, one row per project of the
    fiscal year with its latest report; rows left without figures are skipped."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(TABLE_TITLES[MONTH])
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(MONTH_COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.title())
        cell.font = Font(bold=True)
        cell.fill = header_fill
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    grey = Font(italic=True, color="666666")
    example = [
        f"{COMMENT}{department.code}-1001",
        _("Example: road repair project"),
        "",
        "30/11/2563",
        35.5,
        250000,
        "",
        _("Example: surveyed 12 roads"),
        "ไม่มี",
        "-",
    ]
    for index, value in enumerate(example, start=1):
        sheet.cell(row=2, column=index, value=value).font = grey
    latest: dict[int, ProgressUpdate] = {}
    for update in ProgressUpdate.objects.filter(
        project__department=department, project__fiscal_year=fiscal_year
    ).order_by("project_id", "report_date"):
        latest[update.project_id] = update
    projects = Project.objects.filter(
        department=department, fiscal_year=fiscal_year
    ).order_by("code")
    for row, project in enumerate(projects, start=3):
        sheet.cell(row=row, column=1, value=project.code)
        sheet.cell(row=row, column=2, value=project.name_th)
        update = latest.get(project.pk)
        if update is not None:
            sheet.cell(
                row=row,
                column=3,
                value=f"{thaicalendar.format_date(update.report_date, 'short')}: "
                f"{update.percent}%",
            )
    validation = DataValidation(
        type="decimal", operator="between", formula1="0", formula2="100"
    )
    validation.add("E3:E20000")
    sheet.add_data_validation(validation)
    amounts = DataValidation(
        type="decimal", operator="greaterThanOrEqual", formula1="0"
    )
    amounts.add("F3:G20000")
    sheet.add_data_validation(amounts)
    sheet.freeze_panes = "C2"
    kpis = workbook.create_sheet(str(TABLE_TITLES[KPI]))
    for index, column in enumerate(KPI_COLUMNS, start=1):
        cell = kpis.cell(row=1, column=index, value=column.title())
        cell.font = Font(bold=True)
        cell.fill = header_fill
        kpis.column_dimensions[get_column_letter(index)].width = column.width
    indicators = Indicator.objects.filter(
        department=department, fiscal_year=fiscal_year
    ).order_by("code")
    for row, indicator in enumerate(indicators, start=2):
        kpis.cell(row=row, column=1, value=indicator.code)
        kpis.cell(row=row, column=2, value=indicator.name_th)
    quarters = DataValidation(type="list", formula1='"1,2,3,4"', allow_blank=True)
    quarters.add("C2:C5000")
    kpis.add_data_validation(quarters)
    file = io.BytesIO()
    workbook.save(file)
    file.seek(0)
    return file
