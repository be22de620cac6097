"""The Stripe adapter (on the official `stripe` package) against a fake Stripe over real HTTP on
loopback: Checkout Sessions paid, declined, expired and cancelled; partial refunds with the expected
refundable amount; idempotency; Stripe's error answers; and `Stripe-Signature` webhooks posted to a
receiver and verified by the adapter."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio
from _departments_support import closed_port_url, serving

from counterfoil.platform.payments import (
    GatewayUnavailable,
    PaymentRejected,
    PaymentState,
    Refund,
    RefundMismatch,
    RefundStatus,
    WebhookRejected,
)
from counterfoil.platform.payments.stripe_gateway import StripeGateway, StripeUnavailable
from tests.integration.fakes import WebhookInbox, webhook_inbox
from tests.integration.fakes.stripe import FakeStripe

pytestmark = pytest.mark.asyncio

API_KEY = "sk_test_s3cr3t-key-never-logged-4242"
WEBHOOK_SECRET = "whsec_test_signing_secret"
TIMEOUT = 0.5
RETURN_URL = "https://council.example/pay/return/BWC-7K4M-Q2XD"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeStripe]:
    fake = FakeStripe(api_key=API_KEY, webhook_secret=WEBHOOK_SECRET)
    with serving(fake.app):
        yield fake


@pytest.fixture(scope="module")
def inbox() -> Iterator[WebhookInbox]:
    with webhook_inbox("/callbacks/stripe") as received:
        yield received


@pytest_asyncio.fixture
async def gateway(fake: FakeStripe) -> AsyncIterator[StripeGateway]:
    fake.reset()
    gateway = StripeGateway(
        api_key=API_KEY, webhook_secret=WEBHOOK_SECRET, base_url=fake.base_url, timeout=TIMEOUT
    )
    yield gateway
    await gateway.aclose()


async def _create(gateway: StripeGateway, amount: int = 1250, key: str | None = None) -> str:
    created = await gateway.create(
        amount=amount,
        reference="BWC-7K4M-Q2XD",
        description="Bulky waste collection",
        return_url=RETURN_URL,
        callback_url="https://council.example/callbacks/stripe/demo",
        metadata={"council": "demo", "form": "bulky-waste"},
        idempotency_key=key or uuid.uuid4().hex,
    )
    assert created.state is PaymentState.CREATED
    return created.provider_id


async def _pay(gateway: StripeGateway, session_id: str, card: str) -> httpx.Response:
    """What the payer does: open the session's page, type a card, submit."""
    next_url = f"{gateway._base_url}/c/pay/{session_id}"
    async with httpx.AsyncClient(timeout=5) as browser:
        page = await browser.get(next_url)
        assert page.status_code == 200
        return await browser.post(next_url, data={"card_number": card})


async def _paid(gateway: StripeGateway, amount: int) -> str:
    session_id = await _create(gateway, amount)
    answer = await _pay(gateway, session_id, "4242 4242 4242 4242")
    assert answer.status_code == 303
    return session_id


async def test_create_pay_and_get(gateway: StripeGateway, fake: FakeStripe) -> None:
    created = await gateway.create(
        amount=1250,
        reference="BWC-7K4M-Q2XD",
        description="Bulky waste collection",
        return_url=RETURN_URL,
        callback_url="https://council.example/callbacks/stripe/demo",
        metadata={"council": "demo", "form": "bulky-waste"},
        idempotency_key="create-1",
    )
    assert created.provider_id.startswith("cs_test_")
    assert created.next_url == f"{fake.base_url}/c/pay/{created.provider_id}"
    method, path, headers, params = fake.requests[0]
    assert (method, path) == ("POST", "/v1/checkout/sessions")
    assert headers["authorization"] == f"Bearer {API_KEY}"
    assert headers["idempotency-key"] == "create-1"
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert params["mode"] == "payment"
    assert params["client_reference_id"] == "BWC-7K4M-Q2XD"
    assert params["line_items"] == [
        {
            "quantity": "1",
            "price_data": {
                "currency": "gbp",
                "unit_amount": "1250",
                "product_data": {"name": "Bulky waste collection"},
            },
        }
    ]
    assert params["metadata"] == {"council": "demo", "form": "bulky-waste"}
    assert (params["success_url"], params["cancel_url"]) == (RETURN_URL, RETURN_URL)

    status = await gateway.get(created.provider_id)
    assert (status.state, status.amount, status.refundable) == (PaymentState.CREATED, 1250, 0)

    answer = await _pay(gateway, created.provider_id, "4242424242424242")
    assert answer.headers["location"] == RETURN_URL
    status = await gateway.get(created.provider_id)
    assert status.state is PaymentState.SUCCESS
    assert (status.provider_id, status.amount) == (created.provider_id, 1250)
    assert (status.failure_code, status.refundable) == (None, 1250)
    # The PaymentIntent carries the reference and metadata too.
    intent_id = fake.sessions[created.provider_id]["payment_intent"]
    assert fake.intents[intent_id]["metadata"]["reference"] == "BWC-7K4M-Q2XD"


async def test_declined_card_then_another_card(gateway: StripeGateway) -> None:
    session_id = await _create(gateway)
    answer = await _pay(gateway, session_id, "4000000000000002")
    assert "declined" in answer.text
    status = await gateway.get(session_id)
    assert (status.state, status.failure_code, status.refundable) == (
        PaymentState.FAILED,
        "P0010",
        0,
    )
    # The session stays open at Stripe: a later success is what the platform then honours.
    await _pay(gateway, session_id, "5555555555554444")
    assert (await gateway.get(session_id)).state is PaymentState.SUCCESS


async def test_expiry(gateway: StripeGateway, fake: FakeStripe) -> None:
    session_id = await _create(gateway)
    fake.expire(session_id)
    status = await gateway.get(session_id)
    assert (status.state, status.failure_code) == (PaymentState.FAILED, "P0020")


async def test_cancellation_by_the_service(gateway: StripeGateway, fake: FakeStripe) -> None:
    session_id = await _create(gateway)
    await gateway.cancel(session_id)
    assert fake.requests[-1][:2] == ("POST", f"/v1/checkout/sessions/{session_id}/expire")
    status = await gateway.get(session_id)
    assert (status.state, status.failure_code) == (PaymentState.CANCELLED, "P0040")
    # Stripe refuses to expire a session that is no longer open: expired, or paid.
    with pytest.raises(PaymentRejected, match=r"400.*can be expired"):
        await gateway.cancel(session_id)
    with pytest.raises(PaymentRejected, match=r"400.*status of 'complete'"):
        await gateway.cancel(await _paid(gateway, 500))


async def test_cancelled_after_a_declined_attempt(gateway: StripeGateway) -> None:
    session_id = await _create(gateway)
    await _pay(gateway, session_id, "4000000000000002")
    await gateway.cancel(session_id)
    status = await gateway.get(session_id)
    assert (status.state, status.failure_code) == (PaymentState.CANCELLED, "P0040")


async def test_partial_refunds_then_over_refund_then_stale_amount(
    gateway: StripeGateway, fake: FakeStripe
) -> None:
    session_id = await _paid(gateway, 5000)

    first = await gateway.refund(
        session_id, amount=1000, expected_refundable=5000, idempotency_key="refund-1"
    )
    assert (first.amount, first.status) == (1000, RefundStatus.SUBMITTED)
    method, path, headers, params = fake.requests[-1]
    assert (method, path, headers["idempotency-key"]) == ("POST", "/v1/refunds", "refund-1")
    assert params["payment_intent"] == fake.sessions[session_id]["payment_intent"]
    assert params["amount"] == "1000"
    second = await gateway.refund(
        session_id, amount=1500, expected_refundable=4000, idempotency_key=uuid.uuid4().hex
    )
    assert second.refund_id != first.refund_id
    assert (await gateway.get(session_id)).refundable == 2500

    refunds_before = len(fake.refunds)
    with pytest.raises(PaymentRejected, match="2500 is refundable"):
        await gateway.refund(
            session_id, amount=2501, expected_refundable=2500, idempotency_key=uuid.uuid4().hex
        )
    # A second click with the amount the first click saw: refused, so nothing is refunded twice.
    with pytest.raises(RefundMismatch, match="2500 refundable, not the 4000 expected"):
        await gateway.refund(
            session_id, amount=500, expected_refundable=4000, idempotency_key=uuid.uuid4().hex
        )
    assert len(fake.refunds) == refunds_before
    assert (await gateway.get(session_id)).refundable == 2500

    await gateway.refund(
        session_id, amount=2500, expected_refundable=2500, idempotency_key=uuid.uuid4().hex
    )
    status = await gateway.get(session_id)
    assert (status.state, status.refundable) == (PaymentState.SUCCESS, 0)


@pytest.mark.parametrize(
    ("settled", "status", "refundable"),
    [("succeeded", RefundStatus.SUCCESS, 4000), ("failed", RefundStatus.ERROR, 5000)],
)
async def test_refund_outcome_is_read_later(
    gateway: StripeGateway, fake: FakeStripe, settled: str, status: RefundStatus, refundable: int
) -> None:
    session_id = await _paid(gateway, 5000)
    made = await gateway.refund(
        session_id, amount=1000, expected_refundable=5000, idempotency_key=uuid.uuid4().hex
    )
    assert (await gateway.get_refund(session_id, made.refund_id)).status is RefundStatus.SUBMITTED
    fake.settle_refund(made.refund_id, settled)
    assert await gateway.get_refund(session_id, made.refund_id) == Refund(
        refund_id=made.refund_id, amount=1000, status=status
    )
    # a failed refund gave nothing back, so its amount can be refunded again
    assert (await gateway.get(session_id)).refundable == refundable


async def test_refund_retried_with_its_key_is_made_once(
    gateway: StripeGateway, fake: FakeStripe
) -> None:
    session_id = await _paid(gateway, 3000)
    key = uuid.uuid4().hex
    first = await gateway.refund(
        session_id, amount=700, expected_refundable=3000, idempotency_key=key
    )
    # The retry still expects 3000, which is no longer true: it gets the refund it made.
    again = await gateway.refund(
        session_id, amount=700, expected_refundable=3000, idempotency_key=key
    )
    assert again == first
    assert (await gateway.get(session_id)).refundable == 2300
    assert (
        sum(r["payment_intent"] == first_intent(fake, session_id) for r in fake.refunds.values())
        == 1
    )


def first_intent(fake: FakeStripe, session_id: str) -> str:
    return str(fake.sessions[session_id]["payment_intent"])


async def test_refund_of_an_unpaid_session_is_refused(gateway: StripeGateway) -> None:
    session_id = await _create(gateway)
    with pytest.raises(PaymentRejected, match="not paid"):
        await gateway.refund(
            session_id, amount=100, expected_refundable=0, idempotency_key=uuid.uuid4().hex
        )


async def test_idempotent_create(gateway: StripeGateway, fake: FakeStripe) -> None:
    key = uuid.uuid4().hex
    first = await _create(gateway, 1250, key)
    again = await _create(gateway, 1250, key)
    assert again == first
    assert sum(s["amount_total"] == 1250 and s["id"] == first for s in fake.sessions.values()) == 1
    # The same key with other parameters: Stripe's idempotency_error (400).
    sessions_before = len(fake.sessions)
    with pytest.raises(PaymentRejected, match=r"400.*same parameters"):
        await _create(gateway, 9999, key)
    assert len(fake.sessions) == sessions_before


async def test_429_is_unavailable_with_retry_after(
    gateway: StripeGateway, fake: FakeStripe
) -> None:
    session_id = await _create(gateway)
    fake.fail_next(2, "429")
    for _ in range(2):
        with pytest.raises(StripeUnavailable, match=r"429.*rate_limit") as caught:
            await gateway.get(session_id)
        assert caught.value.retry_after == 3
    # Once the limit lifts, the same call goes through.
    assert (await gateway.get(session_id)).state is PaymentState.CREATED


async def test_5xx_is_unavailable(gateway: StripeGateway, fake: FakeStripe) -> None:
    fake.fail_next(1, "500")
    with pytest.raises(GatewayUnavailable, match=r"500.*unknown error") as caught:
        await _create(gateway)
    assert isinstance(caught.value, StripeUnavailable)
    assert caught.value.retry_after is None


async def test_stripes_own_retries_replay_with_the_key(fake: FakeStripe) -> None:
    fake.reset()
    gateway = StripeGateway(
        api_key=API_KEY,
        webhook_secret=WEBHOOK_SECRET,
        base_url=fake.base_url,
        timeout=TIMEOUT,
        max_network_retries=2,
    )
    try:
        fake.fail_next(1, "500")
        session_id = await _create(gateway, key="retried-create")
    finally:
        await gateway.aclose()
    posts = [r for r in fake.requests if r[:2] == ("POST", "/v1/checkout/sessions")]
    assert [r[2]["idempotency-key"] for r in posts] == ["retried-create", "retried-create"]
    assert session_id in fake.sessions


async def test_timeout_is_unavailable(gateway: StripeGateway, fake: FakeStripe) -> None:
    session_id = await _paid(gateway, 800)
    fake.fail_next(1, "hang")
    with pytest.raises(GatewayUnavailable, match="did not answer"):
        await gateway.get(session_id)


async def test_connection_refused_is_unavailable() -> None:
    gateway = StripeGateway(
        api_key=API_KEY,
        webhook_secret=WEBHOOK_SECRET,
        base_url=closed_port_url().removesuffix("/hook"),
        timeout=TIMEOUT,
    )
    try:
        with pytest.raises(GatewayUnavailable, match="did not answer"):
            await gateway.get("cs_test_anything")
    finally:
        await gateway.aclose()


async def test_other_4xx_are_rejected_and_the_key_never_shows(
    fake: FakeStripe, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = StripeGateway(
        api_key=f"{API_KEY}-revoked",
        webhook_secret=WEBHOOK_SECRET,
        base_url=fake.base_url,
        timeout=TIMEOUT,
    )
    try:
        with pytest.raises(PaymentRejected, match=r"401.*Invalid API Key") as unauthorised:
            await wrong.get("cs_test_anything")
    finally:
        await wrong.aclose()
    async with httpx.AsyncClient() as client:
        mine = StripeGateway(
            api_key=API_KEY, webhook_secret=WEBHOOK_SECRET, base_url=fake.base_url, client=client
        )
        with pytest.raises(PaymentRejected, match=r"404.*resource_missing") as missing:
            await mine.get("cs_test_no_such_session")
        with pytest.raises(PaymentRejected, match=r"400.*unit_amount|400.*at least 30") as invalid:
            await _create(mine, 10)
        await mine.aclose()  # the caller's client stays open
        assert not client.is_closed
    shown = [str(unauthorised.value), str(invalid.value), str(missing.value), repr(mine)]
    shown += [repr(unauthorised.value.__cause__), repr(missing.value.__cause__)]
    shown += [record.getMessage() for record in caplog.records]
    assert not [text for text in shown if API_KEY in text or WEBHOOK_SECRET in text]


async def test_webhooks_posted_and_verified(
    gateway: StripeGateway, fake: FakeStripe, inbox: WebhookInbox
) -> None:
    session_id = await _paid(gateway, 1250)
    headers, body = fake.webhook("checkout.session.completed", fake.session_json(session_id))
    assert headers["Stripe-Signature"].startswith("t=")
    assert await fake.post_webhook(inbox.url, headers, body) == 200

    event = gateway.verify_webhook(*inbox.received[-1])
    assert (event.provider_id, event.state, event.failure_code) == (
        session_id,
        PaymentState.SUCCESS,
        None,
    )
    assert event.event_id == event.payload["id"]
    assert event.event_id.startswith("evt_")
    assert event.payload["type"] == "checkout.session.completed"


async def test_failure_webhooks_carry_the_code(gateway: StripeGateway, fake: FakeStripe) -> None:
    expired = await _create(gateway)
    fake.expire(expired)
    cancelled = await _create(gateway)
    await gateway.cancel(cancelled)
    declined = await _create(gateway)
    await _pay(gateway, declined, "4000000000000002")
    intent_id = first_intent(fake, declined)
    async_failed = await _paid(gateway, 900)
    cases = [
        ("checkout.session.expired", fake.session_json(expired), expired, "failed", "P0020"),
        ("checkout.session.expired", fake.session_json(cancelled), cancelled, "cancelled", "P0040"),
        (
            "checkout.session.async_payment_failed",
            fake.session_json(async_failed),
            async_failed,
            "failed",
            "P0010",
        ),
        # A PaymentIntent does not name its Checkout Session: the event is keyed by the intent.
        (
            "payment_intent.payment_failed",
            fake.intent_json(intent_id),
            intent_id,
            "failed",
            "P0010",
        ),
    ]
    for event_type, obj, provider_id, state, code in cases:
        event = gateway.verify_webhook(*fake.webhook(event_type, obj))
        assert (event.provider_id, event.state, event.failure_code) == (provider_id, state, code)


async def test_forged_tampered_and_unsigned_webhooks_are_refused(
    gateway: StripeGateway, fake: FakeStripe, inbox: WebhookInbox
) -> None:
    session_id = await _create(gateway)
    fake.expire(session_id)
    _, body = fake.webhook("checkout.session.expired", fake.session_json(session_id))

    await fake.post_webhook(inbox.url, fake.sign(body, secret="whsec_a_guess"), body)
    with pytest.raises(WebhookRejected, match="signature"):
        gateway.verify_webhook(*inbox.received[-1])

    # A valid signature over a body then changed to say "completed".
    headers = fake.sign(body)
    tampered = body.replace(b"checkout.session.expired", b"checkout.session.completed")
    assert tampered != body
    await fake.post_webhook(inbox.url, headers, tampered)
    with pytest.raises(WebhookRejected, match="signature"):
        gateway.verify_webhook(*inbox.received[-1])

    with pytest.raises(WebhookRejected, match="no Stripe-Signature"):
        gateway.verify_webhook({"Content-Type": "application/json"}, body)
    for garbage in ("v1=abc", "t=notatime,v1=abc", "ünïcode"):
        with pytest.raises(WebhookRejected, match="signature"):
            gateway.verify_webhook({"Stripe-Signature": garbage}, body)


async def test_replayed_too_late_is_refused(
    gateway: StripeGateway, fake: FakeStripe, inbox: WebhookInbox
) -> None:
    session_id = await _paid(gateway, 2000)
    _, body = fake.webhook("checkout.session.completed", fake.session_json(session_id))
    # Within the 300 s tolerance a retry verifies, with the same event id to deduplicate on.
    recent = fake.sign(body, timestamp=int(time.time()) - 290)
    events = [gateway.verify_webhook(recent, body) for _ in range(2)]
    assert events[0] == events[1]
    # Signed correctly, but more than 300 s ago: a replay.
    stale = fake.sign(body, timestamp=int(time.time()) - 301)
    await fake.post_webhook(inbox.url, stale, body)
    with pytest.raises(WebhookRejected, match=r"(?i)timestamp outside the tolerance zone"):
        gateway.verify_webhook(*inbox.received[-1])


async def test_signed_but_not_a_payment_event_is_refused(
    gateway: StripeGateway, fake: FakeStripe
) -> None:
    other = fake.webhook("customer.created", {"id": "cus_test_1", "object": "customer"})
    with pytest.raises(WebhookRejected, match="not a payment event"):
        gateway.verify_webhook(*other)
    garbled = json.dumps({"id": "evt_1", "type": "checkout.session.completed"}).encode()
    with pytest.raises(WebhookRejected, match="not a Stripe"):
        gateway.verify_webhook(fake.sign(garbled), garbled)
    not_json = b"<xml/>"
    with pytest.raises(WebhookRejected, match="not a Stripe event"):
        gateway.verify_webhook(fake.sign(not_json), not_json)
