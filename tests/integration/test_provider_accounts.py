"""Per-council provider accounts end to end: an administrator sets GOV.UK Pay or Stripe credentials
through the API, and the live platform takes payments with them at a fake provider on loopback
whose signed webhooks come back to `/callbacks/{provider}/{council}`: success, a decline then
success, expiry, cancellation, partial refunds and an over-refund, forged, tampered and replayed
webhooks. Credentials never come back out: not in answers, not in logs, not in clear in the table.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from _departments_support import serving
from cryptography.fernet import Fernet
from sqlmodel import col, select

from counterfoil.platform.auth.keys import create_api_key
from counterfoil.platform.db.models import (
    AuditEntry,
    Council,
    Payment,
    PaymentAccount,
    PaymentEvent,
    Submission,
)
from counterfoil.workflows.client import connect
from counterfoil.workflows.submission.client import retry_payment
from tests.factories import valid_answers
from tests.integration.conftest import Live
from tests.integration.fakes.govuk_pay import FakeGovUkPay
from tests.integration.fakes.stripe import FakeStripe
from tests.integration.journeys import auth, seeded, status_of, submit, wait_for_status

FEE = 3500
GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"
GOVUK_KEY = "api_test_govuk-key-0123456789-K3Y1"
GOVUK_SECRET = "govuk-webhook-signing-secret-S3C1"
STRIPE_KEY = "sk_test_stripe-key-0123456789-K3Y2"
STRIPE_SECRET = "whsec_stripe-webhook-secret-S3C2"
SECRETS = (GOVUK_KEY, GOVUK_SECRET, STRIPE_KEY, STRIPE_SECRET)
# Webhooks, not the poll, must move these submissions: the first poll is far off.
SLOW_POLL = {"reconciliation_backoff": [timedelta(seconds=30)]}


@dataclass
class Provider:
    """One provider's fake, the credentials an administrator sets, and what its payer and its
    webhooks do."""

    id: str
    credentials: dict[str, str]
    fake: FakeGovUkPay | FakeStripe

    def pay(self, next_url: str, card: str) -> httpx.Response:
        with httpx.Client(timeout=5) as browser:
            page = browser.get(next_url)
            assert page.status_code == 200, page.text
            return browser.post(next_url, data={"card_number": card})

    def webhook(self, provider_id: str, outcome: str) -> tuple[dict[str, str], bytes]:
        """The provider's signed webhook about the payment's `outcome` (as it stands)."""
        if isinstance(self.fake, FakeGovUkPay):
            kind = {"success": "card_payment_succeeded", "expired": "card_payment_expired"}
            return self.fake.webhook(provider_id, kind.get(outcome, "card_payment_failed"))
        kind = {"success": "checkout.session.completed", "expired": "checkout.session.expired"}
        return self.fake.webhook(kind[outcome], self.fake.session_json(provider_id))

    def sign(self, body: bytes, secret: str) -> dict[str, str]:
        return self.fake.sign(body, secret=secret)

    def send(self, url: str, headers: dict[str, str], body: bytes) -> int:
        """The fake posts its webhook to the platform over HTTP."""
        return asyncio.run(self.fake.post_webhook(url, headers, body))

    def state(self, provider_id: str) -> str:
        if isinstance(self.fake, FakeGovUkPay):
            with self.fake.lock:
                return self.fake.payments[provider_id].status
        with self.fake.lock:
            return str(self.fake.sessions[provider_id]["status"])

    def refunded(self, provider_id: str) -> int:
        if isinstance(self.fake, FakeGovUkPay):
            with self.fake.lock:
                return self.fake.payments[provider_id].refunded
        with self.fake.lock:
            intent = self.fake.intents[self.fake.sessions[provider_id]["payment_intent"]]
            return int(self.fake.charges[intent["latest_charge"]]["amount_refunded"])


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[FakeGovUkPay, FakeStripe]]:
    govuk = FakeGovUkPay(api_key=GOVUK_KEY, webhook_secret=GOVUK_SECRET)
    stripe = FakeStripe(api_key=STRIPE_KEY, webhook_secret=STRIPE_SECRET)
    with serving(govuk.app), serving(stripe.app):
        yield govuk, stripe


@pytest.fixture(params=["govuk_pay", "stripe"])
def provider(request: pytest.FixtureRequest, fakes: tuple[FakeGovUkPay, FakeStripe]) -> Provider:
    govuk, stripe = fakes
    if request.param == "govuk_pay":
        credentials = {"api_key": GOVUK_KEY, "webhook_secret": GOVUK_SECRET}
        return Provider("govuk_pay", credentials, govuk)
    return Provider("stripe", {"secret_key": STRIPE_KEY, "webhook_secret": STRIPE_SECRET}, stripe)


@pytest.fixture
def start(
    make_live: Callable[..., Live], fakes: tuple[FakeGovUkPay, FakeStripe]
) -> Callable[..., Live]:
    """The live platform with its adapters pointed at the fakes and its own credentials key."""
    govuk, stripe = fakes

    def run(**overrides: Any) -> Live:
        return make_live(
            govuk_pay_url=govuk.base_url,
            stripe_api_base=stripe.base_url,
            credentials_keys=Fernet.generate_key().decode(),
            **{**SLOW_POLL, **overrides},
        )

    return run


def set_account(
    live: Live, key: str, provider: str, credentials: dict[str, Any], scope: str = "default"
) -> httpx.Response:
    return live.http.put(
        f"/api/v1/councils/demo/payment-accounts/{scope}",
        json={"provider": provider, "mode": "test", "credentials": credentials},
        headers=auth(key),
    )


def configured(live: Live, provider: Provider) -> str:
    """The demo council with `provider` as its default account; returns an admin key."""
    key = seeded(live)
    answer = set_account(live, key, provider.id, provider.credentials)
    assert answer.status_code == 200, answer.text
    return key


def submitted(live: Live, key: str) -> tuple[str, str, str]:
    """A new submission: its reference, its payment's provider id and the payer's next_url."""
    body = submit(live, key, "bulky-waste", valid_answers("bulky-waste"))
    assert body["total"] == FEE
    reference = str(body["reference"])
    return reference, latest_payment(live, key, reference), str(body["payment"]["next_url"])


def latest_payment(live: Live, key: str, reference: str) -> str:
    payments = status_of(live.http, key, reference)["payments"]
    return str(payments[-1]["provider_id"])


def callback_url(live: Live, provider: Provider) -> str:
    return f"{live.base_url}/callbacks/{provider.id}/demo"


def paid_by_webhook(live: Live, key: str, provider: Provider) -> tuple[str, str]:
    reference, provider_id, next_url = submitted(live, key)
    assert provider.pay(next_url, GOOD_CARD).status_code == 303
    headers, body = provider.webhook(provider_id, "success")
    assert provider.send(callback_url(live, provider), headers, body) == 200
    final = wait_for_status(live.http, key, reference, "delivered")
    assert any(h["note"] == "paid by webhook" for h in final["history"]), final["history"]
    return reference, provider_id


class CapturedLogs(logging.Handler):
    """Every log line of the process (tracebacks included) while installed on the root logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@contextmanager
def captured_logs() -> Iterator[CapturedLogs]:
    """Installed after the platform started, so no logging set-up of its own replaces it."""
    handler, root = CapturedLogs(), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.fixture
def capture_logs() -> Iterator[Callable[[], CapturedLogs]]:
    with ExitStack() as stack:
        yield lambda: stack.enter_context(captured_logs())


def events(live: Live, **where: Any) -> list[PaymentEvent]:
    with live.platform.session() as session:
        query = select(PaymentEvent).order_by(col(PaymentEvent.id))
        for name, value in where.items():
            query = query.where(getattr(PaymentEvent, name) == value)
        return list(session.exec(query).all())


def test_a_payment_at_the_councils_provider_is_delivered_by_its_signed_webhook(
    start: Callable[..., Live], provider: Provider
) -> None:
    live = start()
    key = configured(live, provider)
    reference, provider_id = paid_by_webhook(live, key, provider)
    assert provider.state(provider_id) in ("success", "complete")
    with live.platform.session() as session:
        account = session.exec(select(PaymentAccount)).one()
        payment = session.exec(select(Payment)).one()
    assert (payment.provider, payment.account_id, payment.state) == (
        provider.id,
        account.id,
        "success",
    )
    # the receipt names the reference: the payment was the one this submission made
    assert status_of(live.http, key, reference)["payments"][0]["provider"] == provider.id


def test_a_declined_card_then_a_good_one_pays_once(
    start: Callable[..., Live], provider: Provider
) -> None:
    live = start()
    key = configured(live, provider)
    reference, first_id, next_url = submitted(live, key)
    provider.pay(next_url, DECLINED_CARD)
    # the payer comes back (GOV.UK Pay sends them; Stripe's page lets them leave): the platform
    # asks the provider, never the query string
    assert live.http.get(f"/pay/return/{reference}").status_code == 200
    wait_for_status(live.http, key, reference, "payment_failed")
    link = asyncio.run(_retry(live, reference))
    assert link.next_url
    second_id = latest_payment(live, key, reference)
    assert second_id != first_id
    assert provider.pay(link.next_url, GOOD_CARD).status_code == 303
    headers, body = provider.webhook(second_id, "success")
    assert provider.send(callback_url(live, provider), headers, body) == 200
    wait_for_status(live.http, key, reference, "delivered")
    with live.platform.session() as session:
        states = session.exec(select(Payment.state).order_by(col(Payment.attempt))).all()
    assert states == ["failed", "success"]


async def _retry(live: Live, reference: str) -> Any:
    return await retry_payment(await connect(live.settings), live.settings, reference)


def test_an_unfinished_payment_expires_and_is_cancelled_at_the_provider(
    start: Callable[..., Live], provider: Provider
) -> None:
    live = start(payment_expiry=timedelta(seconds=3))
    key = configured(live, provider)
    reference, provider_id, _ = submitted(live, key)
    wait_for_status(live.http, key, reference, "expired")
    # cancelled with the council's own credentials: no money can be taken after expiry
    assert provider.state(provider_id) in ("cancelled", "expired")


def test_the_provider_expiring_a_payment_is_a_failure_told_by_webhook(
    start: Callable[..., Live], provider: Provider
) -> None:
    live = start()
    key = configured(live, provider)
    reference, provider_id, _ = submitted(live, key)
    provider.fake.expire(provider_id)
    headers, body = provider.webhook(provider_id, "expired")
    assert provider.send(callback_url(live, provider), headers, body) == 200
    final = wait_for_status(live.http, key, reference, "payment_failed")
    assert final["history"][-1]["note"] == "P0020"


def test_cancelling_a_submission_cancels_its_payment_at_the_provider(
    start: Callable[..., Live], provider: Provider
) -> None:
    live = start()
    key = configured(live, provider)
    reference, provider_id, next_url = submitted(live, key)
    cancelled = live.http.post(f"/api/v1/submissions/{reference}/cancel", headers=auth(key))
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert provider.state(provider_id) in ("cancelled", "expired")
    # the payer's link is dead at the provider
    with httpx.Client(timeout=5) as browser:
        assert browser.get(next_url).status_code == 404


def test_partial_refunds_then_an_over_refund_is_refused(
    start: Callable[..., Live], provider: Provider
) -> None:
    live = start()
    key = configured(live, provider)
    reference, provider_id = paid_by_webhook(live, key, provider)

    def refund(amount: int, expected: int) -> httpx.Response:
        return live.http.post(
            f"/api/v1/submissions/{reference}/refunds",
            json={"amount": amount, "reason": "goodwill", "expected_refundable": expected},
            headers=auth(key),
        )

    first = refund(1000, FEE)
    assert first.status_code == 201, first.text
    assert first.json()["refundable_remaining"] == 2500
    second = refund(500, 2500)
    assert second.status_code == 201, second.text
    assert provider.refunded(provider_id) == 1500
    over = refund(2001, 2000)
    assert over.status_code == 409, over.text
    stale = refund(100, 2500)
    assert stale.status_code == 409, stale.text
    assert provider.refunded(provider_id) == 1500
    rest = refund(2000, 2000)
    assert rest.status_code == 201, rest.text
    assert rest.json()["status"] == "refunded"
    assert provider.refunded(provider_id) == FEE


def test_forged_tampered_and_replayed_webhooks_change_nothing_and_are_recorded(
    start: Callable[..., Live], provider: Provider, capture_logs: Callable[[], CapturedLogs]
) -> None:
    live = start()
    key = configured(live, provider)
    logs = capture_logs()
    reference, provider_id, next_url = submitted(live, key)
    url = callback_url(live, provider)
    # a success the provider never reported, signed with a guessed secret
    _, honest = provider.webhook(provider_id, "success")
    assert provider.send(url, provider.sign(honest, "guessed-secret"), honest) == 401
    # a real message about the unpaid payment, tampered into a success after signing
    if provider.id == "govuk_pay":
        signed_headers, signed = provider.webhook(provider_id, "failed")
        changed = json.loads(signed)
        changed["resource"]["state"] = {"status": "success", "finished": True}
    else:
        signed_headers, signed = provider.webhook(provider_id, "expired")
        changed = json.loads(signed)
        changed["type"] = "checkout.session.completed"
        changed["data"]["object"]["payment_status"] = "paid"
    assert provider.send(url, signed_headers, json.dumps(changed).encode()) == 401
    rejected = events(live, state="rejected")
    assert len(rejected) == 2
    assert all(not e.signature_valid for e in rejected)
    assert logs.text.count(f"refused a {provider.id} webhook for demo") == 2
    nowhere = f"{live.base_url}/callbacks/{provider.id}/nowhere"
    assert provider.send(nowhere, *provider.webhook(provider_id, "success")) == 404
    assert status_of(live.http, key, reference)["status"] == "awaiting_payment"
    # now the payment goes through; its webhook arrives three times
    assert provider.pay(next_url, GOOD_CARD).status_code == 303
    headers, body = provider.webhook(provider_id, "success")
    for _ in range(3):
        assert provider.send(url, headers, body) == 200
    wait_for_status(live.http, key, reference, "delivered")
    event_id = json.loads(body).get("webhook_message_id") or json.loads(body)["id"]
    assert len(events(live, event_id=event_id)) == 1
    replays = events(live, state="replayed")
    assert [e.payload["replay_of"] for e in replays if e.payload] == [event_id, event_id]
    with live.platform.session() as session:
        payments = session.exec(select(Payment).where(Payment.state == "success")).all()
    assert len(payments) == 1


def test_a_stripe_webhook_signed_long_ago_is_refused_as_a_replay(
    start: Callable[..., Live], fakes: tuple[FakeGovUkPay, FakeStripe]
) -> None:
    _, stripe = fakes
    provider = Provider(
        "stripe", {"secret_key": STRIPE_KEY, "webhook_secret": STRIPE_SECRET}, stripe
    )
    live = start()
    key = configured(live, provider)
    reference, session_id, next_url = submitted(live, key)
    assert provider.pay(next_url, GOOD_CARD).status_code == 303
    _, body = provider.webhook(session_id, "success")
    old = stripe.sign(body, timestamp=int(time.time()) - 600)
    assert provider.send(callback_url(live, provider), old, body) == 401
    rejected = events(live, state="rejected")
    assert len(rejected) == 1
    assert rejected[0].payload is not None
    assert "signature" in rejected[0].payload["reason"]
    assert status_of(live.http, key, reference)["status"] == "awaiting_payment"


def test_a_webhook_signed_with_another_accounts_secret_is_refused(
    start: Callable[..., Live], provider: Provider
) -> None:
    live = start()
    key = configured(live, provider)
    # a form of the same council has its own account of the same provider, another secret
    other = {**provider.credentials, "webhook_secret": "another-accounts-secret"}
    assert set_account(live, key, provider.id, other, scope="missed-bin").status_code == 200
    reference, provider_id, next_url = submitted(live, key)
    assert provider.pay(next_url, GOOD_CARD).status_code == 303
    _, body = provider.webhook(provider_id, "success")
    forged = provider.sign(body, "another-accounts-secret")
    assert provider.send(callback_url(live, provider), forged, body) == 401
    assert "account" in str(events(live, state="rejected")[0].payload)
    assert status_of(live.http, key, reference)["status"] == "awaiting_payment"


def test_credentials_never_come_back_out(
    start: Callable[..., Live], provider: Provider, capture_logs: Callable[[], CapturedLogs]
) -> None:
    live = start()
    logs = capture_logs()
    key = seeded(live)
    answer = set_account(live, key, provider.id, provider.credentials)
    assert answer.status_code == 200, answer.text
    listed = live.http.get("/api/v1/councils/demo/payment-accounts", headers=auth(key))
    assert listed.status_code == 200
    hint = provider.credentials.get("api_key") or provider.credentials["secret_key"]
    assert listed.json()["accounts"] == [
        {
            **answer.json(),
            "scope": "default",
            "provider": provider.id,
            "mode": "test",
            "hint": f"…{hint[-4:]}",
        }
    ]
    paid_by_webhook(live, key, provider)
    # a bad request does not echo what was sent either
    bad = set_account(live, key, provider.id, {**provider.credentials, "extra": hint})
    assert bad.status_code == 422
    with live.platform.session() as session:
        stored = session.exec(select(PaymentAccount)).one()
        audit = session.exec(select(AuditEntry)).all()
    assert "payment" in logs.text  # the platform's own lines were captured
    seen = [answer.text, listed.text, bad.text, stored.credentials, logs.text]
    seen += [json.dumps(entry.detail) for entry in audit]
    for secret in SECRETS:
        assert not any(secret in text for text in seen), secret
    assert any(entry.action == "payment_account.set" for entry in audit)


def test_the_api_refuses_bad_accounts_and_other_councils_keys(start: Callable[..., Live]) -> None:
    live = start()
    key = seeded(live)
    good = {"api_key": GOVUK_KEY, "webhook_secret": GOVUK_SECRET}
    unknown = set_account(live, key, "paypal", good)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["pointer"] == "/provider"
    missing = set_account(live, key, "govuk_pay", {"api_key": GOVUK_KEY})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["pointer"] == "/credentials/webhook_secret"
    wrong_type = set_account(live, key, "govuk_pay", {**good, "api_key": 42})
    assert wrong_type.status_code == 422
    assert wrong_type.json()["errors"][0]["pointer"] == "/credentials/api_key"
    live_key = set_account(live, key, "govuk_pay", {**good, "api_key": "api_live_0123"})
    assert live_key.status_code == 422
    assert "live key" in live_key.json()["errors"][0]["message"]
    no_mode = live.http.put(
        "/api/v1/councils/demo/payment-accounts/default",
        json={"provider": "govuk_pay", "credentials": good},
        headers=auth(key),
    )
    assert no_mode.status_code == 422
    assert no_mode.json()["errors"][0]["pointer"] == "/mode"
    no_form = set_account(live, key, "govuk_pay", good, scope="no-such-form")
    assert no_form.status_code == 404
    with live.platform.session() as session:
        session.add(Council(slug="elsewhere", name="Elsewhere Council", logo_text="Elsewhere"))
    foreign = create_api_key(live.platform, "elsewhere", ["admin"])
    assert set_account(live, foreign, "govuk_pay", good).status_code == 404
    url = "/api/v1/councils/demo/payment-accounts"
    assert live.http.get(url, headers=auth(foreign)).status_code == 404
    finance = create_api_key(live.platform, "demo", ["finance"])
    assert set_account(live, finance, "govuk_pay", good).status_code == 403
    with live.platform.session() as session:
        assert session.exec(select(PaymentAccount)).all() == []


def test_an_account_replaced_or_deleted_still_serves_its_payments(
    start: Callable[..., Live], fakes: tuple[FakeGovUkPay, FakeStripe]
) -> None:
    govuk, stripe = fakes
    live = start()
    provider = Provider("govuk_pay", {"api_key": GOVUK_KEY, "webhook_secret": GOVUK_SECRET}, govuk)
    key = configured(live, provider)
    reference, provider_id = paid_by_webhook(live, key, provider)
    # the council moves to Stripe: new payments go there, the old one is refunded at GOV.UK Pay
    moved = set_account(
        live, key, "stripe", {"secret_key": STRIPE_KEY, "webhook_secret": STRIPE_SECRET}
    )
    assert moved.status_code == 200, moved.text
    refunded = live.http.post(
        f"/api/v1/submissions/{reference}/refunds",
        json={"amount": 100, "reason": "goodwill", "expected_refundable": FEE},
        headers=auth(key),
    )
    assert refunded.status_code == 201, refunded.text
    assert provider.refunded(provider_id) == 100
    second, _, next_url = submitted(live, key)
    assert next_url.startswith(stripe.base_url)
    # deleted: the sandbox takes payments again (sandbox_fallback), the Stripe one still refunds
    deleted = live.http.delete("/api/v1/councils/demo/payment-accounts/default", headers=auth(key))
    assert deleted.status_code == 204
    listed = live.http.get("/api/v1/councils/demo/payment-accounts", headers=auth(key))
    assert listed.json() == {"accounts": []}
    third, _, next_url = submitted(live, key)
    assert next_url.startswith(f"{live.base_url}/sandbox/pay/")
    with live.platform.session() as session:
        payments = {p.provider for p in session.exec(select(Payment)).all()}
        retired = session.exec(select(PaymentAccount)).all()
    assert payments == {"govuk_pay", "stripe", "sandbox"}
    assert all(a.retired_at is not None for a in retired)
    assert len(retired) == 2
    assert status_of(live.http, key, third)["status"] == "awaiting_payment"
    assert status_of(live.http, key, second)["payments"][0]["provider"] == "stripe"


def test_without_the_sandbox_fallback_payment_waits_for_an_account(
    start: Callable[..., Live], fakes: tuple[FakeGovUkPay, FakeStripe]
) -> None:
    govuk, _ = fakes
    live = start(sandbox_fallback=False, update_timeout=timedelta(seconds=2))
    key = seeded(live)
    waiting = live.http.post(
        "/api/v1/councils/demo/forms/bulky-waste/submissions",
        json={"answers": valid_answers("bulky-waste")},
        headers=auth(key),
    )
    # no account and no sandbox: the payment cannot be made yet, and the caller is told to retry
    assert waiting.status_code == 503, waiting.text
    with live.platform.session() as session:
        reference = session.exec(select(Submission.reference)).one()
        assert session.exec(select(Payment)).all() == []
    provider = Provider("govuk_pay", {"api_key": GOVUK_KEY, "webhook_secret": GOVUK_SECRET}, govuk)
    assert set_account(live, key, provider.id, provider.credentials).status_code == 200
    # the workflow's next try of the payment uses the new account
    ready = wait_for_status(live.http, key, reference, "awaiting_payment")
    assert [p["provider"] for p in ready["payments"]] == ["govuk_pay"]
