"""Retention on the live platform: finished submissions past their form version's retention_days
lose their personal data (payments and ledger postings stay), exactly once, with one audit entry
per run; in-flight and younger ones are untouched; reruns and a run cut short change nothing more;
the CLI and each council's daily schedule run the same workflow."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select
from temporalio.client import ScheduleOverlapPolicy, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from counterfoil.platform.db.models import (
    AuditEntry,
    Delivery,
    EmailMessage,
    InboxMessage,
    LedgerPosting,
    Payment,
    PaymentEvent,
    Submission,
)
from counterfoil.platform.ledger import business_date
from counterfoil.platform.retention import (
    AUDIT_ACTION,
    FINISHED_STATUSES,
    anonymise_batch,
    run_id_for,
)
from counterfoil.workflows.client import connect
from counterfoil.workflows.retention.client import RETENTION
from counterfoil.workflows.retention.types import RetentionInput, RetentionResult
from counterfoil.workflows.retention.workflows import RetentionWorkflow
from tests.factories import valid_answers
from tests.integration.conftest import Live
from tests.integration.journeys import (
    answer_as_department,
    auth,
    pay_on_card_page,
    seeded,
    status_of,
    submit,
    wait_for,
    wait_for_status,
)

CLI = (sys.executable, "-c", "from counterfoil.cli import main; main()")
# RetentionWorkflow histories recorded from earlier code (beside the SubmissionWorkflow ones)
HISTORIES = Path(__file__).resolve().parents[1] / "data" / "histories" / "retention"


@dataclass
class Scenario:
    key: str
    due: set[str]  # finished and past retention: to be anonymised
    kept: set[str]  # younger than their retention, or still in flight


def _paid(live: Live, key: str, form: str) -> str:
    body = submit(live, key, form, valid_answers(form))
    pay_on_card_page(live.http, str(body["payment"]["next_url"]), "4242424242424242")
    reference = str(body["reference"])
    wait_for_status(live.http, key, reference, "delivered")
    return reference


def _made_days_ago(live: Live, reference: str, days: int) -> None:
    with live.platform.session() as session:
        session.execute(
            update(Submission)
            .where(col(Submission.reference) == reference)
            .values(created_at=datetime.now(UTC) - timedelta(days=days))
        )


def _scenario(live: Live) -> Scenario:
    """Bulky waste keeps submissions 730 days, garden waste 1095 (the demo definitions)."""
    key = seeded(live)
    completed = _paid(live, key, "bulky-waste")  # old and completed: due
    assert answer_as_department(live, completed, "completed").status_code == 200
    wait_for_status(live.http, key, completed, "completed")
    young = _paid(live, key, "bulky-waste")  # delivered, but within its 730 days
    old_garden = _paid(live, key, "garden-waste")  # past 1095 days: due
    young_garden = _paid(live, key, "garden-waste")  # 800 days: bulky's limit, not garden's
    in_flight = str(submit(live, key, "bulky-waste", valid_answers("bulky-waste"))["reference"])
    wait_for_status(live.http, key, in_flight, "awaiting_payment")  # never paid: in flight
    cancelled = str(submit(live, key, "bulky-waste", valid_answers("bulky-waste"))["reference"])
    response = live.http.post(f"/api/v1/submissions/{cancelled}/cancel", headers=auth(key))
    assert response.status_code == 200, response.text  # cancelled before payment: due
    for reference, days in [
        (completed, 800),
        (young, 700),
        (old_garden, 1100),
        (young_garden, 800),
        (in_flight, 800),
        (cancelled, 731),
    ]:
        _made_days_ago(live, reference, days)
    return Scenario(key, {completed, old_garden, cancelled}, {young, young_garden, in_flight})


def _snapshot(live: Live) -> dict[str, Any]:
    """Everything retention may touch or must keep, to compare runs."""
    with live.platform.session() as session:
        submissions = {
            s.reference: (s.answers, s.anonymised_at, s.anonymised_by, s.status, s.lines, s.total)
            for s in session.exec(select(Submission))
        }
        return {
            "submissions": submissions,
            "deliveries": sorted((d.webhook_id, d.body) for d in session.exec(select(Delivery))),
            "inbox": sorted((m.webhook_id, m.body) for m in session.exec(select(InboxMessage))),
            "emails": sorted(
                (m.dedupe_key, m.to, m.body) for m in session.exec(select(EmailMessage))
            ),
            # a payment still awaited gathers poll events meanwhile: only finished ones compare
            "events": sorted(
                (e.event_id, str(e.payload), e.state)
                for e in session.exec(
                    select(PaymentEvent)
                    .join(
                        Payment, col(Payment.provider_id) == col(PaymentEvent.provider_payment_id)
                    )
                    .join(Submission, col(Submission.id) == col(Payment.submission_id))
                    .where(col(Submission.status).in_(FINISHED_STATUSES))
                )
            ),
            "payments": sorted(
                (p.provider_id, p.amount, p.state) for p in session.exec(select(Payment))
            ),
            "postings": sorted(
                (p.reference, p.line_id, p.kind, p.gross)
                for p in session.exec(select(LedgerPosting))
            ),
            "audit": sorted(
                (a.subject, str(a.detail))
                for a in session.exec(select(AuditEntry).where(AuditEntry.action == AUDIT_ACTION))
            ),
        }


def _assert_anonymised_exactly(live: Live, scenario: Scenario, before: dict[str, Any]) -> None:
    after = _snapshot(live)
    today = business_date(datetime.now(UTC))
    for reference, row in after["submissions"].items():
        answers, anonymised_at, anonymised_by, status, lines, total = row
        was = before["submissions"][reference]
        assert (status, lines, total) == (was[3], was[4], was[5])
        if reference in scenario.due:
            assert answers is None, reference
            assert anonymised_at is not None
            assert anonymised_by == run_id_for("demo", today)
        else:
            assert answers == was[0], reference
            assert anonymised_at is None
    with live.platform.session() as session:
        # SQL NULL, not a JSON null
        nulls = session.exec(select(Submission.reference).where(col(Submission.answers).is_(None)))
        assert set(nulls.all()) == scenario.due
    # payments and the ledger are exactly as they were
    assert after["payments"] == before["payments"]
    assert after["postings"] == before["postings"]
    assert after["postings"]  # there were some to keep
    # no copy of a due submission's answers or its resident's address is left anywhere
    for kind in ("deliveries", "inbox"):
        assert len(after[kind]) == len(before[kind]) >= 4
        for (webhook_id, body), (_, was) in zip(after[kind], before[kind], strict=True):
            if webhook_id.removeprefix("msg_") in scenario.due:
                assert json.loads(body) == {**json.loads(was), "answers": None}
            else:
                assert body == was
    for dedupe_key, to, body in after["emails"]:
        if any(dedupe_key.startswith(f"{r}-") for r in scenario.due):
            assert (to, body) == ("", "")
    # a provider's reports keep their state but lose the payload (payer's email, name, address)
    due_payments = _provider_ids(live, scenario.due)
    assert len(after["events"]) == len(before["events"])
    for (event_id, payload, state), was in zip(after["events"], before["events"], strict=True):
        expected = "None" if _event_of(live, event_id) in due_payments else was[1]
        assert (event_id, payload, state) == (was[0], expected, was[2])
    assert any(
        _event_of(live, was[0]) in due_payments and was[1] != "None" for was in before["events"]
    )
    # the status API still shows status, lines and payment, and says when it was anonymised
    for reference in scenario.due:
        body = status_of(live.http, scenario.key, reference)
        assert body["anonymised_at"] is not None
        assert body["lines"] == before["submissions"][reference][4]
        assert body["status"] == before["submissions"][reference][3]
    for reference in scenario.kept:
        assert status_of(live.http, scenario.key, reference)["anonymised_at"] is None


def _provider_ids(live: Live, references: set[str]) -> set[str]:
    with live.platform.session() as session:
        return set(
            session.exec(
                select(Payment.provider_id)
                .join(Submission, col(Submission.id) == col(Payment.submission_id))
                .where(col(Submission.reference).in_(references))
            ).all()
        )


def _event_of(live: Live, event_id: str) -> str:
    with live.platform.session() as session:
        return session.exec(
            select(PaymentEvent.provider_payment_id).where(PaymentEvent.event_id == event_id)
        ).one()


def _audit_entries(live: Live) -> list[AuditEntry]:
    with live.platform.session() as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == AUDIT_ACTION)))


def _cli_run(live: Live, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "COUNTERFOIL_VAR_DIR": str(live.settings.var_dir),
        "COUNTERFOIL_DATABASE_URL": live.settings.resolved_database_url,
        "COUNTERFOIL_TEMPORAL_ADDRESS": live.settings.temporal_address,
        "COUNTERFOIL_TASK_QUEUE": live.settings.task_queue,
    }
    return subprocess.run(
        [*CLI, "retention", "run", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_one_run_anonymises_exactly_the_finished_submissions_past_retention(
    live: Live, tmp_path: Path
) -> None:
    scenario = _scenario(live)
    before = _snapshot(live)
    today = business_date(datetime.now(UTC))

    ran = _cli_run(live, tmp_path, "--date", today.isoformat())
    assert ran.returncode == 0, ran.stderr
    references = " ".join(sorted(scenario.due))
    assert ran.stdout == (
        f"demo {today.isoformat()}: anonymised 3 (bulky-waste 2, garden-waste 1): {references}\n"
    )
    _assert_anonymised_exactly(live, scenario, before)
    [entry] = _audit_entries(live)
    assert entry.subject == run_id_for("demo", today)
    assert entry.actor == "retention"
    assert entry.detail == {
        "date": today.isoformat(),
        "anonymised": 3,
        "forms": {"bulky-waste": 2, "garden-waste": 1},
        "references": sorted(scenario.due),
    }

    # the same day again, by the CLI (the completed run's result) or as the schedule would start
    # it (another workflow id, same run id): nothing changes, no second audit entry
    done = _snapshot(live)
    again = _cli_run(live, tmp_path, "--date", today.isoformat())
    assert again.returncode == 0, again.stderr
    assert again.stdout == ran.stdout
    assert _run_as_another_execution(live, today).anonymised == 3
    assert _snapshot(live) == done

    # the run's history replays against the current code, and is kept for later code to replay
    history = asyncio.run(_history(live, RETENTION.run_id(live.settings, "demo", today)))
    _replay(history)
    recorded = HISTORIES / "three-anonymised.json"
    if not recorded.exists():  # recorded once from this code, then kept as the regression check
        recorded.write_text(history.to_json())


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("*.json")), ids=lambda p: p.stem)
def test_recorded_retention_history_replays(path: Path) -> None:
    _replay(WorkflowHistory.from_json(path.stem, path.read_text()))


async def _history(live: Live, workflow_id: str) -> WorkflowHistory:
    client = await connect(live.settings)
    return await client.get_workflow_handle(workflow_id).fetch_history()


def _replay(history: WorkflowHistory) -> None:
    replayer = Replayer(workflows=[RetentionWorkflow], data_converter=pydantic_data_converter)
    asyncio.run(replayer.replay_workflow(history))


def _run_as_another_execution(live: Live, today: date) -> RetentionResult:
    async def scenario() -> RetentionResult:
        client = await connect(live.settings)
        result: RetentionResult = await client.execute_workflow(
            RetentionWorkflow.run,
            RetentionInput(council="demo", today=today),
            id=f"another-{RETENTION.run_id(live.settings, 'demo', today)}",
            task_queue=live.settings.task_queue,
        )
        return result

    return asyncio.run(scenario())


@pytest.mark.parametrize("retention_batch_size", [1])
def test_a_run_cut_short_then_rerun_ends_as_an_uninterrupted_run(
    make_live: Any, retention_batch_size: int
) -> None:
    live: Live = make_live(retention_batch_size=retention_batch_size)
    scenario = _scenario(live)
    before = _snapshot(live)
    today = business_date(datetime.now(UTC))
    run_id = run_id_for("demo", today)
    workflow_id = RETENTION.run_id(live.settings, "demo", today)

    async def cut_short_then_rerun() -> RetentionResult:
        client = await connect(live.settings)
        # the run starts, its first batch commits, then it is killed before anything else
        handle = await client.start_workflow(
            RetentionWorkflow.run,
            RetentionInput(council="demo", today=today),
            id=workflow_id,
            task_queue=f"{live.settings.task_queue}-no-worker",
        )
        first = await asyncio.to_thread(anonymise_batch, live.platform, "demo", today, run_id, 1)
        assert len(first) == 1
        await handle.terminate("killed mid-run")
        return await RETENTION.run_day(client, live.settings, "demo", today)

    result = asyncio.run(cut_short_then_rerun())
    assert result.anonymised == 3
    assert result.forms == {"bulky-waste": 2, "garden-waste": 1}
    assert sorted(result.references) == sorted(scenario.due)
    _assert_anonymised_exactly(live, scenario, before)
    [entry] = _audit_entries(live)
    assert entry.detail is not None
    assert entry.detail["anonymised"] == 3


def test_each_council_gets_one_daily_retention_schedule(live: Live) -> None:
    seeded(live)

    async def scenario() -> tuple[list[str], list[str], Any]:
        client = await connect(live.settings)
        first = await RETENTION.ensure_schedules(client, live.platform)
        second = await RETENTION.ensure_schedules(client, live.platform)
        handle = client.get_schedule_handle(RETENTION.schedule_id(live.settings, "demo"))
        try:
            described = await handle.describe()
            await handle.trigger()
        except BaseException:
            await handle.delete()
            raise
        return first, second, described

    first, second, described = asyncio.run(scenario())
    assert first == [RETENTION.schedule_id(live.settings, "demo")]
    assert second == []
    assert described.schedule.spec.time_zone_name == "Europe/London"
    assert described.schedule.policy.overlap == ScheduleOverlapPolicy.SKIP
    [calendar] = described.schedule.spec.calendars
    assert [r.start for r in calendar.hour] == [live.settings.retention_hour]

    # the triggered run takes today (London) as its day and says so, with nothing to do
    entry = wait_for(lambda: next(iter(_audit_entries(live)), None))
    today = business_date(datetime.now(UTC))
    assert entry.subject == run_id_for("demo", today)
    assert entry.detail == {
        "date": today.isoformat(),
        "anonymised": 0,
        "forms": {},
        "references": [],
    }

    async def remove() -> None:
        client = await connect(live.settings)
        await client.get_schedule_handle(RETENTION.schedule_id(live.settings, "demo")).delete()

    asyncio.run(remove())
