"""The portal's URLs: the same paths in Thai and English (the language is per user)."""

from django.contrib import admin
from django.urls import include, path

from projects.views import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("indicators/", include("indicators.urls")),
    path("reports/", include("reports.urls")),
    path("", include("projects.urls")),
]
