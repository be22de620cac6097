"""Payment providers' webhooks: verify the signature on the raw body, record the event append-only,
answer 2xx at once, then hand the event to the submission's workflow by Signal. A webhook is never
lost because Temporal or a worker is down: it is recorded first, and reconciliation catches up."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio.to_thread
from litestar import Litestar, Request, Response, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from temporalio.client import Client

from counterfoil.platform import Platform
from counterfoil.platform.db.models import Council, Payment, PaymentEvent, Submission
from counterfoil.platform.errors import NotFound, Unauthenticated
from counterfoil.platform.payments import (
    GatewayRegistry,
    UnknownGateway,
    WebhookEvent,
    WebhookRejected,
    default_registry,
)
from counterfoil.workflows.submission.types import PaymentUpdate

log = logging.getLogger(__name__)

_REGISTRY = "payment_gateways"
# What is kept of a refused body: enough to investigate, not a store for whatever anyone posts.
_REJECTED_BODY_CHARS = 2000


@dataclass(frozen=True)
class _Owner:
    reference: str
    council: str


def gateways_of(app: Litestar) -> GatewayRegistry:
    registry: GatewayRegistry | None = app.state.get(_REGISTRY)
    if registry is None:
        registry = default_registry(app.state.platform.settings)
        app.state[_REGISTRY] = registry
    return registry


async def close_gateways(app: Litestar) -> None:
    """Shutdown hook: close the gateways' HTTP clients."""
    registry: GatewayRegistry | None = app.state.get(_REGISTRY)
    if registry is not None:
        app.state[_REGISTRY] = None
        await registry.aclose()


def _record_rejected(platform: Platform, provider: str, body: bytes, reason: str) -> None:
    with platform.session() as session:
        session.add(
            PaymentEvent(
                provider=provider,
                event_id=f"rejected-{uuid.uuid4()}",
                provider_payment_id="",
                state="rejected",
                source="webhook",
                signature_valid=False,
                payload={
                    "reason": reason,
                    "body": body.decode("utf-8", "replace")[:_REJECTED_BODY_CHARS],
                },
            )
        )


def _record(platform: Platform, provider: str, event: WebhookEvent) -> bool:
    """Whether the event is new; the unique (provider, event_id) makes a replay a no-op."""
    try:
        with platform.session() as session:
            session.add(
                PaymentEvent(
                    provider=provider,
                    event_id=event.event_id,
                    provider_payment_id=event.provider_id,
                    state=event.state.value,
                    source="webhook",
                    signature_valid=True,
                    payload=event.payload,
                )
            )
    except IntegrityError:
        return False
    return True


def _owner(platform: Platform, provider: str, provider_id: str) -> _Owner | None:
    with platform.session() as session:
        row = session.exec(
            select(Submission.reference, Council.slug)
            .join(Payment, col(Payment.submission_id) == col(Submission.id))
            .join(Council, col(Council.id) == col(Submission.council_id))
            .where(Payment.provider == provider, Payment.provider_id == provider_id)
        ).first()
    return _Owner(reference=row[0], council=row[1]) if row else None


async def _signal(app: Litestar, reference: str, update: PaymentUpdate) -> None:
    temporal: Client | None = app.state.get("temporal")
    if temporal is None:
        log.warning("no Temporal client: %s will learn of the payment by reconciliation", reference)
        return
    try:
        await temporal.get_workflow_handle(reference).signal(
            "payment_event", update, rpc_timeout=timedelta(seconds=5)
        )
    except Exception:
        # Recorded already; the workflow's reconciliation poll reads the provider's state anyway.
        log.warning("could not signal %s about a payment event", reference, exc_info=True)


@post("/callbacks/{provider:str}/{council:str}", status_code=200, tags=["callbacks"])
async def receive_provider_webhook(
    request: Request[Any, Any, Any], provider: FromPath[str], council: FromPath[str]
) -> Response[dict[str, str]]:
    platform: Platform = request.app.state.platform
    try:
        gateway = gateways_of(request.app).get(provider)
    except UnknownGateway:
        raise NotFound(f"No payment provider {provider!r}") from None
    body = await request.body()
    try:
        event = gateway.verify_webhook(dict(request.headers), body)
    except WebhookRejected as exc:
        log.warning("refused a %s webhook for %s: %s", provider, council, exc)
        await anyio.to_thread.run_sync(_record_rejected, platform, provider, body, str(exc))
        raise Unauthenticated("The webhook's signature does not check out") from None
    owner = await anyio.to_thread.run_sync(_owner, platform, provider, event.provider_id)
    if owner is not None and owner.council != council:
        log.warning("a %s webhook for %s arrived at council %s", provider, owner.council, council)
        raise NotFound(f"No payment {event.provider_id} for {council}")
    new = await anyio.to_thread.run_sync(_record, platform, provider, event)
    if not new or owner is None:
        # A replay, or a payment the platform has not stored yet: recorded, nothing to signal.
        return Response({"status": "received"})
    update = PaymentUpdate(
        provider_id=event.provider_id,
        state=event.state.value,
        failure_code=event.failure_code,
        source="webhook",
    )
    # After the response is sent, so a slow Temporal never delays the provider.
    return Response(
        {"status": "received"},
        background=BackgroundTask(_signal, request.app, owner.reference, update),
    )
