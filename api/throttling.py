"""Requests made with an API token are throttled per token (API_TOKEN_RATE)."""

from rest_framework.throttling import SimpleRateThrottle

from api.authentication import token_of


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request, view) -> str | None:
        token = token_of(request)
        if token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}
