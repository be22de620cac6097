"""Delivering submissions to departments over real loopback HTTP, signed in Standard Webhooks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from _departments_support import (
    Receiver,
    add_council,
    add_submission,
    closed_port_url,
    serving,
)
from sqlmodel import col, select
from standardwebhooks import Webhook

from counterfoil.platform import Platform, Settings
from counterfoil.platform.db.models import Delivery, DeliveryAttempt, Department, EmailMessage
from counterfoil.platform.departments import (
    DeliveryFailed,
    create_department,
    deliver_submission,
    rotate_secret,
    signature_verifies,
)

pytestmark = pytest.mark.asyncio


@pytest.fixture
def platform(tmp_path: Path, database_url: str) -> Iterator[Platform]:
    settings = Settings(
        var_dir=tmp_path,
        database_url=database_url,
        public_url="http://counterfoil.test",
        delivery_timeout=timedelta(seconds=0.5),
    )
    platform = Platform.open(settings)
    add_council(platform, "exeter")
    yield platform
    platform.close()


@pytest_asyncio.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def department(platform: Platform, url: str | None, email: str | None = None) -> str:
    created = create_department(
        platform, "exeter", slug="waste", name="Waste", webhook_url=url, email=email
    )
    return created.secret


def attempts(platform: Platform) -> list[DeliveryAttempt]:
    with platform.session() as session:
        return list(session.exec(select(DeliveryAttempt).order_by(col(DeliveryAttempt.id))).all())


async def test_delivery_is_signed_and_carries_the_submission(
    platform: Platform, http: httpx.AsyncClient
) -> None:
    receiver = Receiver()
    add_submission(platform, "exeter", "EXE-7K4M-Q2XD", "waste", payments=("failed", "success"))
    with serving(receiver.app) as base_url:
        receiver.secret = department(platform, f"{base_url}/hook")
        result = await deliver_submission(platform, "EXE-7K4M-Q2XD", http)

    assert (result.channel, result.attempts, result.status_code) == ("webhook", 1, 200)
    [(headers, body, verified)] = receiver.received
    assert verified
    assert headers["webhook-id"] == "msg_EXE-7K4M-Q2XD"
    assert json.loads(body) == {
        "type": "submission.paid",
        "reference": "EXE-7K4M-Q2XD",
        "council": "exeter",
        "form": {"slug": "bulky-waste", "version": 3},
        "answers": {"items": ["sofa", "fridge"], "postcode": "AB1 2CD"},
        "lines": [
            {"id": "fee", "description": "Permit fee", "amount": 2500, "fund": "F100", "vat": "O"}
        ],
        "total": 2500,
        "payment": {
            "provider": "sandbox",
            "provider_id": "pay-EXE-7K4M-Q2XD-2",
            "amount": 2500,
            "state": "success",
        },
        "respond_url": "http://counterfoil.test/api/v1/submissions/EXE-7K4M-Q2XD/fulfilment",
        "submitted_at": "2026-11-26T09:30:00+00:00",
    }
    with platform.session() as session:
        delivery = session.exec(select(Delivery)).one()
    assert delivery.status == "delivered"
    assert delivery.delivered_at is not None


async def test_free_form_is_received_without_a_payment(
    platform: Platform, http: httpx.AsyncClient
) -> None:
    receiver = Receiver()
    add_submission(platform, "exeter", "EXE-FREE-0001", "waste", total=0)
    with serving(receiver.app) as base_url:
        receiver.secret = department(platform, f"{base_url}/hook")
        await deliver_submission(platform, "EXE-FREE-0001", http)

    document = json.loads(receiver.received[0][1])
    assert (document["type"], document["payment"], document["total"]) == (
        "submission.received",
        None,
        0,
    )


async def test_two_failures_then_success_record_three_attempts_of_one_message(
    platform: Platform, http: httpx.AsyncClient
) -> None:
    receiver = Receiver(answers=[500, 500, 200])
    add_submission(platform, "exeter", "EXE-RTRY-0001", "waste")
    with serving(receiver.app) as base_url:
        receiver.secret = department(platform, f"{base_url}/hook")
        for _ in range(2):
            with pytest.raises(DeliveryFailed) as failed:
                await deliver_submission(platform, "EXE-RTRY-0001", http)
            assert failed.value.status_code == 500
        result = await deliver_submission(platform, "EXE-RTRY-0001", http)

    assert result.attempts == 3
    assert [a.status_code for a in attempts(platform)] == [500, 500, 200]
    assert all(a.latency_ms >= 0 and a.error is None for a in attempts(platform))
    assert {headers["webhook-id"] for headers, _, _ in receiver.received} == {"msg_EXE-RTRY-0001"}
    assert len({body for _, body, _ in receiver.received}) == 1
    assert all(verified for _, _, verified in receiver.received)


async def test_refused_connection_is_recorded_as_an_attempt(
    platform: Platform, http: httpx.AsyncClient
) -> None:
    add_submission(platform, "exeter", "EXE-DOWN-0001", "waste")
    department(platform, closed_port_url())

    with pytest.raises(DeliveryFailed) as failed:
        await deliver_submission(platform, "EXE-DOWN-0001", http)

    [attempt] = attempts(platform)
    assert attempt.status_code is None
    assert attempt.error is not None
    assert attempt.error.startswith("ConnectError")
    assert failed.value.error == attempt.error


async def test_slow_department_times_out_and_is_recorded(
    platform: Platform, http: httpx.AsyncClient
) -> None:
    receiver = Receiver(delay=1)
    add_submission(platform, "exeter", "EXE-SLOW-0001", "waste")
    with serving(receiver.app) as base_url:
        receiver.secret = department(platform, f"{base_url}/hook")
        with pytest.raises(DeliveryFailed):
            await deliver_submission(platform, "EXE-SLOW-0001", http)

    [attempt] = attempts(platform)
    assert attempt.error is not None
    assert attempt.error.startswith("ReadTimeout")
    assert attempt.latency_ms >= 400


async def test_delivered_submission_is_not_sent_again(
    platform: Platform, http: httpx.AsyncClient
) -> None:
    receiver = Receiver()
    add_submission(platform, "exeter", "EXE-ONCE-0001", "waste")
    with serving(receiver.app) as base_url:
        receiver.secret = department(platform, f"{base_url}/hook")
        await deliver_submission(platform, "EXE-ONCE-0001", http)
        again = await deliver_submission(platform, "EXE-ONCE-0001", http)

    assert len(receiver.received) == 1
    assert (again.channel, again.attempts) == ("webhook", 1)
    assert len(attempts(platform)) == 1


async def test_department_without_endpoint_gets_one_email(
    platform: Platform, http: httpx.AsyncClient
) -> None:
    add_submission(platform, "exeter", "EXE-MAIL-0001", "waste")
    department(platform, None, email="waste@exeter.gov.uk")

    first = await deliver_submission(platform, "EXE-MAIL-0001", http)
    await deliver_submission(platform, "EXE-MAIL-0001", http)

    assert first.channel == "email"
    with platform.session() as session:
        [email] = session.exec(select(EmailMessage)).all()
    assert (email.to, email.dedupe_key) == ("waste@exeter.gov.uk", "EXE-MAIL-0001-department")
    assert "Permit fee: £25.00" in email.body
    assert "/api/v1/submissions/EXE-MAIL-0001/fulfilment" in email.body


async def test_previous_secret_verifies_only_within_the_overlap(platform: Platform) -> None:
    old_secret = department(platform, "https://waste.example/hook")
    body = '{"reference":"EXE-ROTA-0001"}'
    now = datetime.now(UTC)
    headers = {
        "webhook-id": "msg_EXE-ROTA-0001",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(old_secret).sign("msg_EXE-ROTA-0001", now, body),
    }

    rotated = rotate_secret(platform, "exeter", "waste")

    with platform.session() as session:
        waste = session.exec(select(Department)).one()
    overlap = platform.settings.secret_rotation_overlap
    assert rotated.secret != old_secret
    assert rotated.previous_valid_until >= now + overlap
    assert signature_verifies(waste, body.encode(), headers, now)
    assert not signature_verifies(
        waste, body.encode(), headers, now + overlap + timedelta(seconds=1)
    )
