"""Rate limits on what a client may do only so often (create submissions, try to sign in), counted
in the shared store so that every web process counts the same hits. Beyond a limit the request
fails with `RateLimited`, which web/errors.py answers with 429 and Retry-After."""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from counterfoil.platform import Platform
from counterfoil.platform.errors import PlatformError
from counterfoil.web.store import DatabaseStore


class RateLimited(PlatformError):
    """Too many requests from this client (or for this account) in the current window: 429."""

    status = 429

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"Too many requests. Try again in {retry_after} seconds.")


@dataclass(frozen=True)
class RateLimiter:
    """Fixed-window counters in the shared store, one per limit name and identity."""

    store: DatabaseStore

    async def hit(self, name: str, limit: int, window: timedelta, *identities: str) -> None:
        """Count a hit for every identity; RateLimited when any is now over `limit`."""
        wait = 0.0
        for identity in identities:
            # hashed: the store holds no IP address or email address in the clear
            digest = hashlib.sha256(identity.encode()).hexdigest()[:40]
            hits, ends_at = await self.store.increment(f"{name}:{digest}", window)
            if hits > limit:
                wait = max(wait, ends_at - time.time())
        if wait:
            raise RateLimited(max(1, math.ceil(wait)))


def client_ip(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    # uvicorn has already applied X-Forwarded-For from trusted proxies (forwarded_allow_ips).
    return connection.client.host if connection.client else "unknown"


def _limiter(connection: ASGIConnection[Any, Any, Any, Any]) -> tuple[RateLimiter, Platform]:
    state = connection.app.state
    return cast(RateLimiter, state.rate_limiter), cast(Platform, state.platform)


async def limit_submissions(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard on the routes that create a submission (API and resident pages), per client IP."""
    limiter, platform = _limiter(connection)
    settings = platform.settings
    await limiter.hit(
        "submissions",
        settings.submission_rate_limit,
        settings.rate_limit_window,
        client_ip(connection),
    )


async def limit_sign_in(
    connection: ASGIConnection[Any, Any, Any, Any], council: str, email: str
) -> None:
    """Count a staff sign-in attempt against the client IP and against the account."""
    limiter, platform = _limiter(connection)
    settings = platform.settings
    await limiter.hit(
        "sign-in",
        settings.sign_in_rate_limit,
        settings.rate_limit_window,
        f"ip:{client_ip(connection)}",
        f"account:{council}:{email.casefold()}",
    )
