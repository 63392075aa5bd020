"""Django admin for departments, the strategy tree, projects and their parts."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.forms import UserChangeForm
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from projects.cache import bump_data_version
from projects.fields import TextListFormField
from projects.models import (
    Department,
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
    """The admin of the portal's models."""


class ProjectAdminForm(forms.ModelForm):
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
            "rationale",
            "objectives",
            "targets",
            "is_routine",
            "strategies",
            "predecessor",
        ]


@admin.register(Department)
class DepartmentAdmin(PortalModelAdmin):
    list_display = ["code", "name_th", "name_en", "short_name", "kind", "parent"]
    list_filter = ["kind"]
    list_select_related = ["parent"]
    search_fields = ["code", "name_th", "name_en", "short_name"]
    autocomplete_fields = ["parent"]
    filter_horizontal = ["members"]


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


class PlanStepInline(admin.TabularInline):
    model = PlanStep
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("project")


class ProgressUpdateInline(admin.StackedInline):
    model = ProgressUpdate
    extra = 0
    fields = ["report_date", "percent", "done", "problems", "obstacles", "author"]
    # Read-only: the author is who typed the update, recorded on save.
    readonly_fields = ["author"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("project", "author")


class ProjectEvaluationInline(admin.TabularInline):
    model = ProjectEvaluation
    extra = 0
    fields = ["quarter", "score", "comment", "evaluator"]
    readonly_fields = ["evaluator"]

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
    inlines = [PlanStepInline, ProgressUpdateInline, ProjectEvaluationInline]
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
        (_("Content"), {"fields": ["rationale", "objectives", "targets"]}),
        (_("Strategy"), {"fields": ["is_routine", "strategies", "predecessor"]}),
    ]

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model is ProgressUpdate:
            record_user_on_new_rows(formset, request.user, "author")
        elif formset.model is ProjectEvaluation:
            record_user_on_new_rows(formset, request.user, "evaluator")
        super().save_formset(request, form, formset, change)


@admin.register(PlanStep)
class PlanStepAdmin(PortalModelAdmin):
    list_display = ["project", "number", "weight", "planned_start", "planned_end"]
    list_filter = ["project__fiscal_year", "project__department"]
    list_select_related = ["project"]
    search_fields = ["project__code", "project__name_th", "description"]
    raw_id_fields = ["project"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(PortalModelAdmin):
    list_display = ["project", "report_date", "percent", "author", "updated_at"]
    list_filter = ["project__fiscal_year", "project__department"]
    list_select_related = ["project", "author"]
    search_fields = ["project__code", "project__name_th", "done"]
    raw_id_fields = ["project", "author"]
    date_hierarchy = "report_date"


@admin.register(ProjectEvaluation)
class ProjectEvaluationAdmin(PortalModelAdmin):
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


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(DataVersionMixin, NormalizedSearchMixin, UserAdmin):
    form = PortalUserChangeForm
    inlines = [ProfileInline, DepartmentMembershipInline]
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
class QuarterLockAdmin(PortalModelAdmin):
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
