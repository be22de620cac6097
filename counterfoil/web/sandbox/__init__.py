"""The built-in sandbox payment provider (payments.md), served under /sandbox. It behaves like an
external provider: the platform reaches it only over HTTP, through `SandboxGateway`."""

from litestar import Router

from counterfoil.web.sandbox._context import stop_sandbox
from counterfoil.web.sandbox.api import api_router
from counterfoil.web.sandbox.card_page import card_page_router


def sandbox_router() -> Router:
    """A fresh router per app, so apps built in one process (tests) share no routing state."""
    return Router(path="/sandbox", route_handlers=[api_router(), card_page_router()])


__all__ = ["sandbox_router", "stop_sandbox"]
