"""Distribution to the ledger on the live platform: postings per paid line and refund, a day's
batch totals per fund, the exact file, re-runs and a batch cut short, the CLI and the download."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from sqlmodel import select
from temporalio.client import ScheduleOverlapPolicy

from counterfoil.platform.auth.keys import create_api_key
from counterfoil.platform.db.models import Council, LedgerBatch, LedgerPosting
from counterfoil.platform.ledger import business_date, claim_postings, day_batch, distribute_day
from counterfoil.workflows.client import connect
from counterfoil.workflows.distribution.client import DISTRIBUTION
from tests.factories import valid_answers
from tests.integration.conftest import Live
from tests.integration.journeys import (
    answer_as_department,
    auth,
    pay_on_card_page,
    seeded,
    submit,
    wait_for,
    wait_for_status,
)

CLI = (sys.executable, "-c", "from counterfoil.cli import main; main()")


def _paid(live: Live, key: str, form: str, case: int) -> str:
    body = submit(live, key, form, valid_answers(form, case))
    pay_on_card_page(live.http, str(body["payment"]["next_url"]), "4242424242424242")
    wait_for_status(live.http, key, str(body["reference"]), "delivered")
    return str(body["reference"])


def _day_of_payments_and_a_refund(live: Live, key: str) -> tuple[str, str]:
    """Bulky waste, four sofas with the 50% concession (3500 + 1200 - 2350), refunded in full
    when the department rejects it; garden waste with a bin delivered (4500 OS + 1500 at 20%)."""
    bulky = _paid(live, key, "bulky-waste", 1)
    garden = _paid(live, key, "garden-waste", 1)
    assert answer_as_department(live, bulky, "rejected", note="no access").status_code == 200
    wait_for_status(live.http, key, bulky, "refunded")
    return bulky, garden


def _postings(live: Live) -> list[tuple[str, str, str, str, str, int, int, int]]:
    with live.platform.session() as session:
        rows = session.exec(select(LedgerPosting).order_by(LedgerPosting.id)).all()  # type: ignore[arg-type]
    return [
        (p.reference, p.line_id, p.kind, p.fund, p.vat_code, p.net, p.vat, p.gross) for p in rows
    ]


def _cli_run(live: Live, day: date, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "COUNTERFOIL_VAR_DIR": str(live.settings.var_dir),
        "COUNTERFOIL_DATABASE_URL": live.settings.resolved_database_url,
        "COUNTERFOIL_TEMPORAL_ADDRESS": live.settings.temporal_address,
        "COUNTERFOIL_TASK_QUEUE": live.settings.task_queue,
    }
    return subprocess.run(
        [*CLI, "ledger", "run", "--council", "demo", "--date", day.isoformat()],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_days_payments_and_refund_post_per_line_and_distribute_once(
    live: Live, tmp_path: Path
) -> None:
    key = seeded(live)
    bulky, garden = _day_of_payments_and_a_refund(live, key)
    today = business_date(datetime.now(UTC))
    assert sorted(_postings(live)) == sorted(
        [
            (bulky, "base", "payment", "BWC01", "OS", 3500, 0, 3500),
            (bulky, "extra", "payment", "BWC01", "OS", 1200, 0, 1200),
            (bulky, "concession", "payment", "BWC01", "OS", -2350, 0, -2350),
            (garden, "subscription", "payment", "GWS01", "OS", 4500, 0, 4500),
            (garden, "delivery", "payment", "GWS02", "S", 1250, 250, 1500),
            (bulky, "base", "refund", "BWC01", "OS", -3500, 0, -3500),
            (bulky, "extra", "refund", "BWC01", "OS", -1200, 0, -1200),
            (bulky, "concession", "refund", "BWC01", "OS", 2350, 0, 2350),
        ]
    )

    ran = _cli_run(live, today, tmp_path)
    assert ran.returncode == 0, ran.stderr
    path = Path(ran.stdout.strip())
    assert path == live.settings.var_dir / "ledger" / "demo" / f"{today.isoformat()}.csv"
    with live.platform.session() as session:
        batch = session.exec(select(LedgerBatch)).one()
        assert {p.batch_id for p in session.exec(select(LedgerPosting))} == {batch.batch_id}
    d, b = today.isoformat(), batch.batch_id
    expected = (
        "date,batch_id,fund,vat_code,count,net,vat,gross\r\n"
        f"{d},{b},BWC01,OS,6,0,0,0\r\n"
        f"{d},{b},GWS01,OS,1,4500,0,4500\r\n"
        f"{d},{b},GWS02,S,1,1250,250,1500\r\n"
    )
    first = path.read_bytes()
    assert first == expected.encode()
    # the batch's totals per fund equal the postings to the penny
    for fund in ("BWC01", "GWS01", "GWS02"):
        rows = [line.split(",") for line in expected.splitlines()[1:] if f",{fund}," in line]
        assert sum(int(r[7]) for r in rows) == sum(p[7] for p in _postings(live) if p[3] == fund)

    again = _cli_run(live, today, tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout == ran.stdout
    path.unlink()  # even a lost file comes back byte for byte from a direct re-run
    assert distribute_day(live.platform, "demo", today).batch_id == b
    assert path.read_bytes() == first
    assert len(_postings(live)) == 8
    with live.platform.session() as session:
        assert len(session.exec(select(LedgerBatch)).all()) == 1

    finance = create_api_key(live.platform, "demo", ["finance"])
    download = live.http.get(f"/api/v1/councils/demo/ledger/{d}.csv", headers=auth(finance))
    assert download.status_code == 200, download.text
    assert download.content == first
    assert download.headers["content-type"].startswith("text/csv")
    designer = create_api_key(live.platform, "demo", ["designer"])
    forbidden = live.http.get(f"/api/v1/councils/demo/ledger/{d}.csv", headers=auth(designer))
    assert forbidden.status_code == 403
    no_batch = live.http.get("/api/v1/councils/demo/ledger/2001-01-01.csv", headers=auth(finance))
    assert no_batch.status_code == 404
    with live.platform.session() as session:
        session.add(Council(slug="elsewhere", name="Elsewhere Council", logo_text="Elsewhere"))
    foreign = create_api_key(live.platform, "elsewhere", ["finance"])
    other = live.http.get(f"/api/v1/councils/demo/ledger/{d}.csv", headers=auth(foreign))
    assert other.status_code == 404


def test_a_batch_cut_short_then_rerun_writes_what_an_uninterrupted_run_would(
    live: Live, tmp_path: Path
) -> None:
    key = seeded(live)
    _day_of_payments_and_a_refund(live, key)
    today = business_date(datetime.now(UTC))
    uninterrupted, content = day_batch(live.platform, "demo", today)
    # the activity's first half: some postings claimed, then the worker dies (no file, no row)
    assert claim_postings(live.platform, "demo", today, uninterrupted.batch_id, limit=3) == 3
    # ...and a later posting-less retry of a different claim leaves stale marks too
    claim_postings(live.platform, "demo", today, "demo-stale-batch", limit=2)

    ran = _cli_run(live, today, tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert Path(ran.stdout.strip()).read_bytes() == content.encode()
    with live.platform.session() as session:
        batch = session.exec(select(LedgerBatch)).one()
        assert batch.batch_id == uninterrupted.batch_id
        marks = {p.batch_id for p in session.exec(select(LedgerPosting))}
    assert marks == {uninterrupted.batch_id}
    assert len(_postings(live)) == 8


def test_each_council_gets_one_daily_schedule_that_runs_the_previous_day(live: Live) -> None:
    seeded(live)

    async def scenario() -> tuple[list[str], list[str], str, ScheduleOverlapPolicy | None]:
        client = await connect(live.settings)
        first = await DISTRIBUTION.ensure_schedules(client, live.platform)
        second = await DISTRIBUTION.ensure_schedules(client, live.platform)
        handle = client.get_schedule_handle(DISTRIBUTION.schedule_id(live.settings, "demo"))
        try:
            described = await handle.describe()
            await handle.trigger()
        except BaseException:
            await handle.delete()
            raise
        return (
            first,
            second,
            str(described.schedule.spec.time_zone_name),
            described.schedule.policy.overlap,
        )

    first, second, zone, overlap = asyncio.run(scenario())
    assert first == [DISTRIBUTION.schedule_id(live.settings, "demo")]
    assert second == []
    assert zone == "Europe/London"
    assert overlap == ScheduleOverlapPolicy.SKIP

    def yesterdays_batch() -> LedgerBatch | None:
        with live.platform.session() as session:
            return session.exec(select(LedgerBatch)).first()

    batch = wait_for(yesterdays_batch)
    today = business_date(datetime.now(UTC))
    assert (today - batch.business_date).days == 1
    assert batch.postings == 0  # nothing was paid yesterday: a header-only file, still recorded

    async def remove() -> None:
        client = await connect(live.settings)
        await client.get_schedule_handle(DISTRIBUTION.schedule_id(live.settings, "demo")).delete()

    asyncio.run(remove())
