"""Security headers on every response, errors and 404s included (a `before_send` hook sees all):
a Content-Security-Policy whose per-request nonce the templates put on their `<script>` and
`<style>` tags, framing and sniffing turned off, HSTS behind TLS, and `Cache-Control: no-store`
on everything but the static assets, since pages and API answers carry personal data."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any, cast
from urllib.parse import urlsplit

from jinja2 import pass_context
from jinja2.runtime import Context
from litestar.types import Message, Scope

from counterfoil.platform import Settings

_NONCE = "csp_nonce"
# Served with their own caching (the static files router, the brand stylesheets).
CACHEABLE_PREFIXES = ("/assets/",)
BeforeSend = Callable[[Message, Scope], Awaitable[None]]


def csp_nonce(scope: Scope) -> str:
    """This request's nonce, made on first use."""
    state: dict[str, Any] = scope.setdefault("state", {})
    nonce = state.get(_NONCE)
    if nonce is None:
        nonce = state[_NONCE] = secrets.token_urlsafe(16)
    return cast(str, nonce)


@pass_context
def template_nonce(context: Context) -> str:
    """`{{ csp_nonce() }}` in a template: the nonce of the request being answered."""
    return csp_nonce(context["request"].scope)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def form_targets(settings: Settings) -> list[str]:
    """Where a form may send the browser: here, and the card pages "Submit and pay" leads to
    (browsers apply form-action to the redirect after a POST too)."""
    own = _origin(settings.resolved_public_url)
    origins = [_origin(settings.resolved_sandbox_url), *settings.payment_page_origins]
    return ["'self'", *dict.fromkeys(o for o in origins if o != own)]


def content_security_policy(settings: Settings, nonce: str) -> str:
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", f"'nonce-{nonce}'"],
        # the sandbox card page's own stylesheet is inline, with the nonce (web/templates/sandbox)
        "style-src": ["'self'", f"'nonce-{nonce}'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": form_targets(settings),
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def security_headers(settings: Settings) -> BeforeSend:
    fixed = {
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "strict-origin-when-cross-origin",
        "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
        "cross-origin-opener-policy": "same-origin",
    }
    if settings.secure_cookies:
        fixed["strict-transport-security"] = "max-age=31536000; includeSubDomains"

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = list(message.get("headers", []))
        present = {name.lower() for name, _ in headers}
        wanted = {
            **fixed,
            "content-security-policy": content_security_policy(settings, csp_nonce(scope)),
        }
        if not scope["path"].startswith(CACHEABLE_PREFIXES):
            wanted["cache-control"] = "no-store"
        headers.extend(
            (name.encode(), value.encode())
            for name, value in wanted.items()
            if name.encode() not in present
        )
        message["headers"] = headers

    return add_headers
