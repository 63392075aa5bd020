"""Django admin for departments, the strategy tree, projects and their parts."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.forms import UserChangeForm
from django.db import models
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from projects import access, services, thaicalendar
from projects.cache import bump_data_version
from projects.fields import TextListFormField
from projects.forms import ProgressUpdateForm, ProjectForm, ThaiDateField, ThaiDateInput
from projects.models import (
    BudgetCategory,
    BudgetLine,
    Department,
    DisbursementPlan,
    FiscalYearReopening,
    PlanRevision,
    PlanStep,
    Profile,
    ProgressUpdate,
    Project,
    ProjectEvaluation,
    QuarterLock,
    StrategyNode,
)
from projects.text import normalize_text

admin.site.site_header = _("BMA project progress portal")
admin.site.site_title = _("Project progress portal")
admin.site.index_title = _("Administration")


class NormalizedSearchMixin:
    """Searches for the text as it is stored, so a pasted สํานัก finds สำนัก."""

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        return super().get_search_results(
            request, queryset, normalize_text(search_term)
        )


class DataVersionMixin:
    """Every save and delete in the admin makes the cached pages stale (cache.py)."""

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        bump_data_version()

    def delete_model(self, request: HttpRequest, obj) -> None:
        super().delete_model(request, obj)
        bump_data_version()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        super().delete_queryset(request, queryset)
        bump_data_version()

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        bump_data_version()


class PortalModelAdmin(DataVersionMixin, NormalizedSearchMixin, SimpleHistoryAdmin):
    """The admin of the portal's models: dates typed and shown in the Buddhist era,
    as on every other form of the portal."""

    formfield_overrides = {
        models.DateField: {"form_class": ThaiDateField, "widget": ThaiDateInput}
    }


class ReadOnlyAdminMixin:
    """Records written only through the portal's own pages, where their rules and
    audit live (the work plan editor, scoring, locking): the admin shows them."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


def be_date(name: str, label: str) -> Callable[[Any], str]:
    """A column (a ModelAdmin method) showing a date field in the Buddhist era."""

    @admin.display(description=label, ordering=name)
    def column(_admin, obj) -> str:
        value = getattr(obj, name)
        if value is None:
            return "–"
        return thaicalendar.format_date(
            thaicalendar.local_date(value), "short", get_language() or "th"
        )

    return column


class ProjectAdminForm(ProjectForm):
    """The portal's project form (its rules: ASCII codes, a fiscal year that
    cannot move under dated work, an earlier predecessor) with the admin's widgets."""

    objectives = TextListFormField(
        label=_("objectives"), required=False, help_text=_("One objective per line.")
    )
    targets = TextListFormField(
        label=_("targets"), required=False, help_text=_("One target per line.")
    )

    class Meta:
        model = Project
        fields = [
            "code",
            "name_th",
            "name_en",
            "kind",
            "department",
            "fiscal_year",
            "officer_name",
            "officer_contact",
            "budget_owner_unit",
            "budget_implementing_unit",
            "budget_amount",
            "citizen_benefit",
            "rationale",
            "objectives",
            "targets",
            "is_routine",
            "strategies",
            "predecessor",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, departments=Department.objects.all(), **kwargs)


@admin.register(Department)
class DepartmentAdmin(PortalModelAdmin):
    list_display = ["code", "name_th", "name_en", "short_name", "kind", "parent"]
    list_filter = ["kind"]
    list_select_related = ["parent"]
    search_fields = ["code", "name_th", "name_en", "short_name"]
    autocomplete_fields = ["parent"]
    filter_horizontal = ["members", "approvers"]


@admin.register(StrategyNode)
class StrategyNodeAdmin(PortalModelAdmin):
    list_display = ["code", "title_th", "level", "parent"]
    list_filter = ["level"]
    list_select_related = ["parent"]
    search_fields = ["code", "title_th", "title_en"]
    autocomplete_fields = ["parent"]


def record_user_on_new_rows(
    formset: BaseInlineFormSet, user: AbstractBaseUser, field_name: str
) -> None:
    """Mark the rows added in an inline as written by the person saving them."""
    for form in formset.extra_forms:
        setattr(form.instance, field_name, user)


class PlanStepInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PlanStep
    extra = 0
    fields = ["number", "description", "weight", "start", "end"]
    readonly_fields = fields
    start = be_date("planned_start", _("planned start"))
    end = be_date("planned_end", _("planned end"))

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("project")


class PlanRevisionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PlanRevision
    extra = 0
    fields = ["number", "valid_from_be", "valid_until_be", "reason", "author"]
    readonly_fields = fields
    valid_from_be = be_date("valid_from", _("in force from"))
    valid_until_be = be_date("valid_until", _("superseded on"))

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("project", "author")


class BudgetLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The allocation lines, written on the portal's budget page (save_budget)."""

    model = BudgetLine
    extra = 0
    fields = ["number", "category", "amount", "source"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("project", "category")


class DisbursementPlanInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = DisbursementPlan
    extra = 0
    fields = [
        "number",
        "valid_from_be",
        "valid_until_be",
        "follows_work_plan",
        "reason",
        "author",
    ]
    readonly_fields = fields
    valid_from_be = be_date("valid_from", _("in force from"))
    valid_until_be = be_date("valid_until", _("superseded on"))

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("project", "author")


class ProgressUpdateInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ProgressUpdate
    extra = 0
    fields = ["day", "percent", "disbursed", "done", "author"]
    readonly_fields = fields
    show_change_link = True
    day = be_date("report_date", _("report date"))

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("project", "author")


class ProjectEvaluationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ProjectEvaluation
    extra = 0
    fields = ["quarter", "score", "comment", "evaluator"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("project", "evaluator")


@admin.register(Project)
class ProjectAdmin(PortalModelAdmin):
    form = ProjectAdminForm
    list_display = [
        "code",
        "name_th",
        "kind",
        "department",
        "fiscal_year",
        "officer_name",
    ]
    list_filter = [
        "fiscal_year",
        "kind",
        "is_routine",
        "department__kind",
        "department",
    ]
    list_select_related = ["department"]
    search_fields = ["code", "name_th", "name_en", "officer_name"]
    autocomplete_fields = ["department", "predecessor", "strategies"]
    inlines = [
        PlanStepInline,
        PlanRevisionInline,
        BudgetLineInline,
        DisbursementPlanInline,
        ProgressUpdateInline,
        ProjectEvaluationInline,
    ]
    readonly_fields = ["portal_links"]
    date_hierarchy = "created_at"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "code",
                    "name_th",
                    "name_en",
                    "kind",
                    "department",
                    "fiscal_year",
                ]
            },
        ),
        (_("Responsible officer"), {"fields": ["officer_name", "officer_contact"]}),
        (
            _("Budget"),
            {
                "fields": [
                    "budget_owner_unit",
                    "budget_implementing_unit",
                    "budget_amount",
                ]
            },
        ),
        (
            _("Content"),
            {"fields": ["citizen_benefit", "rationale", "objectives", "targets"]},
        ),
        (_("Strategy"), {"fields": ["is_routine", "strategies", "predecessor"]}),
        (_("In the portal"), {"fields": ["portal_links"]}),
    ]

    def get_deleted_objects(self, objs, request: HttpRequest):
        """A project goes with its plan, revisions, reports and scores (read-only
        here on their own), unless one of its reports or scores lies in a locked
        quarter or a closed year: those are listed as protected, and nothing is
        deleted until an evaluator reopens them."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        parts = {
            model._meta.verbose_name
            for model in (PlanStep, PlanRevision, ProgressUpdate, ProjectEvaluation)
        }
        perms_needed = {name for name in perms_needed if name not in parts}
        for project in objs:
            protected += locked_records(project)
        return deleted, counts, perms_needed, protected

    @admin.display(description=_("work plan, reports and scores"))
    def portal_links(self, obj: Project) -> str:
        """The portal's own pages, where the plan, reports and scores are written
        under their rules (weights, revisions, locks, versions)."""
        if not obj.pk:
            return "–"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>'
            ' · <a href="{}">{}</a>',
            obj.get_absolute_url(),
            gettext("Project page"),
            reverse("projects:plan-edit", args=[obj.code]),
            gettext("Edit the work plan"),
            reverse("projects:budget-edit", args=[obj.code]),
            gettext("Edit the budget and disbursement plan"),
            reverse("projects:update-create", args=[obj.code]),
            gettext("Report progress"),
        )


@admin.register(BudgetCategory)
class BudgetCategoryAdmin(PortalModelAdmin):
    """The budget categories the city uses: data admins keep, never hard-coded.
    A category in use cannot be deleted (its lines protect it): retire it."""

    list_display = ["code", "name_th", "name_en", "order", "active"]
    list_editable = ["order", "active"]
    search_fields = ["code", "name_th", "name_en"]


@admin.register(PlanStep)
class PlanStepAdmin(ReadOnlyAdminMixin, PortalModelAdmin):
    """Steps are changed as a whole plan in the portal's plan editor, where the
    weights must total 100 and a plan with reports is revised, not rewritten."""

    list_display = ["project", "number", "weight", "start", "end"]
    start = be_date("planned_start", _("planned start"))
    end = be_date("planned_end", _("planned end"))
    list_filter = ["project__fiscal_year", "project__department"]
    list_select_related = ["project"]
    search_fields = ["project__code", "project__name_th", "description"]
    raw_id_fields = ["project"]


def locked_records(project: Project) -> list[str]:
    """The project's reports and scores that lie in read-only quarters."""
    locks = access.quarter_locks(project.fiscal_year, project.department_id)
    if not locks:
        return []
    found = [
        f"{update._meta.verbose_name}: {update}"
        for update in project.updates.all()
        if thaicalendar.fiscal_year_of(update.report_date) == project.fiscal_year
        and thaicalendar.quarter_of(update.report_date) in locks
    ]
    found += [
        f"{evaluation._meta.verbose_name}: {evaluation}"
        for evaluation in project.evaluations.all()
        if evaluation.quarter in locks
    ]
    if found:
        found.insert(0, str(next(iter(locks.values())).message))
    return found


class ProgressUpdateAdminForm(ProgressUpdateForm):
    """The portal's update form (dates in the fiscal year and not ahead, one report
    a date, a plan totalling 100, warnings to confirm) with the project to choose."""

    # The model's version is not editable, so the version the form was opened at
    # travels under another name.
    version = None
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta(ProgressUpdateForm.Meta):
        fields = ["project", *ProgressUpdateForm.Meta.fields]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        instance = kwargs.get("instance")
        data = args[0] if args else kwargs.get("data")
        project = instance.project if instance is not None and instance.pk else None
        chosen = str(data.get("project", "")).strip() if data is not None else ""
        if project is None and chosen.isascii() and chosen.isdigit():
            project = Project.objects.filter(pk=int(chosen[:18])).first()
        today = timezone.localdate()
        super().__init__(
            *args,
            project=project or Project(fiscal_year=thaicalendar.fiscal_year_of(today)),
            today=today,
            steps=list(project.steps.all()) if project else [],
            others=list(project.updates.all()) if project else [],
            **kwargs,
        )
        if instance is not None and instance.pk:
            self.fields["project"].disabled = True
            self.fields["seen_version"].initial = instance.version

    def clean(self) -> dict[str, Any]:
        if self.project.pk is None:
            self.add_error("project", _("Choose the project."))
            return self.cleaned_data
        day = self.cleaned_data.get("report_date")
        days = [day] if day else []
        if self.instance.pk:
            days.append(self.instance.report_date)
            if self.cleaned_data.get("seen_version") != self.instance.version:
                raise forms.ValidationError(CONFLICT_MESSAGE, code="conflict")
        try:
            services.check_unlocked(
                fiscal_year=self.project.fiscal_year,
                department_id=self.project.department_id,
                days=days,
            )
        except services.LockedError as error:
            raise forms.ValidationError(str(error), code="locked") from None
        try:
            return super().clean()
        except forms.ValidationError as error:
            # The admin has no warnings box: the warnings join the error.
            raise forms.ValidationError(
                [
                    *(w.message for w in getattr(self, "warnings", [])),
                    *error.messages,
                ]
            ) from None


CONFLICT_MESSAGE = _(
    "Someone else saved this report after you opened it. Nothing was saved; reload "
    "the page to see their change, then make yours again."
)


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(PortalModelAdmin):
    """Progress reports, saved and deleted through the portal's service with its
    rules: locks and closed years, the version check, the audit history."""

    form = ProgressUpdateAdminForm
    fields = [
        "project",
        "report_date",
        "percent",
        "disbursed",
        "committed",
        "done",
        "problems",
        "obstacles",
        "seen_version",
        "confirm",
        "status",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        "review_comment",
    ]
    # Approval moves are made on the approver's queue (projects.approval_views);
    # a report saved here is submitted for approval like one saved in the portal.
    readonly_fields = [
        "status",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        "review_comment",
    ]
    list_display = ["project", "day", "percent", "status", "author", "updated_at"]
    day = be_date("report_date", _("report date"))
    list_filter = ["status", "project__fiscal_year", "project__department"]
    list_select_related = ["project", "author"]
    search_fields = ["project__code", "project__name_th", "done"]
    raw_id_fields = ["project", "author"]
    date_hierarchy = "report_date"

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        values = {
            name: form.cleaned_data[name] for name in ProgressUpdateForm.Meta.fields
        }
        try:
            saved = services.save_update(
                project=form.project,
                user=request.user,
                values=values,
                update=obj if change else None,
                version=form.cleaned_data.get("seen_version"),
            )
        except (services.ConflictError, services.DuplicateError):
            messages.error(request, CONFLICT_MESSAGE)
        except (services.LockedError, services.TransitionError) as error:
            messages.error(request, str(error))
        else:
            obj.pk, obj.version = saved.pk, saved.version

    def delete_model(self, request: HttpRequest, obj) -> None:
        try:
            services.delete_update(update=obj, user=request.user, version=obj.version)
        except services.ConflictError:
            messages.error(request, CONFLICT_MESSAGE)
        except services.LockedError as error:
            messages.error(request, str(error))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for update in queryset.select_related("project"):
            self.delete_model(request, update)


@admin.register(ProjectEvaluation)
class ProjectEvaluationAdmin(ReadOnlyAdminMixin, PortalModelAdmin):
    """Scores are given on the portal's scoring pages (quarters started, locks,
    versions); the admin shows them."""

    list_display = ["project", "quarter", "score", "evaluator", "evaluated_at"]
    list_filter = ["project__fiscal_year", "quarter", "project__department"]
    list_select_related = ["project", "evaluator"]
    search_fields = ["project__code", "project__name_th"]
    raw_id_fields = ["project", "evaluator"]


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    verbose_name_plural = _("role")


class DepartmentMembershipInline(admin.TabularInline):
    model = Department.members.through
    extra = 0
    verbose_name = _("department")
    verbose_name_plural = _("departments")
    autocomplete_fields = ["department"]


class PortalUserChangeForm(UserChangeForm):
    """Names and e-mail as every other text of the portal: one line, NFC, without
    control, bidirectional or zero-width characters (projects.text)."""

    def clean(self) -> dict:
        cleaned = super().clean()
        for name in ("first_name", "last_name", "email"):
            if isinstance(cleaned.get(name), str):
                cleaned[name] = normalize_text(cleaned[name], single_line=True)
        return cleaned


class DepartmentApproverInline(admin.TabularInline):
    model = Department.approvers.through
    extra = 0
    verbose_name = _("department whose reports the user approves")
    verbose_name_plural = _("approves reports of")
    autocomplete_fields = ["department"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(DataVersionMixin, NormalizedSearchMixin, UserAdmin):
    form = PortalUserChangeForm
    inlines = [ProfileInline, DepartmentMembershipInline, DepartmentApproverInline]
    list_display = ["username", "first_name", "last_name", "profile__role", "is_staff"]
    list_select_related = ["profile"]
    list_filter = ["profile__role", "is_staff", "is_superuser", "is_active"]

    def save_related(self, request, form, formsets, change) -> None:
        # The membership inline writes the link table directly, which the
        # departments' history does not see: record each department it changed.
        user = form.instance
        before = set(user.departments.values_list("pk", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        after = set(user.departments.values_list("pk", flat=True))
        for department in Department.objects.filter(pk__in=before ^ after):
            department.save()


@admin.register(QuarterLock)
class QuarterLockAdmin(ReadOnlyAdminMixin, PortalModelAdmin):
    """Quarters are locked and reopened (with a reason) on the portal's quarter
    overview; the admin shows every lock and reopening."""

    list_display = [
        "fiscal_year",
        "quarter",
        "department",
        "locked_by",
        "locked_at",
        "reopened_at",
    ]
    list_filter = ["fiscal_year", "quarter", "department"]
    list_select_related = ["department", "locked_by"]
    raw_id_fields = ["locked_by", "reopened_by"]
    autocomplete_fields = ["department"]


@admin.register(FiscalYearReopening)
class FiscalYearReopeningAdmin(ReadOnlyAdminMixin, PortalModelAdmin):
    """Closed fiscal years are reopened (with a reason) and closed again on the
    portal's evaluation summary; the admin shows each reopening."""

    list_display = ["fiscal_year", "reopened_by", "reopened_at", "closed_at"]
    list_filter = ["fiscal_year"]
    list_select_related = ["reopened_by"]
