"""Concurrent residents over HTTP for a fixed time: journeys per second and each page's latency.

    python bench/load.py [--users 16] [--seconds 30] [--workers 1 2] [--database postgres|sqlite]

For each worker count (default: 1, then 2) it starts a Temporal dev server (state file), a fresh
database with the demo council, a department endpoint on loopback, one `counterfoil web` (with
the sandbox provider) and that many `counterfoil worker` subprocesses. Then --users residents,
each a new visitor per journey (httpx async, own cookies, redirects followed by hand so that each
page is timed), repeat the bulky-waste journey until --seconds have passed:

  start page, each question page (GET, then POST the answer), check answers (GET), submit (POST:
  the workflow starts and the payment is created), sandbox card page (GET), pay (POST), the return
  from the provider (GET: the payment is confirmed), confirmation page (GET).

It prints journeys/s, p50/p99 per page, the error count (must be 0) and the peak RSS of the web
and worker processes, sampled each second from /proc. The load generator shares the cores.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from _journey import CARD_FIELDS, csrf
from _stack import Stack, running

FORM = "/demo/bulky-waste"
# What a resident answers on each page of the demo bulky-waste form, by page id.
ANSWERS: dict[str, dict[str, str]] = {
    "collection-type": {"collection_type": "bulky"},
    "items": {"items-0-kind": "sofa", "items-0-quantity": "2"},
    "concession": {"concession": "no"},
    "contact": {"name": "Sam Resident", "email": "sam@example.org"},
    "address": {"address_line1": "1 High Street", "postcode": "RM17 6SL"},
}


class JourneyFailed(Exception):
    pass


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    journeys: int = 0
    errors: list[str] = field(default_factory=list)


async def timed(
    tally: Tally,
    page: str,
    http: httpx.AsyncClient,
    method: str,
    url: str,
    expect: int,
    **kw: object,
) -> httpx.Response:
    started = time.perf_counter()
    response = await http.request(method, url, **kw)  # type: ignore[arg-type]
    tally.latencies[page].append(time.perf_counter() - started)
    if response.status_code != expect:
        raise JourneyFailed(f"{page}: {method} {url} answered {response.status_code}")
    return response


async def journey(base_url: str, tally: Tally) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        await timed(tally, "start page", http, "GET", f"{FORM}/", 200)
        url = f"{FORM}/collection-type"
        while not url.endswith("/check-answers"):
            page = await timed(tally, "question GET", http, "GET", url, 200)
            data = {**ANSWERS[url.rsplit("/", 1)[1]], "_csrf_token": csrf(page.text) or ""}
            answered = await timed(tally, "question POST", http, "POST", url, 303, data=data)
            url = answered.headers["location"]
        check = await timed(tally, "check answers", http, "GET", url, 200)
        submitted = await timed(
            tally, "submit", http, "POST", url, 303, data={"_csrf_token": csrf(check.text) or ""}
        )
        card_url = submitted.headers["location"]
        card = await timed(tally, "card page", http, "GET", card_url, 200)
        data = {**CARD_FIELDS, "_csrf_token": csrf(card.text) or ""}
        paid = await timed(tally, "pay", http, "POST", card_url, 303, data=data)
        back = await timed(tally, "return", http, "GET", paid.headers["location"], 303)
        await timed(tally, "confirmation", http, "GET", back.headers["location"], 200)


async def resident(base_url: str, tally: Tally, stop_at: float) -> None:
    while time.monotonic() < stop_at:
        try:
            await journey(base_url, tally)
            tally.journeys += 1
        except (JourneyFailed, httpx.HTTPError, KeyError) as exc:
            tally.errors.append(f"{type(exc).__name__}: {exc}")


async def sample_rss(stack: Stack, peaks: dict[str, float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for process in [*stack.webs, *stack.workers]:
            peaks[process.name] = max(peaks.get(process.name, 0.0), process.rss_mb())
        await asyncio.sleep(1)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


async def measure(args: argparse.Namespace, stack: Stack, workers: int) -> int:
    await journey(stack.front_url, Tally())  # warm-up: imports, compiled form, connections
    tally = Tally()
    peaks: dict[str, float] = {}
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_rss(stack, peaks, stop))
    started = time.monotonic()
    await asyncio.gather(
        *(resident(stack.front_url, tally, started + args.seconds) for _ in range(args.users))
    )
    elapsed = time.monotonic() - started
    stop.set()
    await sampler
    print(
        f"\n1 web + {workers} worker(s): {tally.journeys} journeys in {elapsed:.1f} s ="
        f" {tally.journeys / elapsed:.2f} journeys/s; errors: {len(tally.errors)}"
    )
    print(f"  {'page':<16} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for page, values in tally.latencies.items():
        print(
            f"  {page:<16} {len(values):>8} {percentile(values, 0.5) * 1000:>8.1f}"
            f" {percentile(values, 0.99) * 1000:>8.1f}"
        )
    every = [v for values in tally.latencies.values() for v in values]
    print(
        f"  {'all pages':<16} {len(every):>8} {statistics.median(every) * 1000:>8.1f}"
        f" {percentile(every, 0.99) * 1000:>8.1f}"
    )
    print("  peak RSS: " + ", ".join(f"{name} {mb:.0f} MiB" for name, mb in peaks.items()))
    for error in tally.errors[:10]:
        print(f"  ERROR {error}")
    return len(tally.errors)


async def main_async(args: argparse.Namespace, work: Path) -> int:
    print(
        f"cores: {os.cpu_count()}  users: {args.users}  seconds: {args.seconds}"
        f"  database: {args.database}  (web, workers, Temporal, database and the load generator"
        " share the cores)"
    )
    errors = 0
    for workers in args.workers:
        with running(args.database, work / f"workers-{workers}", workers=workers) as stack:
            errors += await measure(args, stack, workers)
    return 1 if errors else 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=16, help="concurrent residents")
    parser.add_argument("--seconds", type=float, default=30, help="length of the load")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="worker counts to run in turn"
    )
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    args = parser.parse_args()
    code = 2
    try:
        with tempfile.TemporaryDirectory(prefix="cf-load-") as work:
            code = asyncio.run(main_async(args, Path(work)))
    except Exception:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        os._exit(code)  # temporalio can abort the interpreter at exit (sdk-python#300)


if __name__ == "__main__":
    main()
