"""Health endpoints over loopback: ready when the database and Temporal answer, 503 naming the
failed check (with Retry-After) when either cannot be reached, while liveness stays 200."""

from __future__ import annotations

import contextlib
import socket
import uuid
from pathlib import Path

import httpx
import pytest
from _departments_support import serving
from sqlalchemy import create_engine, text

from counterfoil.platform import Platform, Settings
from counterfoil.platform.db import migrate
from counterfoil.web.app import create_app
from counterfoil.workflows.devserver import dev_server
from tests.integration.conftest import POSTGRES_URL, Live, _psycopg


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _probe(base_url: str) -> tuple[httpx.Response, httpx.Response]:
    with httpx.Client(base_url=base_url, timeout=10) as http:
        return http.get("/health/live"), http.get("/health/ready")


def _assert_unready(answer: httpx.Response, failed: str, working: str) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"] == "5"
    body = answer.json()
    assert body["status"] == "unavailable"
    assert body["checks"][failed] != "ok"
    assert body["checks"][working] == "ok"


def test_running_platform_is_live_and_ready(live: Live) -> None:
    alive, ready = _probe(live.base_url)
    assert alive.status_code == 200
    assert alive.json() == {"status": "ok"}
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "temporal": "ok"}}
    # probes make no session (a row in the session store each time, otherwise)
    assert "set-cookie" not in alive.headers
    assert "set-cookie" not in ready.headers


def test_unreachable_database_makes_the_web_unready_but_still_live(
    tmp_path: Path, temporal_address: str
) -> None:
    settings = Settings(
        var_dir=tmp_path,
        database_url=f"postgresql://postgres@127.0.0.1:{_closed_port()}/counterfoil",
        temporal_address=temporal_address,
    )
    platform = Platform.open(settings)
    try:
        with serving(lambda _: create_app(platform)) as base_url:
            alive, ready = _probe(base_url)
    finally:
        platform.close()
    assert alive.status_code == 200
    _assert_unready(ready, failed="database", working="temporal")
    assert ready.json()["checks"]["database"] == "unreachable"


def test_temporal_going_away_makes_the_web_unready(tmp_path: Path, database_url: str) -> None:
    with contextlib.ExitStack() as temporal:
        # a second, short-lived dev server: the session's one must keep running for other tests
        address = temporal.enter_context(dev_server())
        settings = Settings(var_dir=tmp_path, database_url=database_url, temporal_address=address)
        platform = Platform.open(settings)
        try:
            with serving(lambda _: create_app(platform)) as base_url:
                before = _probe(base_url)[1]
                temporal.close()  # stops the dev server; the web keeps running
                alive, after = _probe(base_url)
        finally:
            platform.close()
    assert before.status_code == 200, before.text
    assert alive.status_code == 200
    _assert_unready(after, failed="temporal", working="database")
    assert after.json()["checks"]["temporal"] in ("unreachable", "timeout")


def test_web_started_while_temporal_is_down_serves_and_is_unready(
    tmp_path: Path, database_url: str
) -> None:
    # the web connects lazily: it starts, answers, and is ready once Temporal is (compose starts
    # the web beside a Temporal server that may still be coming up)
    settings = Settings(
        var_dir=tmp_path,
        database_url=database_url,
        temporal_address=f"127.0.0.1:{_closed_port()}",
    )
    platform = Platform.open(settings)
    try:
        with serving(lambda _: create_app(platform)) as base_url:
            alive, ready = _probe(base_url)
    finally:
        platform.close()
    assert alive.status_code == 200
    _assert_unready(ready, failed="temporal", working="database")


@pytest.mark.skipif(not POSTGRES_URL, reason="dropping a database needs PostgreSQL")
def test_dropped_postgresql_database_makes_the_web_unready(
    tmp_path: Path, temporal_address: str
) -> None:
    name = f"cf_health_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_psycopg(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    migrate(url)
    platform = Platform.open(
        Settings(var_dir=tmp_path, database_url=url, temporal_address=temporal_address)
    )
    try:
        with serving(lambda _: create_app(platform)) as base_url:
            assert _probe(base_url)[1].status_code == 200
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            alive, ready = _probe(base_url)
    finally:
        platform.close()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    assert alive.status_code == 200
    _assert_unready(ready, failed="database", working="temporal")
