"""The database refusing connections while submissions are in flight (issue 6, faults): the web
answers 503 with Retry-After (never 500) for the outage, activities retry, and afterwards every
submission finishes with nothing lost and no payment taken twice.

PostgreSQL only: the outage is the server refusing connections (tests/integration/faults.py), and
an embedded SQLite file has no server to refuse. The outage lasts a few seconds here
(COUNTERFOIL_TEST_DB_OUTAGE_SECONDS); bench/ runs the one-minute version."""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import col, select
from temporalio.client import WorkflowExecutionStatus

from counterfoil.platform.db.models import (
    Delivery,
    LedgerPosting,
    Payment,
    SandboxPayment,
    Submission,
)
from counterfoil.workflows.client import connect
from tests.factories import valid_answers
from tests.integration.conftest import POSTGRES_URL, Live
from tests.integration.faults import DatabaseOutage
from tests.integration.journeys import (
    auth,
    pay_on_card_page,
    seeded,
    submit,
    wait_for,
    wait_for_status,
)

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="needs PostgreSQL: an SQLite file has no server to refuse connections"
)

OUTAGE_SECONDS = float(os.environ.get("COUNTERFOIL_TEST_DB_OUTAGE_SECONDS", "4"))
# Deliveries that fail because the department's inbox (on the same database) is down too retry
# on this schedule, long enough to outlast the outage; the real one lasts two days.
DELIVERY_RETRIES = [timedelta(seconds=s) for s in (1, 2, 4, 8, 16)]
FORM = "bulky-waste"


def _asked_during_outage(live: Live, key: str, reference: str) -> list[httpx.Response]:
    """What machines and people are told while the database is down: one of each kind of call."""
    http = live.http
    return [
        http.get(f"/api/v1/submissions/{reference}", headers=auth(key)),
        http.post(
            f"/api/v1/councils/demo/forms/{FORM}/submissions",
            json={"answers": valid_answers(FORM)},
            headers={**auth(key), "Idempotency-Key": "made-during-the-outage"},
        ),
        http.get(f"/demo/{FORM}/"),
        http.get(f"/demo/submissions/{reference}"),
    ]


def _ask_until(deadline: float, ask: Callable[[], list[httpx.Response]]) -> list[httpx.Response]:
    answers: list[httpx.Response] = []
    while time.monotonic() < deadline - 0.5:  # stop asking before the database comes back
        answers.extend(ask())
        time.sleep(0.2)
    return answers


def test_a_database_outage_answers_503_and_loses_nothing(make_live: Any) -> None:
    live: Live = make_live(
        delivery_retry_schedule=DELIVERY_RETRIES,
        # polled every second: the awaited payment's checks are sure to meet the outage
        reconciliation_backoff=[timedelta(seconds=1)],
        # the payment awaited through the outage must still be payable after it
        payment_expiry=timedelta(seconds=OUTAGE_SECONDS + 60),
    )
    key = seeded(live)
    paid_before: list[str] = []
    for _ in range(2):  # paid just before the outage: their workflows are mid-way through it
        body = submit(live, key, FORM, valid_answers(FORM))
        pay_on_card_page(live.http, str(body["payment"]["next_url"]), "4242424242424242")
        paid_before.append(str(body["reference"]))
    # awaiting payment through the outage: its reconciliation polls meet the refusing database
    waiting = submit(live, key, FORM, valid_answers(FORM))

    outage = DatabaseOutage.of(live.settings.resolved_database_url)
    try:
        with outage.for_seconds(OUTAGE_SECONDS) as ends:
            during = _ask_until(ends, lambda: _asked_during_outage(live, key, paid_before[0]))
    finally:
        outage.close()

    assert during, "the outage ended before anything was asked"
    assert Counter(r.status_code for r in during) == {503: len(during)}
    for response in during:
        assert response.headers["Retry-After"].isdigit()
    api = next(r for r in during if r.request.url.path.startswith("/api/"))
    assert api.json()["status"] == 503
    page = next(r for r in during if not r.request.url.path.startswith("/api/"))
    assert "Sorry, the service is unavailable" in page.text

    # afterwards: the submission refused during the outage is made once, on the same key
    retried = submit(
        live, key, FORM, valid_answers(FORM), headers={"Idempotency-Key": "made-during-the-outage"}
    )
    references = [*paid_before, str(waiting["reference"]), str(retried["reference"])]
    for body in (waiting, retried):
        pay_on_card_page(live.http, str(body["payment"]["next_url"]), "4242424242424242")
    for reference in references:
        wait_for_status(live.http, key, reference, "delivered")

    with live.platform.session() as session:
        submissions = session.exec(select(Submission)).all()
        assert sorted(s.reference for s in submissions) == sorted(references)
        for submission in submissions:
            payments = session.exec(
                select(Payment).where(Payment.submission_id == submission.id)
            ).all()
            assert [p.state for p in payments] == ["success"], submission.reference
            assert payments[0].amount == submission.total
            postings = session.exec(
                select(LedgerPosting).where(LedgerPosting.reference == submission.reference)
            ).all()
            # every fee line posted once, none twice
            assert sorted(p.line_id for p in postings) == sorted(
                line["id"] for line in submission.lines
            )
            delivery = session.exec(
                select(Delivery).where(Delivery.submission_id == submission.id)
            ).one()
            assert delivery.status == "delivered"
        # the provider took each fee once
        captured = session.exec(
            select(SandboxPayment.reference).where(col(SandboxPayment.state) == "success")
        ).all()
        assert sorted(captured) == sorted(references)
    assert _workflow_statuses(live, references) == {WorkflowExecutionStatus.RUNNING}
    # the awaited payment's checks failed against the refusing database and were tried again
    assert _most_attempts(live, str(waiting["reference"])) > 1


def _workflow_statuses(live: Live, references: list[str]) -> set[WorkflowExecutionStatus | None]:
    """Every submission's workflow is alive, waiting for the department: none failed."""

    async def statuses() -> set[WorkflowExecutionStatus | None]:
        client = await connect(live.settings)
        described = [await client.get_workflow_handle(r).describe() for r in references]
        return {d.status for d in described}

    return wait_for(lambda: asyncio.run(statuses()))  # type: ignore[no-any-return]


def _most_attempts(live: Live, reference: str) -> int:
    """The highest attempt number any activity of this workflow started with."""

    async def attempts() -> int:
        client = await connect(live.settings)
        history = await client.get_workflow_handle(reference).fetch_history()
        return max(
            (
                event.activity_task_started_event_attributes.attempt
                for event in history.events
                if event.HasField("activity_task_started_event_attributes")
            ),
            default=0,
        )

    return asyncio.run(attempts())
