"""Errors as structured JSON, the same shape for every refusal of the API:

    {"errors": [{"field": "percent", "code": "max_value",
                 "message": {"th": "...", "en": "..."}}],
     "warnings": [...]}   # only when odd-but-allowed values need confirming

``field`` is null for an error about the whole request. Messages come from the
one place that decides the rule (the form, the service, the approval rules) and
are given in both languages, so an agency's system can show either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

LANGUAGES = ("th", "en")


def bilingual(make: Callable[[], Any]) -> dict[str, str]:
    """A message made in each language (``make`` reads the active language)."""
    messages = {}
    for lang in LANGUAGES:
        with override(lang):
            messages[lang] = str(make())
    return messages


def error(code: str, message: Any, field: str | None = None) -> dict:
    """One error entry; ``message`` is a lazy string or a callable making one."""
    make = message if callable(message) else (lambda: message)
    return {"field": field, "code": code, "message": bilingual(make)}


class ApiError(exceptions.APIException):
    """A refusal with the API's error entries (see the module's docstring)."""

    def __init__(
        self, status_code: int, errors: list[dict], warnings: list[dict] | None = None
    ) -> None:
        super().__init__(detail=errors[0]["message"]["en"] if errors else "")
        self.status_code = status_code
        self.errors = errors
        self.warnings = warnings or []


def refuse(status_code: int, code: str, message: Any, field: str | None = None):
    """Raise an ApiError with one entry."""
    raise ApiError(status_code, [error(code, message, field)])


def validated(make_form: Callable[[], forms.BaseForm]) -> forms.BaseForm:
    """The form, valid; else ApiError 400 with its errors (and warnings to confirm)
    in both languages. The form is made again in each language for the messages:
    forms format their messages as they validate."""
    with override("en"):
        form = make_form()
        if form.is_valid():
            return form
        english = _form_entries(form)
    with override("th"):
        thai = _form_entries(make_form_invalid(make_form))
    entries = []
    for (field, code, en), (_field, _code, th) in zip(english, thai, strict=False):
        entries.append(
            {
                "field": None if field == "__all__" else field,
                "code": code,
                "message": {"th": th, "en": en},
            }
        )
    warnings = _warnings(make_form, form)
    raise ApiError(status.HTTP_400_BAD_REQUEST, entries, warnings)


def make_form_invalid(make_form: Callable[[], forms.BaseForm]) -> forms.BaseForm:
    form = make_form()
    form.is_valid()
    return form


def _form_entries(form: forms.BaseForm) -> list[tuple[str, str, str]]:
    entries = []
    for field, errors in form.errors.as_data().items():
        for item in errors:
            for message in item.messages:
                entries.append((field, item.code or "invalid", str(message)))
    return entries


def _warnings(make_form, english_form) -> list[dict]:
    flags = getattr(english_form, "warnings", None)
    if not flags:
        return []
    with override("th"):
        thai = getattr(make_form_invalid(make_form), "warnings", [])
    return [
        {
            "code": flag.code,
            "message": {"th": str(th.message), "en": str(flag.message)},
        }
        for flag, th in zip(flags, thai, strict=False)
    ]


# DRF's own refusals, with our codes and messages in both languages.
_MESSAGES = {
    exceptions.NotAuthenticated: (
        "not_authenticated",
        _("Sign in, or send an API token, to use this."),
    ),
    exceptions.AuthenticationFailed: (
        "authentication_failed",
        _("The credentials sent were not accepted."),
    ),
    exceptions.PermissionDenied: (
        "permission_denied",
        _("You may not do this."),
    ),
    exceptions.NotFound: ("not_found", _("There is nothing at this address.")),
    exceptions.MethodNotAllowed: (
        "method_not_allowed",
        _("This address does not accept that method."),
    ),
    exceptions.NotAcceptable: (
        "not_acceptable",
        _("This address answers in JSON only."),
    ),
    exceptions.UnsupportedMediaType: (
        "unsupported_media_type",
        _("Send the request body as JSON."),
    ),
    exceptions.ParseError: (
        "parse_error",
        _("The request body is not valid JSON."),
    ),
}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Every refusal in the API's error shape (REST_FRAMEWORK's EXCEPTION_HANDLER)."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ApiError):
        body: dict = {"errors": exc.errors}
        if exc.warnings:
            body["warnings"] = exc.warnings
        response.data = body
        return response
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        entry = error(
            "throttled",
            lambda: (
                _("Too many requests: try again in %(seconds)s seconds.")
                % {"seconds": wait}
            ),
        )
    elif isinstance(exc, exceptions.ValidationError):
        if isinstance(exc.detail, dict) and exc.detail:
            # A filter's or parameter's value (django-filter): one entry a field.
            codes = exc.get_codes()
            response.data = {
                "errors": [
                    error(
                        _first_code(codes.get(field)),
                        _("The value of this parameter is not valid."),
                        str(field),
                    )
                    for field in exc.detail
                ]
            }
            return response
        entry = error("invalid", _("The request is not valid."))
    else:
        code, message = next(
            (found for kind, found in _MESSAGES.items() if isinstance(exc, kind)),
            ("error", _("The request was refused.")),
        )
        if isinstance(exc, exceptions.AuthenticationFailed) and exc.get_codes() in (
            "bad_token",
            "bad_token_header",
        ):
            code = exc.get_codes()
            detail = str(exc.detail)
            message = _TOKEN_MESSAGES.get(code, detail)
        entry = error(code, message)
    response.data = {"errors": [entry]}
    return response


def _first_code(codes: Any) -> str:
    while isinstance(codes, list | tuple) and codes:
        codes = codes[0]
    return codes if isinstance(codes, str) else "invalid"


_TOKEN_MESSAGES = {
    "bad_token": _("This token is unknown or was revoked."),
    "bad_token_header": _("Send the token as: Authorization: Bearer <token>."),
}
