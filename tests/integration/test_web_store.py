"""The web's shared store (counterfoil.web.store) on a real database (SQLite, or PostgreSQL when
COUNTERFOIL_TEST_POSTGRES_URL is set), and two web processes sharing its sessions and counters."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import Engine, func, select

from counterfoil.platform.db.engine import make_engine
from counterfoil.platform.db.models import WebStoreEntry
from counterfoil.platform.seed import seed_demo
from counterfoil.web.store import DatabaseStore
from tests.integration.conftest import Live
from tests.integration.journeys import csrf_token

SESSION_COOKIE = "counterfoil-session"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(WebStoreEntry)).scalar_one())


@pytest.mark.asyncio
async def test_values_round_trip_and_expire(engine: Engine) -> None:
    store = DatabaseStore(engine).with_namespace("sessions")
    await store.set("a", b"\x00binary\xff", expires_in=60)
    await store.set("b", "text")
    assert await store.get("a") == b"\x00binary\xff"
    assert await store.get("b") == b"text"
    assert await store.exists("a")
    assert 58 <= (await store.expires_in("a") or 0) <= 60
    assert await store.expires_in("b") is None  # no expiry set
    await store.set("a", b"replaced", expires_in=timedelta(milliseconds=300))
    assert await store.get("a") == b"replaced"
    await asyncio.sleep(0.4)
    assert await store.get("a") is None
    assert not await store.exists("a")
    assert await store.expires_in("a") is None
    await store.delete("b")
    assert await store.get("b") is None
    assert await store.get("never-set") is None


@pytest.mark.asyncio
async def test_renew_for_extends_a_value_that_expires(engine: Engine) -> None:
    store = DatabaseStore(engine)
    await store.set("k", b"v", expires_in=1)
    assert await store.get("k", renew_for=120) == b"v"
    assert (await store.expires_in("k") or 0) > 100


@pytest.mark.asyncio
async def test_namespaces_are_isolated_and_delete_all_stays_in_its_own(engine: Engine) -> None:
    root = DatabaseStore(engine)
    sessions, limits = root.with_namespace("sessions"), root.with_namespace("rate_limit")
    nested = sessions.with_namespace("studio")
    await sessions.set("k", b"session")
    await limits.set("k", b"limit")
    await nested.set("k", b"nested")
    assert await sessions.get("k") == b"session"
    assert await limits.get("k") == b"limit"
    # a bulk delete on a namespace takes its children too, and nothing else
    await sessions.delete_all()
    assert await sessions.get("k") is None
    assert await nested.get("k") is None
    assert await limits.get("k") == b"limit"


@pytest.mark.asyncio
async def test_namespace_with_like_wildcards_deletes_only_its_own_keys(engine: Engine) -> None:
    root = DatabaseStore(engine)
    await root.with_namespace("a_b").set("k", b"1")
    await root.with_namespace("axb").set("k", b"2")
    await root.with_namespace("a_b").delete_all()
    assert await root.with_namespace("axb").get("k") == b"2"


@pytest.mark.asyncio
async def test_concurrent_increments_lose_no_hit(engine: Engine) -> None:
    store = DatabaseStore(engine).with_namespace("rate_limit")
    counts = await asyncio.gather(
        *(store.increment("client", timedelta(minutes=1)) for _ in range(25))
    )
    assert sorted(hits for hits, _ in counts) == list(range(1, 26))
    # one window for every hit: the one the first hit opened
    assert len({ends for _, ends in counts}) == 1


@pytest.mark.asyncio
async def test_a_window_that_has_passed_starts_again_at_one(engine: Engine) -> None:
    store = DatabaseStore(engine)
    first, ends = await store.increment("client", timedelta(milliseconds=300))
    second, same_end = await store.increment("client", timedelta(milliseconds=300))
    assert (first, second, same_end) == (1, 2, ends)
    await asyncio.sleep(0.4)
    again, later = await store.increment("client", timedelta(milliseconds=300))
    assert again == 1
    assert later > ends


@pytest.mark.asyncio
async def test_expired_rows_are_purged_by_a_later_write(engine: Engine) -> None:
    store = DatabaseStore(engine, purge_every=timedelta(0))
    for n in range(5):
        await store.set(f"old-{n}", b"x", expires_in=timedelta(milliseconds=100))
    await asyncio.sleep(0.2)
    assert _rows(engine) == 5  # nothing reads them, but they are still past their time
    await store.set("new", b"y", expires_in=60)
    assert _rows(engine) == 1
    await store.set("old", b"x", expires_in=timedelta(milliseconds=100))
    await asyncio.sleep(0.2)
    await store.delete_expired()
    assert _rows(engine) == 1


def _session_cookie(response: httpx.Response) -> str:
    for header in response.headers.get_list("set-cookie"):
        found = re.match(rf"{SESSION_COOKIE}=([^;]+)", header)
        if found:
            return found.group(1)
    raise AssertionError(f"no session cookie set: {response.headers}")


def test_a_session_made_on_one_web_process_is_valid_on_another(
    make_live: Callable[..., Live],
) -> None:
    """Two web processes (each its own app, port and memory) on one database, as behind a load
    balancer: a resident answers on the first and carries on on the second."""
    first, second = make_live(), make_live()
    seed_demo(first.platform)
    path = "/demo/bulky-waste/collection-type"
    page = first.http.get(path)
    answered = first.http.post(
        path, data={"collection_type": "bulky", "_csrf_token": csrf_token(page.text)}
    )
    assert answered.status_code == 303, answered.text
    session = _session_cookie(answered)
    # the second process has never seen this browser: only the shared store knows its answers
    with httpx.Client(base_url=second.base_url, timeout=30) as browser:
        again = browser.get(path, headers={"Cookie": f"{SESSION_COOKIE}={session}"})
    assert again.status_code == 200
    assert re.search(r'value="bulky"\s+checked', again.text), "the answer is not on the page"
    stranger = second.http.get(path)  # no cookie: no answers
    assert not re.search(r'value="bulky"\s+checked', stranger.text)


def test_rate_limit_hits_on_one_web_process_count_on_another(
    make_live: Callable[..., Live],
) -> None:
    limits = {"submission_rate_limit": 2, "rate_limit_window": timedelta(seconds=2)}
    first, second = make_live(**limits), make_live(**limits)
    seed_demo(first.platform)
    path = "/api/v1/councils/demo/forms/bulky-waste/submissions"
    # no key: each is refused (401), but each still counts against the client
    statuses = [
        first.http.post(path, json={"answers": {}}).status_code,
        second.http.post(path, json={"answers": {}}).status_code,
        second.http.post(path, json={"answers": {}}).status_code,
    ]
    assert statuses == [401, 401, 429]
    assert _wait_until_allowed(first, path) == 401


def _wait_until_allowed(live: Live, path: str) -> int:
    deadline = time.monotonic() + 10
    while True:
        response = live.http.post(path, json={"answers": {}})
        if response.status_code != 429 or time.monotonic() > deadline:
            return response.status_code
        time.sleep(float(response.headers["retry-after"]))
