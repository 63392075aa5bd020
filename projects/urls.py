from django.urls import path

from projects import approval_views, evaluation_views, import_views, views

app_name = "projects"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("projects/", views.project_list, name="list"),
    path("projects/new/", views.project_create, name="create"),
    path("projects/<str:code>/", views.project_detail, name="detail"),
    path("projects/<str:code>/edit/", views.project_edit, name="edit"),
    path("projects/<str:code>/print/", views.project_print, name="print"),
    path("projects/<str:code>/history/", views.project_history, name="history"),
    path("my/", views.my_work, name="my-work"),
    path("history/people/", views.people_history, name="people-history"),
    path("approvals/", approval_views.approval_queue, name="approvals"),
    path(
        "approvals/approve-selected/",
        approval_views.approve_selected,
        name="approve-selected",
    ),
    path("approvals/<int:pk>/approve/", approval_views.approve, name="approve"),
    path("approvals/<int:pk>/return/", approval_views.send_back, name="return"),
    path(
        "approvals/results/<int:pk>/approve/",
        approval_views.approve_result,
        name="approve-result",
    ),
    path(
        "approvals/results/<int:pk>/return/",
        approval_views.send_back_result,
        name="return-result",
    ),
    path("projects/<str:code>/plan/", views.plan_edit, name="plan-edit"),
    path("projects/<str:code>/budget/", views.budget_edit, name="budget-edit"),
    path("projects/<str:code>/updates/new/", views.update_create, name="update-create"),
    path(
        "projects/<str:code>/updates/<int:pk>/edit/",
        views.update_edit,
        name="update-edit",
    ),
    path(
        "projects/<str:code>/updates/<int:pk>/delete/",
        views.update_delete,
        name="update-delete",
    ),
    path("departments/", views.department_list, name="department-list"),
    path("departments/<str:code>/", views.department_detail, name="department-detail"),
    path(
        "projects/<str:code>/evaluate/<int:quarter>/",
        evaluation_views.project_evaluate,
        name="evaluate",
    ),
    path("evaluations/", evaluation_views.evaluation_home, name="evaluation-home"),
    path(
        "evaluations/<int:fy>/summary/",
        evaluation_views.evaluation_summary,
        name="evaluation-summary",
    ),
    path(
        "evaluations/<int:fy>/reopen/",
        evaluation_views.year_reopen,
        name="evaluation-year-reopen",
    ),
    path(
        "evaluations/<int:fy>/close/",
        evaluation_views.year_close,
        name="evaluation-year-close",
    ),
    path(
        "evaluations/<int:fy>/<int:quarter>/",
        evaluation_views.quarter_overview,
        name="evaluation-quarter",
    ),
    path(
        "evaluations/<int:fy>/<int:quarter>/score/",
        evaluation_views.quarter_score,
        name="evaluation-score",
    ),
    path(
        "evaluations/<int:fy>/<int:quarter>/lock/",
        evaluation_views.quarter_lock,
        name="evaluation-lock",
    ),
    path(
        "evaluations/<int:fy>/<int:quarter>/reopen/",
        evaluation_views.quarter_reopen,
        name="evaluation-reopen",
    ),
    path("imports/plan/", import_views.plan_import, name="import-plan"),
    path(
        "imports/plan/template.xlsx",
        import_views.plan_template,
        name="import-plan-template",
    ),
    path("imports/month/", import_views.month_import_choose, name="import-months"),
    path("imports/month/<str:code>/", import_views.month_import, name="import-month"),
    path(
        "imports/month/<str:code>/template.xlsx",
        import_views.month_template,
        name="import-month-template",
    ),
    path(
        "imports/<str:token>/confirm/",
        import_views.import_confirm,
        name="import-confirm",
    ),
    path(
        "imports/<str:token>/progress/",
        import_views.import_progress,
        name="import-progress",
    ),
]
