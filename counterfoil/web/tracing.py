"""OpenTelemetry server spans for the web app, imported only when `otel_enabled`.

Litestar runs the OpenTelemetry middleware around the whole app, before routing, so a span is
named by its method alone at first and renamed to the route template once the route is known:
span names stay few and never carry a reference or a payment id.
"""

from __future__ import annotations

from typing import Any

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.plugins.opentelemetry import OpenTelemetryConfig
from litestar.types import ASGIApp, Receive, Scope, Send
from opentelemetry import trace


def _method_only(scope: Scope) -> tuple[str, dict[str, Any]]:
    return str(scope.get("method", "HTTP")), {}


class SpanRouteMiddleware(ASGIMiddleware):
    """Renames the request's server span to `METHOD /route/{template}` after routing."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        template = scope.get("path_template")
        if template:
            span = trace.get_current_span()
            span.update_name(f"{scope.get('method', '')} {template}")
            span.set_attribute("http.route", template)
        await next_app(scope, receive, send)


def tracing_middleware() -> list[Any]:
    """Outermost first: the server span (Litestar lifts it around the router), its renaming."""
    config = OpenTelemetryConfig(
        scope_span_details_extractor=_method_only, exclude_spans=["receive", "send"]
    )
    return [config.middleware, SpanRouteMiddleware()]
