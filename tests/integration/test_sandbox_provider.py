"""The sandbox provider and the platform's side of it, over real HTTP on loopback: the app served by
uvicorn, the platform's `SandboxGateway`, and a tiny webhook receiver."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import uvicorn
from sqlmodel import select

from counterfoil.platform import Platform, Settings
from counterfoil.platform.db import migrate
from counterfoil.platform.db.models import (
    Council,
    Payment,
    PaymentEvent,
    SandboxPayment,
    SandboxRefund,
    Submission,
)
from counterfoil.platform.payments import (
    GatewayUnavailable,
    PaymentRejected,
    PaymentState,
    RefundMismatch,
    RefundStatus,
    SandboxGateway,
    WebhookEvent,
    WebhookRejected,
)
from counterfoil.platform.payments.sandbox import sign
from counterfoil.web.app import create_app

pytestmark = pytest.mark.asyncio


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    url: str
    settings: Settings
    platform: Platform


@contextmanager
def serve_app(directory: Path, **overrides: Any) -> Iterator[Served]:
    port = _free_port()
    settings = Settings(
        _env_file=None,
        var_dir=directory,
        database_url=f"sqlite:///{directory}/t.db",
        public_url=f"http://127.0.0.1:{port}",
        **overrides,
    )
    migrate(settings.resolved_database_url)
    platform = Platform.open(settings)
    app = create_app(platform, temporal=None, connect_temporal=False)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.02)
    try:
        yield Served(settings.resolved_public_url, settings, platform)
    finally:
        server.should_exit = True
        thread.join(15)
        platform.close()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A stand-in for the platform's callback and return pages: records what it is sent."""

    url: str
    posts: list[Received] = field(default_factory=list)
    # Paths that answer 500 this many more times before accepting.
    failures: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, payment_id: str, count: int = 1, timeout: float = 10) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                found = [
                    p
                    for p in self.posts
                    if p.headers.get("x-answered") == "200"
                    and json.loads(p.body)["resource_id"] == payment_id
                ]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no webhook for {payment_id} within {timeout} s")


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with receiver.lock:
                left = receiver.failures.get(self.path, 0)
                receiver.failures[self.path] = max(left - 1, 0)
                status = 500 if left else 200
                headers = {k.lower(): v for k, v in self.headers.items()}
                headers["x-answered"] = str(status)
                receiver.posts.append(Received(self.path, headers, body))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            page = b"back at the council"
            self.send_response(200)
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield receiver
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve_app(tmp_path_factory.mktemp("sandbox")) as served:
        yield served


@pytest_asyncio.fixture
async def gateway(app: Served) -> AsyncIterator[SandboxGateway]:
    gateway = SandboxGateway(app.settings)
    yield gateway
    await gateway.aclose()


async def _create(
    gateway: SandboxGateway, receiver: Receiver, amount: int = 1250, key: str | None = None
) -> tuple[str, str]:
    created = await gateway.create(
        amount=amount,
        reference="BWC-7K4M-Q2XD",
        description="Bulky waste collection",
        return_url=f"{receiver.url}/pay/return/BWC-7K4M-Q2XD",
        callback_url=f"{receiver.url}/callbacks/sandbox/demo",
        metadata={"council": "demo"},
        idempotency_key=key or uuid.uuid4().hex,
    )
    assert created.state is PaymentState.CREATED
    return created.provider_id, created.next_url


def _token(page: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


async def _pay(
    next_url: str,
    number: str,
    *,
    month: str = "12",
    year: str = str(date.today().year + 5),
    action: str = "pay",
) -> httpx.Response:
    async with httpx.AsyncClient(follow_redirects=True) as browser:
        page = await browser.get(next_url)
        assert page.status_code == 200
        assert "Sandbox — no real money" in page.text
        form = {
            "_csrf_token": _token(page.text),
            "card_number": number,
            "expiry_month": month,
            "expiry_year": year,
            "cardholder_name": "Ada Lovelace",
            "cvc": "123",
            "action": action,
        }
        response = await browser.post(next_url, data=form)
        if "Confirm your payment" in response.text:
            decision = {"_csrf_token": _token(response.text), "decision": "approve"}
            response = await browser.post(f"{next_url}/3ds", data=decision)
        return response


def _verified(gateway: SandboxGateway, received: Received) -> WebhookEvent:
    return gateway.verify_webhook(received.headers, received.body)


@pytest.mark.parametrize(
    ("number", "state", "code"),
    [
        ("4242424242424242", PaymentState.SUCCESS, None),
        ("4444 3333 2222 1111", PaymentState.SUCCESS, None),
        ("5105105105105100", PaymentState.SUCCESS, None),
        ("371449635398431", PaymentState.SUCCESS, None),
        ("4000000000000002", PaymentState.FAILED, "P0010"),
        ("4000000000000069", PaymentState.FAILED, "P0010"),
        ("4000000000000127", PaymentState.FAILED, "P0010"),
        ("4000000000000119", PaymentState.ERROR, "P0050"),
        ("4000002500003155", PaymentState.SUCCESS, None),
    ],
)
async def test_test_card_outcome_returns_resident_and_sends_signed_webhook(
    app: Served,
    gateway: SandboxGateway,
    receiver: Receiver,
    number: str,
    state: PaymentState,
    code: str | None,
) -> None:
    provider_id, next_url = await _create(gateway, receiver)
    response = await _pay(next_url, number)
    assert response.history[-1].status_code == 303
    assert str(response.url) == f"{receiver.url}/pay/return/BWC-7K4M-Q2XD"
    status = await gateway.get(provider_id)
    assert (status.state, status.failure_code) == (state, code)
    assert status.refundable == (1250 if state is PaymentState.SUCCESS else 0)
    event = _verified(gateway, receiver.wait_for(provider_id)[0])
    assert (event.provider_id, event.state, event.failure_code) == (provider_id, state, code)


async def test_card_page_stores_only_the_last_four_digits(
    app: Served, gateway: SandboxGateway, receiver: Receiver
) -> None:
    provider_id, next_url = await _create(gateway, receiver)
    await _pay(next_url, "4242 4242 4242 4242")
    with app.platform.session() as session:
        row = session.get(SandboxPayment, provider_id)
    assert row is not None
    assert row.card_last4 == "4242"
    async with httpx.AsyncClient() as client:
        body = (
            await client.get(
                f"{app.settings.resolved_sandbox_url}/v1/payments/{provider_id}",
                headers={"Authorization": f"Bearer {app.settings.sandbox_api_key}"},
            )
        ).json()
    assert body["card_details"] == {"last_digits_card_number": "4242"}
    assert "4242424242424242" not in json.dumps(body)


async def test_unknown_card_number_reshows_page_without_echoing_it(
    app: Served, gateway: SandboxGateway, receiver: Receiver
) -> None:
    provider_id, next_url = await _create(gateway, receiver)
    response = await _pay(next_url, "1234 5678 9012 3456", month="07", year="2031")
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert "Enter a valid card number" in response.text
    assert "1234 5678" not in response.text
    assert "1234567890123456" not in response.text
    assert 'value="07"' in response.text
    assert 'value="2031"' in response.text
    assert "Ada Lovelace" in response.text
    assert (await gateway.get(provider_id)).state is PaymentState.STARTED


async def test_expiry_in_the_past_is_refused(
    app: Served, gateway: SandboxGateway, receiver: Receiver
) -> None:
    _, next_url = await _create(gateway, receiver)
    response = await _pay(next_url, "4242424242424242", month="01", year="2020")
    assert response.status_code == 400
    assert "Enter a valid expiry date" in response.text
    assert "Enter a valid card number" not in response.text


async def test_cancel_button_fails_payment_as_cancelled_by_payer(
    app: Served, gateway: SandboxGateway, receiver: Receiver
) -> None:
    provider_id, next_url = await _create(gateway, receiver)
    response = await _pay(next_url, "", action="cancel")
    assert str(response.url).startswith(f"{receiver.url}/pay/return/")
    status = await gateway.get(provider_id)
    assert (status.state, status.failure_code) == (PaymentState.FAILED, "P0030")


async def test_finished_payment_card_page_redirects_to_return_url(
    app: Served, gateway: SandboxGateway, receiver: Receiver
) -> None:
    _, next_url = await _create(gateway, receiver)
    await _pay(next_url, "4242424242424242")
    async with httpx.AsyncClient() as browser:
        again = await browser.get(next_url)
    assert again.status_code == 303
    assert again.headers["location"] == f"{receiver.url}/pay/return/BWC-7K4M-Q2XD"


async def test_same_idempotency_key_and_body_returns_the_same_payment(
    app: Served, gateway: SandboxGateway, receiver: Receiver
) -> None:
    key = uuid.uuid4().hex
    first, _ = await _create(gateway, receiver, key=key)
    second, _ = await _create(gateway, receiver, key=key)
    assert first == second


async def test_reused_idempotency_key_with_another_body_is_409(
    app: Served, gateway: SandboxGateway, receiver: Receiver
) -> None:
    key = uuid.uuid4().hex
    await _create(gateway, receiver, key=key)
    with pytest.raises(PaymentRejected, match="409"):
        await _create(gateway, receiver, amount=999, key=key)


async def test_api_refuses_a_missing_or_wrong_key(app: Served) -> None:
    async with httpx.AsyncClient() as client:
        url = f"{app.settings.resolved_sandbox_url}/v1/payments/nope"
        assert (await client.get(url)).status_code == 401
        wrong = await client.get(url, headers={"Authorization": "Bearer wrong"})
    assert wrong.status_code == 401
    assert wrong.json()["status"] == 401


async def test_refunds_check_the_expected_available_amount(
    app: Served, gateway: SandboxGateway, receiver: Receiver
) -> None:
    provider_id, next_url = await _create(gateway, receiver, amount=5000)
    with pytest.raises(PaymentRejected, match="400"):
        await gateway.refund(provider_id, amount=100, expected_refundable=0, idempotency_key="x0")
    await _pay(next_url, "4242424242424242")
    refund = await gateway.refund(
        provider_id, amount=2000, expected_refundable=5000, idempotency_key=f"{provider_id}-r1"
    )
    assert (refund.amount, refund.status) == (2000, RefundStatus.SUBMITTED)
    assert (await gateway.get(provider_id)).refundable == 3000
    # The same key again is the same refund, not a second one.
    again = await gateway.refund(
        provider_id, amount=2000, expected_refundable=5000, idempotency_key=f"{provider_id}-r1"
    )
    assert again.refund_id == refund.refund_id
    # asynchronous, as at a real provider: submitted until the settle time has passed
    assert (
        await gateway.get_refund(provider_id, refund.refund_id)
    ).status is RefundStatus.SUBMITTED
    with app.platform.session() as session:
        row = session.get(SandboxRefund, refund.refund_id)
        assert row is not None
        row.created_at -= app.settings.sandbox_refund_settle
        session.add(row)
    settled = await gateway.get_refund(provider_id, refund.refund_id)
    assert (settled.amount, settled.status) == (2000, RefundStatus.SUCCESS)
    with pytest.raises(PaymentRejected, match="404"):
        await gateway.get_refund(provider_id, "rf-none")
    with pytest.raises(RefundMismatch):
        await gateway.refund(
            provider_id, amount=1000, expected_refundable=5000, idempotency_key=f"{provider_id}-r2"
        )
    with pytest.raises(PaymentRejected, match="400"):
        await gateway.refund(
            provider_id, amount=3001, expected_refundable=3000, idempotency_key=f"{provider_id}-r3"
        )
    assert (await gateway.get(provider_id)).refundable == 3000
    events = receiver.wait_for(provider_id, count=2)
    assert [json.loads(e.body)["event_type"] for e in events] == [
        "card_payment_succeeded",
        "card_payment_refunded",
    ]


async def test_cancel_by_service_then_cancel_again_is_refused(
    app: Served, gateway: SandboxGateway, receiver: Receiver
) -> None:
    provider_id, _next_url = await _create(gateway, receiver)
    await gateway.cancel(provider_id)
    status = await gateway.get(provider_id)
    assert (status.state, status.failure_code) == (PaymentState.CANCELLED, "P0040")
    with pytest.raises(PaymentRejected, match="409"):
        await gateway.cancel(provider_id)
    event = _verified(gateway, receiver.wait_for(provider_id)[0])
    assert event.state is PaymentState.CANCELLED


async def test_unpaid_payment_expires_and_notifies(tmp_path: Path, receiver: Receiver) -> None:
    with serve_app(tmp_path, payment_expiry=timedelta(seconds=1)) as served:
        gateway = SandboxGateway(served.settings)
        try:
            provider_id, next_url = await _create(gateway, receiver)
            await asyncio.sleep(1.2)
            status = await gateway.get(provider_id)
            assert (status.state, status.failure_code) == (PaymentState.FAILED, "P0020")
            async with httpx.AsyncClient() as browser:
                assert (await browser.get(next_url)).status_code == 303
            received = receiver.wait_for(provider_id)
            assert len(received) == 1
            assert json.loads(received[0].body)["event_type"] == "card_payment_expired"
            assert _verified(gateway, received[0]).failure_code == "P0020"
        finally:
            await gateway.aclose()


async def test_webhook_is_retried_until_accepted(
    app: Served, gateway: SandboxGateway, receiver: Receiver
) -> None:
    path = f"/flaky/{uuid.uuid4().hex}"
    receiver.failures[path] = 2
    created = await gateway.create(
        amount=700,
        reference="R",
        description="d",
        return_url=f"{receiver.url}/back",
        callback_url=f"{receiver.url}{path}",
        metadata={},
        idempotency_key=uuid.uuid4().hex,
    )
    await gateway.cancel(created.provider_id)
    receiver.wait_for(created.provider_id)
    attempts = [p for p in receiver.posts if p.path == path]
    assert [p.headers["x-answered"] for p in attempts] == ["500", "500", "200"]
    assert len({p.body for p in attempts}) == 1


async def test_tampered_webhook_body_is_refused(
    app: Served, gateway: SandboxGateway, receiver: Receiver
) -> None:
    provider_id, _ = await _create(gateway, receiver)
    await gateway.cancel(provider_id)
    received = receiver.wait_for(provider_id)[0]
    tampered = received.body.replace(b'"cancelled"', b'"success"')
    with pytest.raises(WebhookRejected):
        gateway.verify_webhook(received.headers, tampered)
    with pytest.raises(WebhookRejected):
        gateway.verify_webhook({}, received.body)


async def test_gateway_reports_an_unreachable_provider_as_unavailable(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, sandbox_base_url=f"http://127.0.0.1:{_free_port()}")
    gateway = SandboxGateway(settings)
    with pytest.raises(GatewayUnavailable):
        await gateway.get("anything")
    await gateway.aclose()


def _event_body(provider_id: str, event_id: str, status: str = "success") -> bytes:
    event = {
        "event_id": event_id,
        "event_type": "card_payment_succeeded",
        "resource_id": provider_id,
        "resource": {
            "payment_id": provider_id,
            "state": {"status": status, "finished": True, "code": None},
            "amount": 1250,
            "reference": "BWC-7K4M-Q2XD",
            "metadata": {},
        },
    }
    return json.dumps(event).encode()


def _events(app: Served, event_id: str) -> list[PaymentEvent]:
    with app.platform.session() as session:
        query = select(PaymentEvent).where(PaymentEvent.event_id == event_id)
        return list(session.exec(query).all())


async def test_callback_records_a_replayed_event_once(app: Served) -> None:
    event_id = uuid.uuid4().hex
    body = _event_body("no-payment-row-yet", event_id)
    headers = {"Pay-Signature": sign(app.settings.sandbox_webhook_secret, body)}
    async with httpx.AsyncClient() as client:
        for _ in range(5):
            response = await client.post(
                f"{app.url}/callbacks/sandbox/demo", content=body, headers=headers
            )
            assert response.status_code == 200
    [row] = _events(app, event_id)
    assert (row.signature_valid, row.state, row.source) == (True, "success", "webhook")


async def test_callback_refuses_a_bad_signature_and_records_the_refusal(app: Served) -> None:
    event_id = uuid.uuid4().hex
    body = _event_body("p1", event_id)
    signature = sign(app.settings.sandbox_webhook_secret, body)
    tampered = body.replace(b'"amount": 1250', b'"amount": 1')
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{app.url}/callbacks/sandbox/demo",
            content=tampered,
            headers={"Pay-Signature": signature},
        )
    assert response.status_code == 401
    assert _events(app, event_id) == []
    with app.platform.session() as session:
        refused = session.exec(
            select(PaymentEvent).where(PaymentEvent.signature_valid == False)  # noqa: E712
        ).all()
    assert any(event_id in json.dumps(r.payload) for r in refused)
    assert all(r.event_id.startswith("rejected-") for r in refused)


async def test_callback_for_an_unknown_provider_is_404(app: Served) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{app.url}/callbacks/nopay/demo", content=b"{}")
    assert response.status_code == 404


async def test_callback_for_another_councils_payment_is_404(app: Served) -> None:
    provider_id = f"pid-{uuid.uuid4().hex[:8]}"
    with app.platform.session() as session:
        north = Council(slug=f"north-{provider_id}", name="North", logo_text="North")
        session.add(north)
        session.flush()
        submission = Submission(
            council_id=north.id or 0,
            reference=provider_id.upper(),
            form_slug="bulky-waste",
            form_version=1,
            department_slug="waste",
            lines=[],
            total=1250,
        )
        session.add(submission)
        session.flush()
        session.add(
            Payment(
                submission_id=submission.id or 0,
                attempt=1,
                provider="sandbox",
                provider_id=provider_id,
                amount=1250,
                idempotency_key=f"{provider_id}-pay-1",
            )
        )
    body = _event_body(provider_id, uuid.uuid4().hex)
    headers = {"Pay-Signature": sign(app.settings.sandbox_webhook_secret, body)}
    async with httpx.AsyncClient() as client:
        foreign = await client.post(
            f"{app.url}/callbacks/sandbox/south", content=body, headers=headers
        )
        assert foreign.status_code == 404
        # Its own council: recorded and answered at once, though no Temporal is there to signal.
        own = await client.post(
            f"{app.url}/callbacks/sandbox/north-{provider_id}", content=body, headers=headers
        )
    assert own.status_code == 200
    assert len(_events(app, json.loads(body)["event_id"])) == 1


async def test_sandbox_webhooks_reach_the_platform_callback(
    app: Served, gateway: SandboxGateway, receiver: Receiver
) -> None:
    created = await gateway.create(
        amount=1250,
        reference="R",
        description="d",
        return_url=f"{receiver.url}/back",
        callback_url=f"{app.url}/callbacks/sandbox/demo",
        metadata={},
        idempotency_key=uuid.uuid4().hex,
    )
    await _pay(created.next_url, "4242424242424242")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with app.platform.session() as session:
            rows = session.exec(
                select(PaymentEvent).where(PaymentEvent.provider_payment_id == created.provider_id)
            ).all()
        if rows:
            break
        await asyncio.sleep(0.05)
    assert [(r.state, r.signature_valid) for r in rows] == [("success", True)]
