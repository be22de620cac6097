"""The adapter for Stripe Checkout Sessions, on the official `stripe` package (its `StripeClient`).

A payment is a Checkout Session in `payment` mode with one GBP line item; its id is our provider id
and its `url` the hosted page the payer is sent to. `get` reads the session with its PaymentIntent
(and that intent's latest charge, for the amount refunded) expanded in the same request. `cancel`
expires the session. Refunds go to the session's PaymentIntent after the refundable amount the
caller expects is checked, since Stripe has no `refund_amount_available` of its own. A period's
payments are the Checkout Sessions listed with `created[gte]`/`created[lt]`, auto-paged by the
library (100 a page, each with its PaymentIntent expanded for the state). Webhooks carry
`Stripe-Signature: t=…,v1=…` (HMAC-SHA256 over `"{t}.{raw body}"`), checked by
`stripe.Webhook.construct_event` with a 300 s tolerance.

Stripe's errors are translated where they arise: no answer, 429 or 5xx → GatewayUnavailable
(retry later); any other 4xx → PaymentRejected.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
import msgspec
import stripe
from stripe.params.checkout import SessionCreateParams, SessionListParams

from counterfoil.platform.payments.base import (
    CreatedPayment,
    GatewayUnavailable,
    PaymentGateway,
    PaymentRejected,
    PaymentState,
    PaymentStatus,
    ProviderPayment,
    Refund,
    RefundMismatch,
    RefundStatus,
    WebhookEvent,
    WebhookRejected,
)

DEFAULT_BASE_URL = "https://api.stripe.com"
SIGNATURE_HEADER = "Stripe-Signature"
WEBHOOK_TOLERANCE_SECONDS = 300
# The refund metadata key under which the caller's idempotency key is kept, so that a refund retried
# after its first attempt went through is recognised even though the refundable amount has moved.
REFUND_KEY_METADATA = "counterfoil_idempotency_key"
_EXPAND = ["payment_intent.latest_charge"]
LIST_PAGE_SIZE = 100  # Stripe's largest page


class StripeUnavailable(GatewayUnavailable):
    """GatewayUnavailable carrying Stripe's `Retry-After` in seconds, when it sent one."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class _HttpxClient(stripe.HTTPClient):
    """stripe's HTTP client interface over an `httpx.AsyncClient`, for the `*_async` methods.

    stripe ships an `HTTPXClient`, but it sends form bodies as `data=<str>`, which httpx 0.28
    deprecates with a DeprecationWarning (an error under our pytest settings, and inside its
    `except Exception` it would turn every POST into an APIConnectionError). This one sends
    `content=` and takes the caller's client, as the other adapters do."""

    name = "counterfoil-httpx"

    def __init__(self, client: httpx.AsyncClient | None, timeout: float) -> None:
        super().__init__()
        self._client = client
        self._owns_client = client is None
        self._timeout = timeout

    async def request_async(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        if self._client is None:
            self._client = httpx.AsyncClient()
        try:
            response = await self._client.request(
                method, url, headers=headers, content=post_data, timeout=self._timeout
            )
        except httpx.TransportError as exc:
            # Names the failure only; httpx never puts the request's headers in it.
            # stripe leaves this constructor unannotated.
            raise stripe.APIConnectionError(  # type: ignore[no-untyped-call]
                f"Stripe did not answer {method.upper()} {httpx.URL(url).path}: {exc!r}",
                should_retry=True,
            ) from exc
        return response.content, response.status_code, response.headers

    async def sleep_async(self, secs: float) -> None:
        await asyncio.sleep(secs)

    async def close_async(self) -> None:
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    def request(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("StripeGateway makes asynchronous requests only")

    def request_stream(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("StripeGateway makes asynchronous requests only")

    def close(self) -> None:
        pass


class _EventData(msgspec.Struct):
    object: dict[str, Any]


class _Event(msgspec.Struct):
    id: str
    type: str
    created: int
    data: _EventData


class _SessionObject(msgspec.Struct):
    id: str
    status: Literal["open", "complete", "expired"] | None = None
    payment_status: str = "unpaid"
    expires_at: int = 0


class _IntentObject(msgspec.Struct):
    id: str


_SESSION_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.expired",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
    }
)
PAYMENT_FAILED_EVENT = "payment_intent.payment_failed"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    # Plain dicts are case-sensitive; HTTP header names are not.
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    value = _header(headers or {}, "Retry-After")
    try:
        return max(float(value), 0.0) if value else None
    except ValueError:
        return None


@contextmanager
def _translated(what: str) -> Iterator[None]:
    """Stripe's exceptions as ours, at the boundary."""
    try:
        yield
    except stripe.APIConnectionError as exc:
        raise StripeUnavailable(f"Stripe did not answer ({what}): {exc.user_message}") from exc
    except stripe.StripeError as exc:
        status = exc.http_status
        # Not every StripeError subclass copies the envelope's code onto itself.
        code = exc.code or (exc.error.code if exc.error is not None else None)
        detail = f"{code or 'no code'}: {exc.user_message or 'no message'}"
        if isinstance(exc, stripe.RateLimitError) or status is None or status >= 500:
            retry_after = _retry_after(exc.headers)
            wait = f", retry after {retry_after:g} s" if retry_after is not None else ""
            raise StripeUnavailable(
                f"Stripe answered {status} to {what} ({detail}){wait}", retry_after
            ) from exc
        raise PaymentRejected(f"Stripe refused {what} ({status}, {detail})") from exc


def _expired_state(expired_at: float, expires_at: int) -> tuple[PaymentState, str]:
    # A session Stripe let run out expires at its `expires_at`; one that ended before then was
    # expired through the API, which is how `cancel` cancels.
    if expires_at and expired_at < expires_at:
        return PaymentState.CANCELLED, "P0040"
    return PaymentState.FAILED, "P0020"


def _intent_of(session: stripe.checkout.Session) -> stripe.PaymentIntent | None:
    intent = session.payment_intent
    # Expanded by `_retrieve`; an id alone would mean the expansion was not honoured.
    return intent if isinstance(intent, stripe.PaymentIntent) else None


def _refund_of(refund: stripe.Refund) -> Refund:
    """Stripe's refund states on GOV.UK Pay's: pending and requires_action are still submitted;
    failed and canceled refunds gave nothing back."""
    status = {
        "succeeded": RefundStatus.SUCCESS,
        "failed": RefundStatus.ERROR,
        "canceled": RefundStatus.ERROR,
    }.get(refund.status or "", RefundStatus.SUBMITTED)
    return Refund(refund_id=refund.id, amount=refund.amount, status=status)


def _refundable(intent: stripe.PaymentIntent | None) -> int:
    if intent is None or intent.status != "succeeded":
        return 0
    charge = intent.latest_charge
    refunded = charge.amount_refunded if isinstance(charge, stripe.Charge) else 0
    return max(intent.amount_received - refunded, 0)


def _state_of(session: stripe.checkout.Session) -> tuple[PaymentState, str | None]:
    intent = _intent_of(session)
    if session.status == "complete":
        if session.payment_status in ("paid", "no_payment_required"):
            return PaymentState.SUCCESS, None
        # Completed with a delayed payment method (Bacs, for example) still settling.
        return PaymentState.SUBMITTED, None
    if session.status == "expired":
        return _expired_state(time.time(), session.expires_at)
    # Open: the payer has not finished.
    if intent is None:
        return PaymentState.CREATED, None
    if intent.status == "canceled":
        return PaymentState.CANCELLED, "P0040"
    if intent.status == "requires_payment_method" and intent.last_payment_error is not None:
        return PaymentState.FAILED, "P0010"
    if intent.status in ("processing", "requires_capture"):
        return PaymentState.SUBMITTED, None
    return PaymentState.STARTED, None


class StripeGateway(PaymentGateway):
    id = "stripe"

    def __init__(
        self,
        *,
        api_key: str,
        webhook_secret: str,
        base_url: str = DEFAULT_BASE_URL,
        client: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
        max_network_retries: int = 0,
    ) -> None:
        """`max_network_retries` is stripe's own retry of connection errors, 409 and 5xx (with an
        idempotency key). It is 0 by default: GatewayUnavailable is retried by the workflow on its
        own back-off, and two layers of retries multiply the wait."""
        self._base_url = base_url.rstrip("/")
        self._webhook_secret = webhook_secret
        self._http = _HttpxClient(client, timeout)
        self._stripe = stripe.StripeClient(
            api_key,
            base_addresses={"api": self._base_url},
            http_client=self._http,
            max_network_retries=max_network_retries,
        )

    def __repr__(self) -> str:
        # Never the API key or the signing secret, in tracebacks or logs.
        return f"StripeGateway(base_url={self._base_url!r})"

    async def aclose(self) -> None:
        await self._http.close_async()

    async def create(
        self,
        *,
        amount: int,
        reference: str,
        description: str,
        return_url: str,
        callback_url: str,
        metadata: Mapping[str, str],
        idempotency_key: str,
    ) -> CreatedPayment:
        # Stripe sends webhooks to the endpoints set on the account, not per session, so
        # `callback_url` is not sent. The return URL carries no outcome: the service looks it up.
        params: SessionCreateParams = {
            "mode": "payment",
            "client_reference_id": reference,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "gbp",
                        "unit_amount": amount,
                        "product_data": {"name": description},
                    },
                }
            ],
            "metadata": dict(metadata),
            # Copied by Stripe onto the PaymentIntent, so the payment carries them too.
            "payment_intent_data": {"metadata": {**metadata, "reference": reference}},
            "success_url": return_url,
            "cancel_url": return_url,
        }
        with _translated("creating a Checkout Session"):
            session = await self._stripe.v1.checkout.sessions.create_async(
                params, {"idempotency_key": idempotency_key}
            )
        if not session.url:
            raise GatewayUnavailable(f"Stripe created Checkout Session {session.id} without a url")
        state, _ = _state_of(session)
        return CreatedPayment(provider_id=session.id, next_url=session.url, state=state)

    async def get(self, provider_id: str) -> PaymentStatus:
        return self._status(await self._retrieve(provider_id))

    async def cancel(self, provider_id: str) -> None:
        # Stripe answers 400 for a session that is complete or already expired: PaymentRejected.
        with _translated(f"expiring Checkout Session {provider_id}"):
            await self._stripe.v1.checkout.sessions.expire_async(provider_id)

    async def refund(
        self, provider_id: str, *, amount: int, expected_refundable: int, idempotency_key: str
    ) -> Refund:
        session = await self._retrieve(provider_id)
        intent = _intent_of(session)
        status = self._status(session)
        if intent is None or status.state is not PaymentState.SUCCESS:
            raise PaymentRejected(
                f"Checkout Session {provider_id} is not paid ({status.state}): nothing to refund"
            )
        if expected_refundable != status.refundable or not 1 <= amount <= status.refundable:
            # A retry of a refund that went through sees the amount it took off: give it back
            # that refund rather than refusing it.
            earlier = await self._earlier_refund(intent.id, idempotency_key)
            if earlier is not None:
                return earlier
        if expected_refundable != status.refundable:
            raise RefundMismatch(
                f"Checkout Session {provider_id} has {status.refundable} refundable, "
                f"not the {expected_refundable} expected"
            )
        if not 1 <= amount <= status.refundable:
            raise PaymentRejected(
                f"cannot refund {amount} of Checkout Session {provider_id}: "
                f"{status.refundable} is refundable"
            )
        with _translated(f"refunding Checkout Session {provider_id}"):
            refund = await self._stripe.v1.refunds.create_async(
                {
                    "payment_intent": intent.id,
                    "amount": amount,
                    "metadata": {REFUND_KEY_METADATA: idempotency_key},
                },
                {"idempotency_key": idempotency_key},
            )
        return _refund_of(refund)

    async def get_refund(self, provider_id: str, refund_id: str) -> Refund:
        with _translated(f"reading refund {refund_id} of Checkout Session {provider_id}"):
            return _refund_of(await self._stripe.v1.refunds.retrieve_async(refund_id))

    async def list_payments(self, start: datetime, end: datetime) -> list[ProviderPayment]:
        # Stripe filters on whole seconds; a fraction of a second would be dropped, so round out.
        params: SessionListParams = {
            "created": {"gte": math.floor(start.timestamp()), "lt": math.ceil(end.timestamp())},
            "limit": LIST_PAGE_SIZE,
            "expand": ["data.payment_intent"],
        }
        found: dict[str, ProviderPayment] = {}
        with _translated("listing Checkout Sessions"):
            first = await self._stripe.v1.checkout.sessions.list_async(params)
            async for session in first.auto_paging_iter():
                state, _ = _state_of(session)
                metadata = session.metadata.to_dict() if session.metadata is not None else {}
                found[session.id] = ProviderPayment(
                    provider_id=session.id,
                    reference=session.client_reference_id or "",
                    amount=session.amount_total or 0,
                    state=state,
                    created=datetime.fromtimestamp(session.created, UTC),
                    metadata={str(k): str(v) for k, v in metadata.items()},
                )
        return list(found.values())

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        signature = _header(headers, SIGNATURE_HEADER)
        if not signature:
            raise WebhookRejected(f"no {SIGNATURE_HEADER} header")
        try:
            stripe.Webhook.construct_event(
                body, signature, self._webhook_secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
            )
        except stripe.SignatureVerificationError as exc:
            # Forged, tampered, or signed more than 300 s ago (a replay).
            raise WebhookRejected(f"signature does not check out: {exc.user_message}") from exc
        except ValueError as exc:  # a body that is not JSON (or not UTF-8)
            raise WebhookRejected(f"signed body is not a Stripe event: {exc}") from exc
        try:
            event = msgspec.json.decode(body, type=_Event)
            payload: dict[str, Any] = msgspec.json.decode(body)
            if event.type in _SESSION_EVENTS:
                session = msgspec.convert(event.data.object, _SessionObject)
            elif event.type == PAYMENT_FAILED_EVENT:
                intent = msgspec.convert(event.data.object, _IntentObject)
            else:
                raise WebhookRejected(f"not a payment event: {event.type!r}")
        except msgspec.ValidationError as exc:
            raise WebhookRejected(f"signed body is not a Stripe payment event: {exc}") from exc
        except msgspec.DecodeError as exc:
            raise WebhookRejected(f"signed body is not a Stripe event: {exc}") from exc
        state: PaymentState
        code: str | None = None
        if event.type == PAYMENT_FAILED_EVENT:
            # A PaymentIntent does not name the Checkout Session that made it, so the event is
            # keyed by the intent's id; a decline reaches the payment through `get` (polled).
            return WebhookEvent(
                event_id=event.id,
                provider_id=intent.id,
                state=PaymentState.FAILED,
                failure_code="P0010",
                payload=payload,
            )
        if event.type == "checkout.session.completed":
            paid = session.payment_status in ("paid", "no_payment_required")
            state = PaymentState.SUCCESS if paid else PaymentState.SUBMITTED
        elif event.type == "checkout.session.async_payment_succeeded":
            state = PaymentState.SUCCESS
        elif event.type == "checkout.session.async_payment_failed":
            state, code = PaymentState.FAILED, "P0010"
        else:  # checkout.session.expired, at the event's time
            state, code = _expired_state(event.created, session.expires_at)
        return WebhookEvent(
            event_id=event.id,
            provider_id=session.id,
            state=state,
            failure_code=code,
            payload=payload,
        )

    async def _retrieve(self, provider_id: str) -> stripe.checkout.Session:
        with _translated(f"reading Checkout Session {provider_id}"):
            return await self._stripe.v1.checkout.sessions.retrieve_async(
                provider_id, {"expand": _EXPAND}
            )

    @staticmethod
    def _status(session: stripe.checkout.Session) -> PaymentStatus:
        state, code = _state_of(session)
        return PaymentStatus(
            provider_id=session.id,
            state=state,
            amount=session.amount_total or 0,
            failure_code=code,
            refundable=_refundable(_intent_of(session)),
        )

    async def _earlier_refund(self, payment_intent: str, idempotency_key: str) -> Refund | None:
        with _translated(f"listing the refunds of {payment_intent}"):
            refunds = await self._stripe.v1.refunds.list_async(
                {"payment_intent": payment_intent, "limit": 100}
            )
        for refund in refunds.data:
            metadata = refund.metadata.to_dict() if refund.metadata is not None else {}
            if metadata.get(REFUND_KEY_METADATA) == idempotency_key:
                return _refund_of(refund)
        return None
