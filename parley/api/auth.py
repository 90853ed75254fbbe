"""Bearer API keys; a key acts as its user with that user's role in the key's account."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from ninja.security import HttpBearer

from parley.accounts.services import authenticate_api_key
from parley.api.errors import ApiError
from parley.api.limits import allow_per_second


class ApiKeyAuth(HttpBearer):
    def authenticate(self, request, token):
        key = authenticate_api_key(token)
        if key is None:
            return None
        if not allow_per_second("api-key", str(key.id), settings.PARLEY_RATE_API_KEY):
            raise ApiError(429, "Too many requests for this API key; slow down.")
        request.api_key = key
        request.account = key.account
        request.user = key.user
        request.membership = key.membership
        return key


def require_admin(request):
    if not request.membership.is_admin:
        raise PermissionDenied("Only admins may do this.")
