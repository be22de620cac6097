"""Who is calling: API keys and the principal they stand for."""

from counterfoil.platform.auth.keys import Principal, authenticate, create_api_key

__all__ = ["Principal", "authenticate", "create_api_key"]
