from django.urls import path

from evidence import views

app_name = "evidence"

urlpatterns = [
    path("<int:pk>/", views.file, name="file"),
    path("<int:pk>/thumbnail/", views.thumbnail, name="thumbnail"),
]
