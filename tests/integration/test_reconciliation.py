"""Daily reconciliation on the live platform (real Temporal, the sandbox provider over HTTP): a
clean day, then seeded differences of every kind reported exactly, flagged to finance once (email
and audit), a rerun giving the same report and no second email; the CLI, the API for finance
(JSON and CSV), and the daily schedule."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from _departments_support import serving
from cryptography.fernet import Fernet
from sqlmodel import col, select, update
from temporalio.client import ScheduleOverlapPolicy, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from counterfoil.platform.auth.keys import create_api_key
from counterfoil.platform.db.models import (
    AuditEntry,
    EmailMessage,
    Payment,
    ReconciliationRun,
    Submission,
)
from counterfoil.platform.ledger import business_date
from counterfoil.platform.payments import SandboxGateway
from counterfoil.platform.payments.account_admin import set_account
from counterfoil.platform.payments.govuk_pay import GovUkPayGateway
from counterfoil.workflows.client import connect
from counterfoil.workflows.reconciliation.client import RECONCILIATION
from counterfoil.workflows.reconciliation.types import ReconciliationResult
from counterfoil.workflows.reconciliation.workflows import ReconciliationWorkflow
from tests.factories import valid_answers
from tests.integration.conftest import Live
from tests.integration.fakes.govuk_pay import FakeGovUkPay
from tests.integration.journeys import (
    auth,
    pay_on_card_page,
    seeded,
    submit,
    wait_for,
    wait_for_status,
)

# Recorded ReconciliationWorkflow histories: replayed against the current code (determinism).
HISTORIES = Path(__file__).resolve().parents[1] / "data" / "histories" / "reconciliation"
CLI = (sys.executable, "-c", "from counterfoil.cli import main; main()")
FINANCE = "finance@demo.example"


def _paid(live: Live, key: str, case: int) -> str:
    body = submit(live, key, "bulky-waste", valid_answers("bulky-waste", case))
    pay_on_card_page(live.http, str(body["payment"]["next_url"]), "4242424242424242")
    wait_for_status(live.http, key, str(body["reference"]), "delivered")
    return str(body["reference"])


def _payment_of(live: Live, reference: str) -> Payment:
    with live.platform.session() as session:
        return session.exec(
            select(Payment)
            .join(Submission, col(Submission.id) == col(Payment.submission_id))
            .where(Submission.reference == reference)
        ).one()


def _reconcile(live: Live, day: date) -> ReconciliationResult:
    async def run() -> ReconciliationResult:
        client = await connect(live.settings)
        return await RECONCILIATION.run_day(client, live.settings, "demo", day)

    return asyncio.run(run())


def _replay(history: WorkflowHistory) -> None:
    replayer = Replayer(workflows=[ReconciliationWorkflow], data_converter=pydantic_data_converter)
    asyncio.run(replayer.replay_workflow(history))


def _history(live: Live, day: date) -> WorkflowHistory:
    async def fetch() -> WorkflowHistory:
        client = await connect(live.settings)
        workflow_id = RECONCILIATION.run_id(live.settings, "demo", day)
        return await client.get_workflow_handle(workflow_id).fetch_history()

    return asyncio.run(fetch())


def _cli(live: Live, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "COUNTERFOIL_VAR_DIR": str(live.settings.var_dir),
        "COUNTERFOIL_DATABASE_URL": live.settings.resolved_database_url,
        "COUNTERFOIL_TEMPORAL_ADDRESS": live.settings.temporal_address,
        "COUNTERFOIL_TASK_QUEUE": live.settings.task_queue,
    }
    return subprocess.run(
        [*CLI, "reconcile", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _emails(live: Live) -> list[EmailMessage]:
    with live.platform.session() as session:
        return list(
            session.exec(
                select(EmailMessage).where(col(EmailMessage.dedupe_key).startswith("reconcil"))
            ).all()
        )


def _audited(live: Live) -> list[AuditEntry]:
    with live.platform.session() as session:
        return list(
            session.exec(
                select(AuditEntry).where(AuditEntry.action == "reconciliation.difference")
            ).all()
        )


async def _provider_only(live: Live, council: str, reference: str, amount: int) -> str:
    """A payment made at the sandbox that the platform never recorded."""
    gateway = SandboxGateway(live.settings)
    try:
        created = await gateway.create(
            amount=amount,
            reference=reference,
            description="Made at the provider only",
            return_url=f"{live.base_url}/pay/return/{reference}",
            callback_url=f"{live.base_url}/callbacks/sandbox/{council}",
            metadata={"council": council, "reference": reference},
            idempotency_key=uuid.uuid4().hex,
        )
    finally:
        await gateway.aclose()
    return created.provider_id


def test_a_clean_day_then_seeded_differences_are_reported_and_flagged_once(live: Live) -> None:
    key = seeded(live)
    told = _cli(live, "finance-email", "--council", "demo", FINANCE)
    assert told.returncode == 0, told.stderr
    clean, amount, state = (_paid(live, key, case) for case in (0, 1, 0))
    today = business_date(datetime.now(UTC))

    ran = _cli(live, "run", "--council", "demo", "--date", today.isoformat())
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == (
        f"demo {today.isoformat()}: 3 payments here, 3 at the providers, 0 differences\n"
    )
    assert _emails(live) == []

    # Seed one difference of each kind, and a payment of another council that is not ours to see.
    charged = _payment_of(live, amount).amount
    with live.platform.session() as session:
        session.exec(
            update(Payment)
            .where(col(Payment.id) == _payment_of(live, amount).id)
            .values(amount=9999)
        )
        session.exec(
            update(Payment)
            .where(col(Payment.id) == _payment_of(live, state).id)
            .values(state="failed")
        )
        first = _payment_of(live, clean)
        session.add(
            Payment(
                submission_id=first.submission_id,
                attempt=2,
                provider="sandbox",
                provider_id="unknownattheprovider00000",
                amount=4000,
                state="success",
                idempotency_key=f"{clean}-pay-2",
            )
        )
    stray = asyncio.run(_provider_only(live, "demo", "BWC-NEVR-SEEN", 1700))
    asyncio.run(_provider_only(live, "elsewhere", "ELS-AAAA-BBBB", 800))
    amount_payment, state_payment = _payment_of(live, amount), _payment_of(live, state)

    result = _reconcile(live, today)

    assert (result.ours, result.theirs, result.differences) == (4, 4, 4)
    # the run that emailed finance replays against this code, and is kept to check later code
    flagged = _history(live, today)
    _replay(flagged)
    recorded = HISTORIES / "differences-flagged.json"
    if not recorded.exists():
        recorded.parent.mkdir(parents=True, exist_ok=True)
        recorded.write_text(flagged.to_json())
    finance = create_api_key(live.platform, "demo", ["finance"])
    report = live.http.get(f"/api/v1/councils/demo/reconciliation/{today}", headers=auth(finance))
    assert report.status_code == 200, report.text
    body = report.json()
    assert (body["council"], body["date"]) == ("demo", today.isoformat())
    assert body["payments"] == {"ours": 4, "providers": 4}
    got = {(d["kind"], d["reference"]): d for d in body["differences"]}
    assert set(got) == {
        ("amount", amount),
        ("state", state),
        ("missing_at_provider", clean),
        ("missing_with_us", "BWC-NEVR-SEEN"),
    }
    assert got["amount", amount] == {
        "provider": "sandbox",
        "kind": "amount",
        "reference": amount,
        "provider_id": amount_payment.provider_id,
        "our_amount": 9999,
        "their_amount": charged,
        "our_state": None,
        "their_state": None,
    }
    assert (got["state", state]["our_state"], got["state", state]["their_state"]) == (
        "failed",
        "success",
    )
    assert got["state", state]["provider_id"] == state_payment.provider_id
    assert got["missing_at_provider", clean]["provider_id"] == "unknownattheprovider00000"
    assert got["missing_at_provider", clean]["our_amount"] == 4000
    assert got["missing_with_us", "BWC-NEVR-SEEN"]["provider_id"] == stray
    assert got["missing_with_us", "BWC-NEVR-SEEN"]["their_amount"] == 1700

    emails = _emails(live)
    assert len(emails) == 1
    assert emails[0].to == FINANCE
    assert "4 differences" in emails[0].subject
    for reference in (clean, amount, state, "BWC-NEVR-SEEN"):
        assert reference in emails[0].body
    assert "ELS-AAAA-BBBB" not in emails[0].body
    assert sorted(a.subject for a in _audited(live)) == sorted(
        [clean, amount, state, "BWC-NEVR-SEEN"]
    )

    # A rerun compares afresh: the same report, no second email or audit entry.
    again = _reconcile(live, today)
    assert (again.differences, again.emails) == (4, [])
    rerun = live.http.get(f"/api/v1/councils/demo/reconciliation/{today}", headers=auth(finance))
    assert rerun.json()["differences"] == body["differences"]
    assert len(_emails(live)) == 1
    assert len(_audited(live)) == 4
    with live.platform.session() as session:
        assert len(session.exec(select(ReconciliationRun)).all()) == 1

    ran = _cli(live, "run", "--council", "demo", "--date", today.isoformat())
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines()[0].endswith("4 differences")
    assert len(ran.stdout.splitlines()) == 5
    assert len(_emails(live)) == 1

    download = live.http.get(
        f"/api/v1/councils/demo/reconciliation/{today}.csv", headers=auth(finance)
    )
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0][:4] == ["date", "provider", "kind", "reference"]
    assert sorted((r[2], r[3]) for r in rows[1:]) == sorted(set(got))

    designer = create_api_key(live.platform, "demo", ["designer"])
    forbidden = live.http.get(
        f"/api/v1/councils/demo/reconciliation/{today}", headers=auth(designer)
    )
    assert forbidden.status_code == 403
    never = live.http.get("/api/v1/councils/demo/reconciliation/2001-01-01", headers=auth(finance))
    assert never.status_code == 404
    nowhere = _cli(live, "run", "--council", "nowhere", "--date", today.isoformat())
    assert nowhere.returncode == 1
    assert "There is no council 'nowhere'" in nowhere.stderr


def test_each_provider_account_is_compared_with_its_own_list(
    make_live: Callable[..., Live],
) -> None:
    """A council that moved from the sandbox to its own GOV.UK Pay account during the day: each
    payment is compared with the list of the account that took it, so only the payment made
    at GOV.UK Pay behind the platform's back is a difference."""
    fake = FakeGovUkPay(api_key="api_test_recon-key-0123456789", webhook_secret="recon-secret")
    with serving(fake.app):
        live = make_live(
            govuk_pay_url=fake.base_url, credentials_keys=Fernet.generate_key().decode()
        )
        key = seeded(live)
        at_sandbox = _paid(live, key, 0)
        set_account(
            live.platform,
            "demo",
            "default",
            provider="govuk_pay",
            mode="test",
            credentials={"api_key": fake.api_key, "webhook_secret": fake.webhook_secret},
            actor="test",
        )
        body = submit(live, key, "bulky-waste", valid_answers("bulky-waste", 1))
        with httpx.Client(timeout=5) as browser:
            next_url = str(body["payment"]["next_url"])
            assert browser.get(next_url).status_code == 200
            browser.post(next_url, data={"card_number": "4242424242424242"})
        wait_for_status(live.http, key, str(body["reference"]), "delivered")
        behind_our_back = asyncio.run(_made_at(fake, "BWC-BACK-DOOR", 2500))

        result = _reconcile(live, business_date(datetime.now(UTC)))

    assert (result.ours, result.theirs, result.differences) == (2, 3, 1)
    assert _payment_of(live, at_sandbox).provider == "sandbox"
    assert _payment_of(live, str(body["reference"])).provider == "govuk_pay"
    with live.platform.session() as session:
        audited = session.exec(
            select(AuditEntry).where(AuditEntry.action == "reconciliation.difference")
        ).one()
    assert audited.subject == "BWC-BACK-DOOR"
    assert audited.detail is not None
    assert (audited.detail["provider"], audited.detail["provider_id"]) == (
        "govuk_pay",
        behind_our_back,
    )


async def _made_at(fake: FakeGovUkPay, reference: str, amount: int) -> str:
    """A payment someone made directly on the council's GOV.UK Pay account."""
    gateway = GovUkPayGateway(base_url=fake.base_url, api_key=fake.api_key, webhook_secret="-")
    try:
        created = await gateway.create(
            amount=amount,
            reference=reference,
            description="Taken by phone, outside the platform",
            return_url="https://council.example/done",
            callback_url="https://council.example/unused",
            metadata={},
            idempotency_key=uuid.uuid4().hex,
        )
    finally:
        await gateway.aclose()
    return created.provider_id


def test_each_council_gets_a_daily_schedule_that_reconciles_the_day_before(live: Live) -> None:
    seeded(live)

    async def scenario() -> tuple[list[str], list[str], str, ScheduleOverlapPolicy | None, int]:
        client = await connect(live.settings)
        first = await RECONCILIATION.ensure_schedules(client, live.platform)
        second = await RECONCILIATION.ensure_schedules(client, live.platform)
        handle = client.get_schedule_handle(RECONCILIATION.schedule_id(live.settings, "demo"))
        try:
            described = await handle.describe()
            await handle.trigger()
        except BaseException:
            await handle.delete()
            raise
        hours = described.schedule.spec.calendars[0].hour
        return (
            first,
            second,
            str(described.schedule.spec.time_zone_name),
            described.schedule.policy.overlap,
            hours[0].start,
        )

    first, second, zone, overlap, hour = asyncio.run(scenario())
    assert first == [RECONCILIATION.schedule_id(live.settings, "demo")]
    assert second == []
    assert (zone, overlap, hour) == ("Europe/London", ScheduleOverlapPolicy.SKIP, 4)

    def yesterdays_run() -> ReconciliationRun | None:
        with live.platform.session() as session:
            return session.exec(select(ReconciliationRun)).first()

    run = wait_for(yesterdays_run)
    assert business_date(datetime.now(UTC)) - run.business_date == timedelta(days=1)
    assert (run.ours, run.theirs, run.differences) == (0, 0, 0)  # a clean, empty day
    assert _emails(live) == []

    async def remove() -> None:
        client = await connect(live.settings)
        await client.get_schedule_handle(RECONCILIATION.schedule_id(live.settings, "demo")).delete()

    asyncio.run(remove())


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("*.json")), ids=lambda p: p.stem)
def test_recorded_history_replays(path: Path) -> None:
    _replay(WorkflowHistory.from_json(path.stem, path.read_text()))
