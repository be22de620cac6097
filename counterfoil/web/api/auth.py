"""Bearer API keys for every `/api/` route: add `dependencies=AUTH` to a router or handler, ask for
`principal: NamedDependency[Principal]`, then call `principal.require(council, *roles)`."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from litestar import Request
from litestar.di import Provide

from counterfoil.platform import Platform
from counterfoil.platform.auth import Principal, authenticate
from counterfoil.platform.errors import Unauthenticated


def platform_of(request: Request[Any, Any, Any]) -> Platform:
    return cast(Platform, request.app.state.platform)


async def principal(request: Request[Any, Any, Any]) -> Principal:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthenticated("Send an API key in the header 'Authorization: Bearer <key>'")
    # The lookup is a synchronous database read: keep it off the event loop.
    return await asyncio.to_thread(authenticate, platform_of(request), key.strip())


AUTH = {"principal": Provide(principal)}
