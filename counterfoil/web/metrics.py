"""Prometheus metrics of the web process: requests by route template, method and status, their
durations, and `GET /metrics` exposing this process's registry (the platform's counters too).

/metrics exists only when `metrics_enabled`; with `metrics_token` set, a scraper must send it as a
Bearer token (the figures are operational, not personal, but they are not for the public).
"""

from __future__ import annotations

import hmac
import time
from typing import Any

from litestar import Request, Response, get
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from counterfoil.platform import Platform
from counterfoil.platform.errors import Unauthenticated
from counterfoil.platform.observability.metrics import HTTP_REQUEST_DURATION, HTTP_REQUESTS

# The label of requests no route matched (scanners, typos): one series, not one per path.
UNMATCHED = "<unmatched>"


class RequestMetricsMiddleware(ASGIMiddleware):
    """Counts and times each routed request under its route template, never the raw path."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        status = 500  # what the client sees if the app fails before answering

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = time.perf_counter()
        try:
            await next_app(scope, receive, send_noting_status)
        finally:
            route = scope.get("path_template", UNMATCHED)
            method = scope.get("method", "")
            HTTP_REQUEST_DURATION.labels(route, method).observe(time.perf_counter() - started)
            HTTP_REQUESTS.labels(route, method, str(status)).inc()


async def count_unmatched(message: Message, scope: Scope) -> None:
    """A before_send hook: the router answers unknown paths before any middleware runs."""
    if message["type"] == "http.response.start" and "path_template" not in scope:
        HTTP_REQUESTS.labels(UNMATCHED, scope.get("method", ""), str(message["status"])).inc()


@get("/metrics", include_in_schema=False)
async def metrics_endpoint(request: Request[Any, Any, Any]) -> Response[bytes]:
    platform: Platform = request.app.state.platform
    token = platform.settings.metrics_token
    if token:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise Unauthenticated("Send the metrics token as a Bearer token")
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
