from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("projects/", views.project_list, name="list"),
    path("projects/<str:code>/", views.project_detail, name="detail"),
    path("projects/<str:code>/print/", views.project_print, name="print"),
    path("projects/<str:code>/plan/", views.plan_edit, name="plan-edit"),
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
]
