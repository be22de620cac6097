"""Serving the app, and the worker beside it in the same event loop when asked (the embedded
default); `counterfoil web` and `counterfoil worker` run each alone."""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor

import httpx
import uvicorn
import uvloop
from temporalio.client import Client

from counterfoil.platform import Platform
from counterfoil.platform.observability.metrics import worker_metrics_server
from counterfoil.platform.payments.accounts import PaymentAccounts
from counterfoil.web.app import create_app
from counterfoil.web.callbacks import share_accounts
from counterfoil.workflows.client import connect
from counterfoil.workflows.daily import keep_schedules
from counterfoil.workflows.distribution.client import DISTRIBUTION
from counterfoil.workflows.reconciliation.client import RECONCILIATION
from counterfoil.workflows.retention.client import RETENTION
from counterfoil.workflows.worker import build_worker


class PlatformServer:
    """Web and/or worker for one platform; `stop()` may be called from any thread."""

    def __init__(self, platform: Platform, *, web: bool = True, worker: bool = True) -> None:
        self.platform = platform
        self._web = web
        self._worker = worker
        self._server: uvicorn.Server | None = None
        self._stopping = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.started = asyncio.Event()

    async def run(self, client: Client | None = None) -> None:
        settings = self.platform.settings
        self._loop = asyncio.get_running_loop()
        client = client or await connect(settings, lazy=not self._worker)
        async with contextlib.AsyncExitStack() as stack:
            http = await stack.enter_async_context(httpx.AsyncClient())
            # One set of provider gateways for web and worker, on the same client as deliveries.
            accounts = PaymentAccounts(self.platform, client=http)
            stack.push_async_callback(accounts.aclose)
            executor = stack.enter_context(ThreadPoolExecutor(max_workers=16))
            if self._worker:
                worker = build_worker(client, self.platform, accounts, http, executor)
                await stack.enter_async_context(worker)
                stack.enter_context(worker_metrics_server(settings))
                jobs = (DISTRIBUTION, RECONCILIATION, RETENTION)
                for job in jobs:
                    await job.ensure_schedules(client, self.platform)
                keeping = asyncio.create_task(
                    keep_schedules(client, self.platform, jobs, settings.schedule_sync_interval)
                )
                stack.callback(keeping.cancel)
            if self._web:
                app = create_app(self.platform, temporal=client)
                share_accounts(app, accounts)
                config = uvicorn.Config(
                    app,
                    host=settings.host,
                    port=settings.port,
                    log_config=None,  # the process's logging is set up once (configure_logging)
                    lifespan="on",
                )
                self._server = uvicorn.Server(config)
                serving = asyncio.create_task(self._server.serve())
                while not self._server.started and not serving.done():
                    await asyncio.sleep(0.02)
                self.started.set()
                await serving
            else:
                self.started.set()
                await self._stopping.wait()

    def stop(self) -> None:
        if self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._request_stop)

    def _request_stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        self._stopping.set()


def run_blocking(server: PlatformServer) -> None:
    """Run `server` until stopped, on uvloop: web, worker and the provider share one event loop,
    and uvloop's is the faster one (bench/e2e.py: about a tenth more submissions a second)."""
    uvloop.run(server.run())
