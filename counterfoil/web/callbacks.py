"""Payment providers' webhooks: verify the signature on the raw body with the secret of each of the
council's accounts of that provider, record the event append-only (a replay once more, as a
replay; a refused one as refused), answer 2xx at once, then hand the event to the submission's
workflow by Signal. A webhook is never lost because Temporal or a worker is down: it is recorded
first, and reconciliation catches up."""

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
from counterfoil.platform.payments import WebhookEvent, WebhookRejected
from counterfoil.platform.payments.accounts import SANDBOX, PaymentAccounts
from counterfoil.workflows.submission.types import PaymentUpdate

log = logging.getLogger(__name__)

_ACCOUNTS = "payment_accounts"
_OWNED = "payment_accounts_owned"
# What is kept of a refused body: enough to investigate, not a store for whatever anyone posts.
_REJECTED_BODY_CHARS = 2000


@dataclass(frozen=True)
class _Owner:
    reference: str
    council: str
    account_id: int | None


def accounts_of(app: Litestar) -> PaymentAccounts:
    """The gateways per council account: the server's (shared with its worker), or the app's own."""
    accounts: PaymentAccounts | None = app.state.get(_ACCOUNTS)
    if accounts is None:
        accounts = PaymentAccounts(app.state.platform)
        app.state[_ACCOUNTS] = accounts
        app.state[_OWNED] = True
    return accounts


def share_accounts(app: Litestar, accounts: PaymentAccounts) -> None:
    """Use the caller's accounts (closed by the caller) instead of making the app's own."""
    app.state[_ACCOUNTS] = accounts
    app.state[_OWNED] = False


async def close_gateways(app: Litestar) -> None:
    """Shutdown hook: close the gateways' HTTP clients, when the app made them."""
    accounts: PaymentAccounts | None = app.state.get(_ACCOUNTS)
    if accounts is not None and app.state.get(_OWNED):
        app.state[_ACCOUNTS] = None
        await accounts.aclose()


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
            select(Submission.reference, Council.slug, Payment.account_id)
            .join(Payment, col(Payment.submission_id) == col(Submission.id))
            .join(Council, col(Council.id) == col(Submission.council_id))
            .where(Payment.provider == provider, Payment.provider_id == provider_id)
        ).first()
    return _Owner(reference=row[0], council=row[1], account_id=row[2]) if row else None


def _record_replay(platform: Platform, provider: str, event: WebhookEvent) -> None:
    """A second delivery of an event already recorded: noted, with no effect on any payment."""
    with platform.session() as session:
        session.add(
            PaymentEvent(
                provider=provider,
                event_id=f"replay-{uuid.uuid4()}",
                provider_payment_id="",
                state="replayed",
                source="webhook",
                payload={"replay_of": event.event_id, "payment": event.provider_id},
            )
        )


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
    accounts = accounts_of(request.app)
    if provider not in accounts.registry:
        raise NotFound(f"No payment provider {provider!r}")
    candidates = await anyio.to_thread.run_sync(accounts.webhook_gateways, council, provider)
    if candidates is None:
        raise NotFound(f"No council {council!r}")
    body = await request.body()
    headers = dict(request.headers)
    verified: tuple[int | None, WebhookEvent] | None = None
    reason = f"the council has no {provider} account"
    # Each account signs with its own secret: the one that verifies is the sender.
    for account_id, gateway in candidates:
        try:
            verified = account_id, gateway.verify_webhook(headers, body)
            break
        except WebhookRejected as exc:
            reason = str(exc)
    if verified is None:
        log.warning("refused a %s webhook for %s: %s", provider, council, reason)
        await anyio.to_thread.run_sync(_record_rejected, platform, provider, body, reason)
        raise Unauthenticated("The webhook's signature does not check out")
    account_id, event = verified
    owner = await anyio.to_thread.run_sync(_owner, platform, provider, event.provider_id)
    if owner is not None and owner.council != council:
        log.warning("a %s webhook for %s arrived at council %s", provider, owner.council, council)
        raise NotFound(f"No payment {event.provider_id} for {council}")
    if owner is not None and provider != SANDBOX and owner.account_id != account_id:
        # Signed with another account's secret (a test key's, say) about this account's payment.
        reason = f"signed by account {account_id}, but the payment is account {owner.account_id}'s"
        log.warning("refused a %s webhook for %s: %s", provider, council, reason)
        await anyio.to_thread.run_sync(_record_rejected, platform, provider, body, reason)
        raise Unauthenticated("The webhook's signature does not check out")
    new = await anyio.to_thread.run_sync(_record, platform, provider, event)
    if not new:
        log.info("a %s webhook for %s was a replay of %s", provider, council, event.event_id)
        await anyio.to_thread.run_sync(_record_replay, platform, provider, event)
        return Response({"status": "received"})
    if owner is None:
        # A payment the platform has not stored yet: recorded; the workflow's poll will see it.
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
