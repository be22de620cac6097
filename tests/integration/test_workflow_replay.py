"""Determinism: recorded SubmissionWorkflow histories replay against the current code.

A change to workflow code that would break running submissions fails here unless it is guarded
with `workflow.patched(...)`. `tests/data/histories/` holds histories recorded from earlier code;
every test run also records a fresh paid-and-completed life and replays it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from counterfoil.workflows.client import connect
from counterfoil.workflows.submission.client import retry_payment
from counterfoil.workflows.submission.types import PaymentLink
from counterfoil.workflows.submission.workflows import SubmissionWorkflow
from tests.factories import valid_answers
from tests.integration.conftest import Live
from tests.integration.journeys import (
    answer_as_department,
    pay_on_card_page,
    seeded,
    submit,
    wait_for_status,
)

HISTORIES = Path(__file__).resolve().parents[1] / "data" / "histories"


def replay(history: WorkflowHistory) -> None:
    replayer = Replayer(workflows=[SubmissionWorkflow], data_converter=pydantic_data_converter)
    asyncio.run(replayer.replay_workflow(history))


async def fetch(live: Live, reference: str) -> WorkflowHistory:
    client = await connect(live.settings)
    return await client.get_workflow_handle(reference).fetch_history()


async def retry(live: Live, reference: str) -> PaymentLink:
    return await retry_payment(await connect(live.settings), live.settings, reference)


def test_a_fresh_declined_then_paid_and_completed_life_replays(live: Live) -> None:
    key = seeded(live)
    created = submit(live, key, "bulky-waste", valid_answers("bulky-waste"))
    reference = created["reference"]
    pay_on_card_page(live.http, created["payment"]["next_url"], "4000000000000002")
    wait_for_status(live.http, key, reference, "payment_failed")
    link = asyncio.run(retry(live, reference))
    assert link.next_url
    pay_on_card_page(live.http, link.next_url, "4242424242424242")
    wait_for_status(live.http, key, reference, "delivered")
    answered = answer_as_department(live, reference, "completed")
    assert answered.status_code == 200, answered.text
    history = asyncio.run(fetch(live, reference))
    replay(history)
    recorded = HISTORIES / "declined-then-paid-completed.json"
    if not recorded.exists():  # recorded once from this code, then kept as the regression check
        recorded.write_text(history.to_json())


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("*.json")), ids=lambda p: p.stem)
def test_recorded_history_replays(path: Path) -> None:
    replay(WorkflowHistory.from_json(path.stem, path.read_text()))
