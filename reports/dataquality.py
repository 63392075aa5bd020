"""Every data-quality flag of a fiscal year, grouped by department.

The rules are projects.quality's, the same the project and KPI pages show; this
module only gathers the facts they need for many projects and KPIs at once, in a
constant number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from indicators.models import EvaluationCriterion, Indicator
from projects import progress, quality, thaicalendar
from projects.models import (
    Department,
    PlanStep,
    ProgressUpdate,
    Project,
    ProjectEvaluation,
)

# Every flag the rules raise, in the order the summary lists them, with where on
# the project page it is fixed (KPI flags are fixed on the KPI page).
RULES = {
    "date_future": _("Report dated in the future"),
    "date_outside_year": _("Report dated outside the fiscal year"),
    "no_plan": _("Reported without a work plan"),
    "weights_total": _("Plan weights not totalling 100%"),
    "all_milestones": _("Plan of one-day steps only"),
    "percent_down": _("Progress going down"),
    "percent_jump": _("Progress jumping over 50 points"),
    "behind_no_problems": _("Behind plan, no problems given"),
    "scored_no_report": _("Project scored without a report"),
    "percent_over_100": _("KPI percentage above 100"),
    "over_target": _("KPI value over 5 times its target"),
    "scored_no_result": _("KPI scored without a result"),
}
ANCHORS = {
    "no_plan": "plan-heading",
    "weights_total": "plan-heading",
    "all_milestones": "plan-heading",
    "scored_no_report": "evaluation-heading",
    "disbursed_over_allocation": "money",
    "done_little_disbursed": "money",
    "spent_little_progress": "money",
}
UPDATES_ANCHOR = "updates-heading"


@dataclass(frozen=True)
class FlagRow:
    """One flag on one project or KPI, with the page where it is put right."""

    subject_code: str
    subject_name: str
    url: str
    flag: quality.Flag
    is_indicator: bool = False


@dataclass
class DepartmentFlags:
    department: Department
    rows: list[FlagRow] = field(default_factory=list)

    def counts(self) -> list[int]:
        """The number of flags of each rule, in RULES order."""
        tally: dict[str, int] = defaultdict(int)
        for row in self.rows:
            tally[row.flag.code] += 1
        return [tally[code] for code in RULES]


def _project_url(project: Project, code: str) -> str:
    return f"{project.get_absolute_url()}#{ANCHORS.get(code, UPDATES_ANCHOR)}"


def collect(
    fiscal_year: int, departments: QuerySet, on: date, today: date
) -> list[DepartmentFlags]:
    """The flags of every project and KPI of the year in the departments.

    Departments without a flag are left out; the rest come in code order, each
    with its projects' flags (by code) and then its KPIs'. Ten queries.
    """
    lang = get_language() or "th"
    mine = {"project__fiscal_year": fiscal_year, "project__department__in": departments}
    steps: dict[int, list[tuple]] = defaultdict(list)
    for project_id, *step in (
        PlanStep.objects.filter(**mine)
        .order_by("project_id", "number")
        .values_list("project_id", "weight", "planned_start", "planned_end")
    ):
        steps[project_id].append(tuple(step))
    updates: dict[int, list[tuple]] = defaultdict(list)
    disbursed: dict[int, list] = defaultdict(list)
    for project_id, *update in (
        ProgressUpdate.objects.filter(**mine)
        .order_by("project_id", "report_date")
        .values_list("project_id", "report_date", "percent", "problems", "disbursed")
    ):
        updates[project_id].append(tuple(update[:3]))
        disbursed[project_id].append(update[3])
    scored: dict[int, list[int]] = defaultdict(list)
    for project_id, quarter in (
        ProjectEvaluation.objects.filter(**mine)
        .order_by("project_id", "quarter")
        .values_list("project_id", "quarter")
    ):
        scored[project_id].append(quarter)

    groups: dict[int, DepartmentFlags] = {}

    def group(department: Department) -> DepartmentFlags:
        if department.pk not in groups:
            groups[department.pk] = DepartmentFlags(department)
        return groups[department.pk]

    projects = (
        Project.objects.for_fiscal_year(fiscal_year)
        .filter(department__in=departments)
        .select_related("department")
        .with_progress(on)
        .order_by("code")
    )
    for project in projects:
        for flag in quality.project_flags(
            fiscal_year=fiscal_year,
            behind=project.status == progress.Status.BEHIND,
            steps=steps[project.pk],
            updates=updates[project.pk],
            quarters_scored=scored[project.pk],
            today=today,
            allocation=project.budget_amount,
            disbursed=disbursed[project.pk],
        ):
            group(project.department).rows.append(
                FlagRow(
                    project.code, project.name, _project_url(project, flag.code), flag
                )
            )

    criteria = list(EvaluationCriterion.objects.filter(fiscal_year=fiscal_year))
    indicators = (
        Indicator.objects.for_fiscal_year(fiscal_year)
        .filter(department__in=departments)
        .for_page()
        .order_by("code")
    )
    for indicator in indicators:
        for row in indicator.quarter_rows(criteria):
            quarter = thaicalendar.format_quarter(fiscal_year, row.quarter, lang)
            for flag in row.flags:
                group(indicator.department).rows.append(
                    FlagRow(
                        indicator.code,
                        indicator.name,
                        indicator.get_absolute_url(),
                        quality.Flag(
                            flag.code, f"{quarter}: {flag.message}", flag.severity
                        ),
                        is_indicator=True,
                    )
                )
    return sorted(groups.values(), key=lambda group: group.department.code)
