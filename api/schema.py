"""The OpenAPI schema's view of the portal's permissions."""

from drf_spectacular.openapi import AutoSchema
from rest_framework import permissions

from api.permissions import ApiAccess


class PortalAutoSchema(AutoSchema):
    """Reads need no credentials while PUBLIC_READ is on (the default)."""

    def get_auth(self) -> list:
        auths = super().get_auth()
        perms = [p.__class__ for p in self.view.get_permissions()]
        if (
            ApiAccess in perms
            and self.method in permissions.SAFE_METHODS
            and {} not in auths
        ):
            auths.append({})
        return auths

    def _get_response_bodies(self, direction: str = "response") -> dict:
        """Every operation may answer with the API's errors (api.errors)."""
        from api.serializers import ErrorSerializer

        responses = super()._get_response_bodies(direction=direction)
        codes = ["400", "401", "403", "404", "429"]
        if self.method not in permissions.SAFE_METHODS:
            codes += ["409", "423"]
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ErrorSerializer, code, direction=direction
                )
        return responses
