"""The portal's URLs plus views that fail, for the error page tests."""

from django.db import OperationalError
from django.urls import path

from bmaproj import urls as portal_urls
from bmaproj.urls import handler400, handler403, handler404, handler500  # noqa: F401


def boom(request):
    raise RuntimeError("a bug")


def database_down(request):
    raise OperationalError(
        'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
    )


def bad_query(request):
    raise OperationalError("no such column: nothing")


urlpatterns = [
    path("test-boom/", boom),
    path("test-database-down/", database_down),
    path("test-bad-query/", bad_query),
    *portal_urls.urlpatterns,
]
