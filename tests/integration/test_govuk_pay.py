"""The GOV.UK Pay adapter against a fake GOV.UK Pay over real HTTP on loopback: the whole payment
cycle, refunds with `refund_amount_available`, idempotency, the provider's error answers, and signed
webhooks posted to a receiver and verified by the adapter."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
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
from counterfoil.platform.payments.govuk_pay import GovUkPayGateway, GovUkPayUnavailable
from tests.integration.fakes import WebhookInbox, webhook_inbox
from tests.integration.fakes.govuk_pay import FakeGovUkPay

pytestmark = pytest.mark.asyncio

API_KEY = "api_test_s3cr3t-key-never-logged"
WEBHOOK_SECRET = "webhook_test_signing_secret"
TIMEOUT = 0.5


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeGovUkPay]:
    fake = FakeGovUkPay(api_key=API_KEY, webhook_secret=WEBHOOK_SECRET)
    with serving(fake.app):
        yield fake


@pytest.fixture(scope="module")
def inbox() -> Iterator[WebhookInbox]:
    with webhook_inbox("/callbacks/govuk_pay") as received:
        yield received


@pytest_asyncio.fixture
async def gateway(fake: FakeGovUkPay) -> AsyncIterator[GovUkPayGateway]:
    fake.reset()
    gateway = GovUkPayGateway(
        base_url=fake.base_url, api_key=API_KEY, webhook_secret=WEBHOOK_SECRET, timeout=TIMEOUT
    )
    yield gateway
    await gateway.aclose()


async def _create(
    gateway: GovUkPayGateway, amount: int = 1250, key: str | None = None
) -> tuple[str, str]:
    created = await gateway.create(
        amount=amount,
        reference="BWC-7K4M-Q2XD",
        description="Bulky waste collection",
        return_url="https://council.example/pay/return/BWC-7K4M-Q2XD",
        callback_url="https://council.example/callbacks/govuk_pay/demo",
        metadata={"council": "demo", "form": "bulky-waste"},
        idempotency_key=key or uuid.uuid4().hex,
    )
    assert created.state is PaymentState.CREATED
    return created.provider_id, created.next_url


async def _pay(next_url: str, card: str) -> httpx.Response:
    """What the payer does: open next_url, type a card, submit."""
    async with httpx.AsyncClient(timeout=5) as browser:
        page = await browser.get(next_url)
        assert page.status_code == 200
        return await browser.post(next_url, data={"card_number": card})


async def _paid(gateway: GovUkPayGateway, amount: int) -> str:
    payment_id, next_url = await _create(gateway, amount)
    answer = await _pay(next_url, "4444 3333 2222 1111")
    assert answer.status_code == 303
    return payment_id


async def test_create_pay_and_get(gateway: GovUkPayGateway, fake: FakeGovUkPay) -> None:
    payment_id, next_url = await _create(gateway, 1250)
    assert next_url.startswith(f"{fake.base_url}/secure/")
    method, path, headers = fake.requests[0]
    assert (method, path) == ("POST", "/v1/payments")
    assert headers["authorization"] == f"Bearer {API_KEY}"
    assert headers["idempotency-key"]
    sent = fake.payments[payment_id]
    assert (sent.language, sent.metadata) == ("en", {"council": "demo", "form": "bulky-waste"})

    status = await gateway.get(payment_id)
    assert (status.state, status.amount, status.refundable) == (PaymentState.CREATED, 1250, 0)

    answer = await _pay(next_url, "4444333322221111")
    # The return URL carries no outcome: the service asks GOV.UK Pay.
    assert answer.headers["location"] == "https://council.example/pay/return/BWC-7K4M-Q2XD"
    status = await gateway.get(payment_id)
    assert status.state is PaymentState.SUCCESS
    assert status.state.finished
    assert (status.provider_id, status.amount) == (payment_id, 1250)
    assert (status.failure_code, status.refundable) == (None, 1250)


async def test_declined_card(gateway: GovUkPayGateway) -> None:
    payment_id, next_url = await _create(gateway)
    await _pay(next_url, "4000000000000002")
    status = await gateway.get(payment_id)
    assert (status.state, status.failure_code, status.refundable) == (
        PaymentState.FAILED,
        "P0010",
        0,
    )


async def test_provider_error(gateway: GovUkPayGateway) -> None:
    payment_id, next_url = await _create(gateway)
    await _pay(next_url, "4000000000000119")
    status = await gateway.get(payment_id)
    assert (status.state, status.failure_code) == (PaymentState.ERROR, "P0050")


async def test_expiry(gateway: GovUkPayGateway, fake: FakeGovUkPay) -> None:
    payment_id, _ = await _create(gateway)
    fake.expire(payment_id)
    status = await gateway.get(payment_id)
    assert (status.state, status.failure_code) == (PaymentState.FAILED, "P0020")


async def test_cancellation_by_the_service(gateway: GovUkPayGateway) -> None:
    payment_id, _ = await _create(gateway)
    await gateway.cancel(payment_id)
    status = await gateway.get(payment_id)
    assert (status.state, status.failure_code) == (PaymentState.CANCELLED, "P0040")
    # A finished payment cannot be cancelled (400 P0501), nor can a paid one.
    with pytest.raises(PaymentRejected, match="P0501"):
        await gateway.cancel(payment_id)
    with pytest.raises(PaymentRejected, match="P0501"):
        await gateway.cancel(await _paid(gateway, 500))


async def test_cancel_during_authorisation_is_refused(
    gateway: GovUkPayGateway, fake: FakeGovUkPay
) -> None:
    payment_id, _ = await _create(gateway)
    with fake.lock:
        fake.payments[payment_id].status = "submitted"
    with pytest.raises(PaymentRejected, match=r"409.*P0502"):
        await gateway.cancel(payment_id)


async def test_partial_refunds_then_over_refund_then_stale_amount(
    gateway: GovUkPayGateway,
) -> None:
    payment_id = await _paid(gateway, 5000)

    first = await gateway.refund(
        payment_id, amount=1000, expected_refundable=5000, idempotency_key=uuid.uuid4().hex
    )
    assert (first.amount, first.status) == (1000, RefundStatus.SUBMITTED)
    second = await gateway.refund(
        payment_id, amount=1500, expected_refundable=4000, idempotency_key=uuid.uuid4().hex
    )
    assert second.refund_id != first.refund_id
    assert (await gateway.get(payment_id)).refundable == 2500

    with pytest.raises(PaymentRejected, match="P0603"):
        await gateway.refund(
            payment_id, amount=2501, expected_refundable=2500, idempotency_key=uuid.uuid4().hex
        )
    # A second click with the amount the first click saw: refused, so nothing is refunded twice.
    with pytest.raises(RefundMismatch, match="P0604"):
        await gateway.refund(
            payment_id, amount=500, expected_refundable=4000, idempotency_key=uuid.uuid4().hex
        )
    assert (await gateway.get(payment_id)).refundable == 2500


@pytest.mark.parametrize(
    ("settled", "refundable"), [(RefundStatus.SUCCESS, 4000), (RefundStatus.ERROR, 5000)]
)
async def test_refund_outcome_is_read_later(
    gateway: GovUkPayGateway, fake: FakeGovUkPay, settled: RefundStatus, refundable: int
) -> None:
    payment_id = await _paid(gateway, 5000)
    made = await gateway.refund(
        payment_id, amount=1000, expected_refundable=5000, idempotency_key=uuid.uuid4().hex
    )
    assert (await gateway.get_refund(payment_id, made.refund_id)).status is RefundStatus.SUBMITTED
    fake.settle_refund(payment_id, made.refund_id, settled.value)
    assert await gateway.get_refund(payment_id, made.refund_id) == Refund(
        refund_id=made.refund_id, amount=1000, status=settled
    )
    # a failed refund gave nothing back, so its amount can be refunded again
    assert (await gateway.get(payment_id)).refundable == refundable
    with pytest.raises(PaymentRejected, match="404"):
        await gateway.get_refund(payment_id, "no-such-refund")


async def test_refund_retried_with_its_key_is_made_once(gateway: GovUkPayGateway) -> None:
    payment_id = await _paid(gateway, 3000)
    key = uuid.uuid4().hex
    first = await gateway.refund(
        payment_id, amount=700, expected_refundable=3000, idempotency_key=key
    )
    again = await gateway.refund(
        payment_id, amount=700, expected_refundable=3000, idempotency_key=key
    )
    assert again == first
    assert (await gateway.get(payment_id)).refundable == 2300


async def test_refund_of_an_unpaid_payment_is_refused(gateway: GovUkPayGateway) -> None:
    payment_id, _ = await _create(gateway)
    with pytest.raises(PaymentRejected, match="P0603"):
        await gateway.refund(
            payment_id, amount=100, expected_refundable=0, idempotency_key=uuid.uuid4().hex
        )


async def test_idempotent_create(gateway: GovUkPayGateway, fake: FakeGovUkPay) -> None:
    key = uuid.uuid4().hex
    first, first_url = await _create(gateway, 1250, key)
    again, again_url = await _create(gateway, 1250, key)
    assert (again, again_url) == (first, first_url)
    # The same key with another body: GOV.UK Pay's 409 P0191.
    with pytest.raises(PaymentRejected, match=r"Idempotency-Key reused.*P0191"):
        await _create(gateway, 9999, key)
    assert (
        sum(p.reference == "BWC-7K4M-Q2XD" and p.amount == 9999 for p in fake.payments.values())
        == 0
    )


async def test_429_is_unavailable_with_retry_after(
    gateway: GovUkPayGateway, fake: FakeGovUkPay
) -> None:
    payment_id, _ = await _create(gateway)
    fake.fail_next(2, "429")
    for _ in range(2):
        with pytest.raises(GovUkPayUnavailable, match="429") as caught:
            await gateway.get(payment_id)
        assert caught.value.retry_after == 7
    # Once the limit lifts, the same call goes through.
    assert (await gateway.get(payment_id)).state is PaymentState.CREATED


async def test_5xx_is_unavailable(gateway: GovUkPayGateway, fake: FakeGovUkPay) -> None:
    fake.fail_next(1, "500")
    with pytest.raises(GatewayUnavailable, match="500") as caught:
        await _create(gateway)
    assert isinstance(caught.value, GovUkPayUnavailable)
    assert caught.value.retry_after is None


async def test_timeout_is_unavailable(gateway: GovUkPayGateway, fake: FakeGovUkPay) -> None:
    payment_id = await _paid(gateway, 800)
    fake.fail_next(1, "hang")
    with pytest.raises(GatewayUnavailable, match="did not answer"):
        await gateway.refund(
            payment_id, amount=100, expected_refundable=800, idempotency_key=uuid.uuid4().hex
        )


async def test_connection_refused_is_unavailable() -> None:
    gateway = GovUkPayGateway(
        base_url=closed_port_url(), api_key=API_KEY, webhook_secret=WEBHOOK_SECRET, timeout=TIMEOUT
    )
    try:
        with pytest.raises(GatewayUnavailable, match="did not answer"):
            await gateway.get("anything")
    finally:
        await gateway.aclose()


async def test_other_4xx_are_rejected_with_the_code_and_the_key_never_shows(
    fake: FakeGovUkPay, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = GovUkPayGateway(
        base_url=fake.base_url,
        api_key=f"{API_KEY}-revoked",
        webhook_secret=WEBHOOK_SECRET,
        timeout=TIMEOUT,
    )
    try:
        with pytest.raises(PaymentRejected, match=r"401.*P0940") as unauthorised:
            await wrong.get("anything")
    finally:
        await wrong.aclose()
    async with httpx.AsyncClient() as client:
        mine = GovUkPayGateway(
            base_url=fake.base_url, api_key=API_KEY, webhook_secret=WEBHOOK_SECRET, client=client
        )
        with pytest.raises(PaymentRejected, match=r"404.*P0200") as missing:
            await mine.get("no-such-payment")
        with pytest.raises(PaymentRejected, match=r"422.*P0102.*amount") as invalid:
            await _create(mine, 10_000_001)
        await mine.aclose()  # the caller's client stays open
        assert not client.is_closed
    shown = [str(unauthorised.value), str(invalid.value), str(missing.value), repr(mine)]
    shown += [record.getMessage() for record in caplog.records]
    assert not [text for text in shown if API_KEY in text or WEBHOOK_SECRET in text]


async def test_webhook_posted_and_verified(
    gateway: GovUkPayGateway, fake: FakeGovUkPay, inbox: WebhookInbox
) -> None:
    payment_id = await _paid(gateway, 1250)
    headers, body = fake.webhook(payment_id, "card_payment_captured")
    assert await fake.post_webhook(inbox.url, headers, body) == 200
    received_headers, received_body = inbox.received[-1]

    event = gateway.verify_webhook(received_headers, received_body)
    assert (event.provider_id, event.state, event.failure_code) == (
        payment_id,
        PaymentState.SUCCESS,
        None,
    )
    assert event.event_id == event.payload["webhook_message_id"]
    assert event.payload["event_type"] == "card_payment_captured"


async def test_failure_webhooks_carry_the_code(
    gateway: GovUkPayGateway, fake: FakeGovUkPay
) -> None:
    declined, next_url = await _create(gateway)
    await _pay(next_url, "4000000000000002")
    expired, _ = await _create(gateway)
    fake.expire(expired)
    for payment_id, event_type, code in (
        (declined, "card_payment_failed", "P0010"),
        (expired, "card_payment_expired", "P0020"),
    ):
        headers, body = fake.webhook(payment_id, event_type)
        event = gateway.verify_webhook(headers, body)
        assert (event.state, event.failure_code) == (PaymentState.FAILED, code)


async def test_forged_tampered_and_unsigned_webhooks_are_refused(
    gateway: GovUkPayGateway, fake: FakeGovUkPay, inbox: WebhookInbox
) -> None:
    payment_id, _ = await _create(gateway)
    fake.expire(payment_id)
    _, body = fake.webhook(payment_id, "card_payment_expired")

    forged = fake.sign(body, secret="a guess at the secret")
    await fake.post_webhook(inbox.url, forged, body)
    with pytest.raises(WebhookRejected, match="signature"):
        gateway.verify_webhook(*inbox.received[-1])

    # A valid signature over a body that was then changed to say "success".
    headers = fake.sign(body)
    tampered = body.replace(b'"status": "failed"', b'"status": "success"')
    assert tampered != body
    await fake.post_webhook(inbox.url, headers, tampered)
    with pytest.raises(WebhookRejected, match="signature"):
        gateway.verify_webhook(*inbox.received[-1])

    with pytest.raises(WebhookRejected, match="no Pay-Signature"):
        gateway.verify_webhook({"Content-Type": "application/json"}, body)
    with pytest.raises(WebhookRejected, match="signature"):
        gateway.verify_webhook({"Pay-Signature": "ünïcode"}, body)


async def test_signed_but_not_a_payment_event_is_refused(
    gateway: GovUkPayGateway, fake: FakeGovUkPay
) -> None:
    def signed(body: bytes) -> dict[str, str]:
        return {
            "pay-signature": hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
        }

    garbled = b'{"webhook_message_id": "m1", "resource_type": "payment"}'
    with pytest.raises(WebhookRejected, match=r"not a GOV.UK Pay payment event"):
        gateway.verify_webhook(signed(garbled), garbled)

    payment_id, _ = await _create(gateway)
    message = json.loads(fake.webhook(payment_id, "card_payment_started")[1])
    message["resource_type"] = "refund"
    other = json.dumps(message).encode()
    with pytest.raises(WebhookRejected, match="not a payment event"):
        gateway.verify_webhook(signed(other), other)


async def test_replayed_webhook_parses_to_the_same_event(
    gateway: GovUkPayGateway, fake: FakeGovUkPay, inbox: WebhookInbox
) -> None:
    payment_id = await _paid(gateway, 2000)
    headers, body = fake.webhook(payment_id, "card_payment_succeeded")
    before = len(inbox.received)
    # GOV.UK Pay retries, and an attacker can replay: both verify, with one message id.
    for _ in range(2):
        await fake.post_webhook(inbox.url, headers, body)
    events = [gateway.verify_webhook(*posted) for posted in inbox.received[before:]]
    assert len(events) == 2
    assert events[0].event_id == events[1].event_id
    assert events[0] == events[1]
