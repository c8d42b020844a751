"""Bearer-token authentication and role guards."""

from service.auth.guard import authorize, current_principal
from service.auth.principal import Principal
from service.auth.tokens import hash_token, new_token

__all__ = ["Principal", "authorize", "current_principal", "hash_token", "new_token"]
