"""What logs and metrics cost a web: CPU time per request with them on, beside the same app with
them off, over real HTTP on loopback.

    python bench/observability.py [--requests 400] [--runs 5] [--concurrency 8]

A uvicorn server (as `counterfoil web` runs it) serves the app from a fresh SQLite database with the
demo council seeded; no Temporal is needed for the pages measured. Baseline: metrics off, logging
at WARNING (no access lines). Observed: `/metrics` on with the request metrics middleware, and the
production logging set-up (JSON lines at INFO, an access line per request) writing to /dev/null.
Server and clients share this process, so the process's CPU time per request (server and client
together) is the figure: unlike requests per second it holds still on a busy machine. It
alternates the two set-ups, runs each several times, and prints the medians and their ratio, for a
page that does little (`/health/live`) and a resident page (`/demo/bulky-waste/`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from counterfoil.platform import Platform, Settings
from counterfoil.platform.db import migrate
from counterfoil.platform.observability import configure_logging
from counterfoil.platform.seed import seed_demo
from counterfoil.web.app import create_app
from counterfoil.workflows.devserver import free_port, wait_for_port

PATHS = ("/health/live", "/demo/bulky-waste/")


async def _load(url: str, requests: int, concurrency: int) -> float:
    """CPU milliseconds this process spent per request, over `requests` requests."""
    left = requests

    async def client() -> None:
        nonlocal left
        async with httpx.AsyncClient() as http:
            while left > 0:
                left -= 1
                response = await http.get(url)
                assert response.status_code == 200, response.status_code

    start = time.process_time()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return (time.process_time() - start) * 1000 / requests


def _serve(settings: Settings, platform: Platform) -> tuple[uvicorn.Server, threading.Thread]:
    app = create_app(platform, connect_temporal=False)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=settings.port, log_config=None, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(settings.port)
    return server, thread


def measure(folder: Path, observed: bool, path: str, requests: int, concurrency: int) -> float:
    port = free_port()
    settings = Settings(
        var_dir=folder,
        port=port,
        secret_key="bench-secret-key-0123456789",
        metrics_enabled=observed,
        submission_rate_limit=10**9,
    )
    root = logging.getLogger()
    handler = None
    if observed:
        handler = configure_logging(settings, stream=open(os.devnull, "w"))  # noqa: SIM115
    else:
        root.setLevel(logging.WARNING)
    platform = Platform.open(settings)
    server, thread = _serve(settings, platform)
    try:
        return asyncio.run(_load(f"http://127.0.0.1:{port}{path}", requests, concurrency))
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        platform.close()
        if handler is not None:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(logging.WARNING)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="requests in one run")
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--concurrency", type=int, default=8, help="clients at once")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        settings = Settings(var_dir=folder)
        migrate(settings.resolved_database_url)
        platform = Platform.open(settings)
        seed_demo(platform)
        platform.close()
        print(
            f"cores: {os.cpu_count()}  runs: {args.runs} x {args.requests} requests (medians), "
            f"{args.concurrency} clients"
        )
        print(f"{'path':<22} {'off CPU ms/req':>15} {'on CPU ms/req':>14} {'on/off':>7}")
        for path in PATHS:
            costs: dict[bool, list[float]] = {False: [], True: []}
            for _ in range(args.runs):
                for observed in (False, True):
                    costs[observed].append(
                        measure(folder, observed, path, args.requests, args.concurrency)
                    )
            off = statistics.median(costs[False])
            on = statistics.median(costs[True])
            print(f"{path:<22} {off:>15.2f} {on:>14.2f} {on / off:>7.2f}")


if __name__ == "__main__":
    main()
