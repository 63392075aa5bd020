from django.urls import path

from indicators import views
from projects import evaluation_views

app_name = "indicators"

urlpatterns = [
    path("", views.indicator_list, name="list"),
    path("<str:code>/", views.indicator_detail, name="detail"),
    path("<str:code>/results/<int:quarter>/", views.result_edit, name="result-edit"),
    path(
        "<str:code>/evaluate/<int:quarter>/",
        evaluation_views.indicator_evaluate,
        name="evaluate",
    ),
]
