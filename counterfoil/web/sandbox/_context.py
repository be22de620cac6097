"""Where the sandbox's handlers find the platform and the webhook sender: the app's state."""

from __future__ import annotations

from litestar import Litestar

from counterfoil.platform import Platform
from counterfoil.web.sandbox._store import Notification, Observed, SandboxStore
from counterfoil.web.sandbox._webhooks import WebhookSender

_SENDER = "sandbox_webhooks"


def platform_of(app: Litestar) -> Platform:
    platform: Platform = app.state.platform
    return platform


def store_of(app: Litestar) -> SandboxStore:
    return SandboxStore(platform_of(app))


def sender_of(app: Litestar) -> WebhookSender:
    # Made on first use, on the event loop, so the app needs no startup hook for it.
    sender: WebhookSender | None = app.state.get(_SENDER)
    if sender is None:
        sender = WebhookSender(platform_of(app).settings.sandbox_webhook_secret)
        app.state[_SENDER] = sender
    return sender


def dispatch(app: Litestar, observed: Observed | list[Notification]) -> None:
    notifications = observed if isinstance(observed, list) else observed.notifications
    if notifications:
        sender_of(app).send(notifications)


async def stop_sandbox(app: Litestar) -> None:
    """Shutdown hook: finish or cancel webhook deliveries in flight."""
    sender: WebhookSender | None = app.state.get(_SENDER)
    if sender is not None:
        app.state[_SENDER] = None
        await sender.aclose()
