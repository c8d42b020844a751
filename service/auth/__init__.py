"""Bearer-token authentication and role guards."""

from service.auth.guard import Authenticated, MaybeAuthenticated, authorize, current_principal
from service.auth.principal import Principal
from service.auth.tokens import hash_token, new_token

__all__ = [
    "Authenticated",
    "MaybeAuthenticated",
    "Principal",
    "authorize",
    "current_principal",
    "hash_token",
    "new_token",
]
