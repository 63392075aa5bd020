"""How an agency system signs its requests: ``Authorization: Bearer <token>``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api import services
from api.models import ApiToken


class TokenAuthentication(authentication.BaseAuthentication):
    """An API token (``Bearer`` or ``Token``); the request acts as the token's
    account, and ``request.auth`` is the token, whose departments limit writes."""

    keywords = ("bearer", "token")

    def authenticate(self, request) -> tuple | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in (
            self.keywords
        ):
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the token as: Authorization: Bearer <token>."),
                code="bad_token_header",
            )
        token = services.token_for_secret(header[1].decode(errors="replace"))
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(
                _("This token is unknown or was revoked."), code="bad_token"
            )
        services.touch(token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


def token_of(request) -> ApiToken | None:
    """The API token the request was signed with, if any."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "agencyToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token an administrator issued to an agency system.",
        }
