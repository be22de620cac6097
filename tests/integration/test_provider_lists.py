"""Each adapter's `list_payments` (the provider's list of a period, for daily reconciliation) over
real HTTP on loopback: GOV.UK Pay's search against its fake, Stripe's Checkout Sessions list
against its fake, and the built-in sandbox served by the live platform; paging included."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
from _departments_support import serving
from sqlmodel import col, update

from counterfoil.platform.db.models import SandboxPayment
from counterfoil.platform.payments import (
    GatewayUnavailable,
    PaymentGateway,
    PaymentState,
    SandboxGateway,
)
from counterfoil.platform.payments.govuk_pay import GovUkPayGateway
from counterfoil.platform.payments.stripe_gateway import StripeGateway
from tests.integration.conftest import Live
from tests.integration.fakes.govuk_pay import FakeGovUkPay
from tests.integration.fakes.stripe import FakeStripe
from tests.integration.journeys import pay_on_card_page

pytestmark = pytest.mark.asyncio

API_KEY = "api_test_list-key"
WEBHOOK_SECRET = "list_signing_secret"


@pytest.fixture(scope="module")
def govuk() -> Iterator[FakeGovUkPay]:
    fake = FakeGovUkPay(api_key=API_KEY, webhook_secret=WEBHOOK_SECRET)
    with serving(fake.app):
        yield fake


@pytest.fixture(scope="module")
def stripe_fake() -> Iterator[FakeStripe]:
    fake = FakeStripe(api_key=API_KEY, webhook_secret=WEBHOOK_SECRET)
    with serving(fake.app):
        yield fake


@pytest_asyncio.fixture
async def govuk_gateway(govuk: FakeGovUkPay) -> AsyncIterator[GovUkPayGateway]:
    govuk.reset()
    gateway = GovUkPayGateway(base_url=govuk.base_url, api_key=API_KEY, webhook_secret="x")
    gateway.search_page_size = 2
    yield gateway
    await gateway.aclose()


@pytest_asyncio.fixture
async def stripe_gateway(stripe_fake: FakeStripe) -> AsyncIterator[StripeGateway]:
    stripe_fake.reset()
    gateway = StripeGateway(api_key=API_KEY, webhook_secret="x", base_url=stripe_fake.base_url)
    yield gateway
    await gateway.aclose()


async def _create(gateway: PaymentGateway, amount: int, reference: str) -> tuple[str, str]:
    created = await gateway.create(
        amount=amount,
        reference=reference,
        description="Bulky waste collection",
        return_url=f"https://council.example/pay/return/{reference}",
        callback_url="https://council.example/callbacks/x/demo",
        metadata={"council": "demo", "reference": reference},
        idempotency_key=uuid.uuid4().hex,
    )
    return created.provider_id, created.next_url


async def _pay(url: str, card: str = "4242424242424242") -> None:
    async with httpx.AsyncClient(timeout=5) as browser:
        assert (await browser.get(url)).status_code == 200
        await browser.post(url, data={"card_number": card})


def _window() -> tuple[datetime, datetime]:
    now = datetime.now(UTC).replace(microsecond=0)
    return now - timedelta(minutes=10), now + timedelta(minutes=10)


async def test_govuk_pay_search_pages_through_the_period(
    govuk_gateway: GovUkPayGateway, govuk: FakeGovUkPay
) -> None:
    start, end = _window()
    made = {}
    for number, amount in enumerate((1250, 3400, 500, 990, 120)):
        reference = f"GOV-{uuid.uuid4().hex[:6]}-{number}"
        made[reference] = await _create(govuk_gateway, amount, reference)
    paid_id, next_url = next(iter(made.values()))
    await _pay(next_url)
    # a payment of the day before is not in this period's list
    _, (earlier_id, _) = made.popitem()
    govuk.backdate(earlier_id, start - timedelta(days=1))

    listed = await govuk_gateway.list_payments(start, end)

    theirs = {p.provider_id: p for p in listed}
    mine = {ref: pid for ref, (pid, _) in made.items()}
    assert set(theirs) >= set(mine.values())
    assert earlier_id not in theirs
    assert theirs[paid_id].state is PaymentState.SUCCESS
    for reference, provider_id in mine.items():
        assert theirs[provider_id].reference == reference
        assert theirs[provider_id].metadata == {"council": "demo", "reference": reference}
        assert start <= theirs[provider_id].created < end
    searches = [(m, p) for m, p, _ in govuk.requests if p == "/v1/payments" and m == "GET"]
    # two a page: as many pages as the period holds, the last without a next_page
    assert len(searches) == (len(listed) + 1) // 2


async def test_govuk_pay_search_unavailable_is_retryable(
    govuk_gateway: GovUkPayGateway, govuk: FakeGovUkPay
) -> None:
    govuk.fail_next(1, "500")
    with pytest.raises(GatewayUnavailable):
        await govuk_gateway.list_payments(*_window())


async def test_stripe_lists_checkout_sessions_of_the_period_across_pages(
    stripe_gateway: StripeGateway, stripe_fake: FakeStripe
) -> None:
    start, end = _window()
    made = {}
    for number in range(103):  # more than Stripe's largest page of 100
        reference = f"STR-{number:03d}"
        made[reference], _ = await _create(stripe_gateway, 1000 + number, reference)
    await _pay(f"{stripe_fake.base_url}/c/pay/{made['STR-000']}")
    stripe_fake.backdate(made.pop("STR-102"), int(start.timestamp()) - 1)

    listed = await stripe_gateway.list_payments(start, end)

    theirs = {p.provider_id: p for p in listed}
    assert set(theirs) >= set(made.values())
    assert all(p.reference != "STR-102" for p in listed)
    assert theirs[made["STR-000"]].state is PaymentState.SUCCESS
    assert theirs[made["STR-001"]].state is PaymentState.CREATED
    assert theirs[made["STR-007"]].amount == 1007
    assert theirs[made["STR-007"]].metadata == {"council": "demo", "reference": "STR-007"}
    pages = [q for m, p, _, q in stripe_fake.requests if (m, p) == ("GET", "/v1/checkout/sessions")]
    assert len(pages) == 2
    assert pages[0]["created"] == {
        "gte": str(int(start.timestamp())),
        "lt": str(int(end.timestamp())),
    }
    assert "starting_after" in pages[1]


async def test_the_sandbox_lists_the_period_page_by_page(live: Live) -> None:
    gateway = SandboxGateway(live.settings)
    gateway.search_page_size = 2
    try:
        start, end = _window()
        made = [await _create(gateway, 700 + n, f"SBX-{n}") for n in range(4)]
        assert pay_on_card_page(live.http, made[0][1], "4242424242424242").status_code < 400
        with live.platform.session() as session:
            session.exec(
                update(SandboxPayment)
                .where(col(SandboxPayment.id) == made[3][0])
                .values(created_at=start - timedelta(hours=2))
            )

        listed = await gateway.list_payments(start, end)
    finally:
        await gateway.aclose()

    assert sorted((p.reference, p.amount) for p in listed) == [
        ("SBX-0", 700),
        ("SBX-1", 701),
        ("SBX-2", 702),
    ]
    states = {p.reference: p.state for p in listed}
    assert states == {
        "SBX-0": PaymentState.SUCCESS,
        "SBX-1": PaymentState.CREATED,
        "SBX-2": PaymentState.CREATED,
    }
    assert all(start <= p.created < end and p.metadata["council"] == "demo" for p in listed)
