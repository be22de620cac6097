"""Per-request context and instruments: the request id (taken from a sane `X-Request-ID`, else
made, and echoed in the response) with the council and reference from the path, on every log line
written while the request is handled; the metrics middleware and OpenTelemetry server spans when
configured."""

from __future__ import annotations

import re
import uuid
from typing import Any

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from counterfoil.platform import Settings
from counterfoil.platform.observability.logs import council, reference, request_id
from counterfoil.web.metrics import RequestMetricsMiddleware, count_unmatched, metrics_endpoint

REQUEST_ID_HEADER = b"x-request-id"
# A caller's id is kept only if it cannot forge log structure or carry data: short and plain.
_SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{8,64}")


def _given_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER and _SANE_REQUEST_ID.fullmatch(value):
            return value.decode()
    return None


class RequestContextMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        rid = _given_request_id(scope) or uuid.uuid4().hex
        params = scope.get("path_params") or {}
        tokens = [(request_id, request_id.set(rid))]
        for var, name in ((council, "council"), (reference, "reference")):
            value = params.get(name)
            if isinstance(value, str):
                tokens.append((var, var.set(value)))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", ()),
                    (REQUEST_ID_HEADER, rid.encode()),
                ]
            await send(message)

        try:
            await next_app(scope, receive, send_with_id)
        finally:
            for var, token in reversed(tokens):
                var.reset(token)


def observability_middleware(settings: Settings) -> list[Any]:
    """Outermost first: the trace spans, the request context, the metrics."""
    middleware: list[Any] = []
    if settings.otel_enabled:
        from counterfoil.web.tracing import tracing_middleware

        middleware.extend(tracing_middleware())
    middleware.append(RequestContextMiddleware())
    if settings.metrics_enabled:
        middleware.append(RequestMetricsMiddleware())
    return middleware


def observability_routes(settings: Settings) -> list[Any]:
    return [metrics_endpoint] if settings.metrics_enabled else []


def observability_hooks(settings: Settings) -> list[Any]:
    """before_send hooks (unmatched requests are answered before any middleware runs)."""
    return [count_unmatched] if settings.metrics_enabled else []
