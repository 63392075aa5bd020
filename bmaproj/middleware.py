"""Thai first, and private pages kept out of shared and browser caches."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_cache_control


class ThaiFirstLocaleMiddleware(LocaleMiddleware):
    """Take the language from the switch's cookie, else LANGUAGE_CODE.

    Django's own middleware would follow the browser's Accept-Language, which on
    most office computers here says English although their users read Thai.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class PrivatePagesNoStoreMiddleware:
    """Send ``Cache-Control: private, no-store`` with every page of private data.

    That is any response to a signed-in person and anything under the admin: a
    proxy must not hand one person's page to another, nor a browser keep it on a
    shared office computer. Anonymous visitors' public pages keep their caching.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        private = request.path_info.startswith("/admin/") or bool(
            user is not None and user.is_authenticated
        )
        if private:
            # Whatever public caching a view set goes before saying private.
            if "Cache-Control" in response.headers:
                del response.headers["Cache-Control"]
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response
