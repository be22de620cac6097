"""A question page's render rate beside a bare Litestar + Jinja2 page of the same size.

    python bench/pages.py [--users 32] [--seconds 5] [--runs 3] [--database sqlite|postgres]

Starts a Temporal dev server, a fresh database seeded with the demo council, and `counterfoil web`
as a subprocess; fetches the first question page of the demo bulky-waste form once (keeping its
cookies, as a resident's browser would) and saves its HTML. Then starts `bench/_bare.py`: a bare
Litestar app, served the same way (uvicorn, httptools, uvloop), rendering that same HTML as one
Jinja2 template with its title and CSRF token substituted: the framework's own limit.

Each run loads each server in turn for --seconds with --users concurrent users on keep-alive
connections (a minimal HTTP/1.1 client, so the load generator costs little of the shared cores)
and prints requests/s, p50/p99 latency and errors; then the medians, the ratio ours/bare (aim:
at least 0.70) and whether p99 is under 50 ms at this concurrency.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import httpx
from _procs import PlatformConfig, Process, TemporalServer, Web, fresh_database, wait_ready

from counterfoil.platform import Platform, Settings
from counterfoil.platform.seed import seed_demo
from counterfoil.workflows.devserver import free_port

QUESTION = "/demo/bulky-waste/collection-type"


@dataclass
class Load:
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int
    size: int


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


async def one_user(
    port: int, path: str, cookie: str, stop_at: float, latencies: list[float], sizes: list[int]
) -> int:
    """GET `path` over one keep-alive connection until `stop_at`; returns the error count."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
        "Accept: text/html\r\n\r\n"
    ).encode()
    errors = 0
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            sizes.append(length)
            errors += status != 200
    finally:
        writer.close()
    return errors


async def load(port: int, path: str, cookie: str, users: int, seconds: float) -> Load:
    latencies: list[float] = []
    sizes: list[int] = []
    started = time.perf_counter()
    stop_at = started + seconds
    errors = await asyncio.gather(
        *(one_user(port, path, cookie, stop_at, latencies, sizes) for _ in range(users))
    )
    elapsed = time.perf_counter() - started
    return Load(
        rate=len(latencies) / elapsed,
        p50_ms=percentile(latencies, 0.5) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        errors=sum(errors),
        size=round(statistics.median(sizes)) if sizes else 0,
    )


def first_visit(base_url: str) -> tuple[str, str]:
    """The question page's HTML and the cookies a first visit left, as a Cookie header."""
    with httpx.Client(base_url=base_url, timeout=30) as browser:
        page = browser.get(QUESTION)
        page.raise_for_status()
        cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
        return page.text, cookie


def measure(args: argparse.Namespace, work: Path) -> int:
    with contextlib.ExitStack() as stack:
        database_url = stack.enter_context(fresh_database(args.database, work))
        platform = Platform.open(
            Settings(var_dir=work, database_url=database_url, secret_key="bench-secret")
        )
        seed_demo(platform)
        platform.close()
        temporal = TemporalServer(work)
        temporal.start()
        stack.callback(temporal.stop)
        config = PlatformConfig(work, database_url, temporal.address)
        web = Web(config)
        web.start()
        stack.callback(web.stop)
        wait_ready(web.url)
        html, cookie = first_visit(web.url)
        (work / "page.html").write_text(html)
        bare_port = free_port()
        bare = Process(
            "bare",
            [sys.executable, str(Path(__file__).with_name("_bare.py")), str(bare_port),
             str(work / "page.html")],
            work / "bare.log",
            os.environ,
        )  # fmt: skip
        bare.start()
        stack.callback(bare.stop)
        bare.wait_for_port(bare_port)

        print(
            f"cores: {os.cpu_count()}  users: {args.users}  seconds per load: {args.seconds}"
            f"  runs: {args.runs}  database: {args.database}  page: GET {QUESTION}"
            f" ({len(html.encode())} bytes)  (servers and load generator share the cores)"
        )
        # warm-up: compiled form, templates, connection pools; not counted
        asyncio.run(load(web.port, QUESTION, cookie, 4, 1))
        asyncio.run(load(bare_port, "/page", "", 4, 1))
        ours: list[Load] = []
        bases: list[Load] = []
        print(
            f"{'run':>4} {'ours/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'err':>4}"
            f" {'bare/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'err':>4} {'ratio':>6}"
        )
        for run in range(1, args.runs + 1):
            a = asyncio.run(load(web.port, QUESTION, cookie, args.users, args.seconds))
            b = asyncio.run(load(bare_port, "/page", "", args.users, args.seconds))
            ours.append(a)
            bases.append(b)
            print(
                f"{run:>4} {a.rate:>8.0f} {a.p50_ms:>7.1f} {a.p99_ms:>7.1f} {a.errors:>4}"
                f" {b.rate:>8.0f} {b.p50_ms:>7.1f} {b.p99_ms:>7.1f} {b.errors:>4}"
                f" {a.rate / b.rate:>6.2f}"
            )
        rate = statistics.median(x.rate for x in ours)
        base = statistics.median(x.rate for x in bases)
        p99 = statistics.median(x.p99_ms for x in ours)
        print(
            f"median: question page {rate:.0f} requests/s (p50"
            f" {statistics.median(x.p50_ms for x in ours):.1f} ms, p99 {p99:.1f} ms), bare"
            f" Litestar + Jinja2 {base:.0f} requests/s (p99"
            f" {statistics.median(x.p99_ms for x in bases):.1f} ms); ratio {rate / base:.2f}"
            f" (aim >= 0.70); p99 {'under' if p99 < 50 else 'OVER'} 50 ms at {args.users} users;"
            f" page {ours[-1].size} bytes, bare {bases[-1].size} bytes"
        )
        errors = sum(x.errors for x in ours + bases)
        if errors:
            print(f"errors (non-200 answers): {errors}")
        return 1 if errors else 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=32, help="concurrent users")
    parser.add_argument("--seconds", type=float, default=5, help="length of each load")
    parser.add_argument("--runs", type=int, default=3, help="runs (medians are printed)")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    code = 2
    try:
        with tempfile.TemporaryDirectory(prefix="cf-pages-") as work:
            code = measure(args, Path(work))
    except Exception:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        os._exit(code)


if __name__ == "__main__":
    main()
