from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("compliance/", views.compliance_view, name="compliance"),
    path("data-quality/", views.data_quality_view, name="data-quality"),
    path("kpis/", views.kpi_results_view, name="kpis"),
    path("evaluations/", views.evaluations_view, name="evaluations"),
    path(
        "departments/<str:code>/print/",
        views.department_print,
        name="department-print",
    ),
    path("export/<slug:name>.xlsx", views.export, {"fmt": "xlsx"}, name="export-xlsx"),
    path("export/<slug:name>.csv", views.export, {"fmt": "csv"}, name="export-csv"),
]
