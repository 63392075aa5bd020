"""The portal's URLs: the same paths in Thai and English (the language is per user)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from bmaproj.security import ThrottledPasswordChangeView
from projects.account_views import LoginView, set_language
from projects.views import healthz

handler400 = "bmaproj.errors.bad_request"
handler403 = "bmaproj.errors.permission_denied"
handler404 = "bmaproj.errors.page_not_found"
handler500 = "bmaproj.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    # Accounts: no self-service password reset; the administrator sets new ones.
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        ThrottledPasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", healthz, name="healthz"),
    path("indicators/", include("indicators.urls")),
    path("reports/", include("reports.urls")),
    path("evidence/", include("evidence.urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("api.urls")),
    path("", include("projects.urls")),
]
