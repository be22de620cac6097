"""The web's shared key/value store, in the database: a Litestar `Store` holding resident sessions
and rate-limit counters, so that any web process can serve any request (none keeps them in memory).

Expired entries are never returned; they are deleted when read, and all of them every
`purge_every` by whichever write comes first after that."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Self

import anyio.to_thread
from litestar.stores.base import NamespacedStore
from sqlalchemy import Engine, Table, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from counterfoil.platform.db.engine import session_scope
from counterfoil.platform.db.models import WebStoreEntry

_TABLE: Table = WebStoreEntry.__table__  # type: ignore[attr-defined]


def _seconds(duration: int | timedelta) -> float:
    return duration.total_seconds() if isinstance(duration, timedelta) else float(duration)


@dataclass
class _Purge:
    """When expired entries were last deleted; one per table, shared by every namespace."""

    every: float
    last: float = 0.0


class DatabaseStore(NamespacedStore):
    """Entries of one namespace (a key prefix) in the `webstoreentry` table."""

    def __init__(
        self,
        engine: Engine,
        namespace: str = "",
        purge_every: timedelta = timedelta(minutes=5),
        *,
        purge: _Purge | None = None,
    ) -> None:
        self.engine = engine
        self.namespace = namespace
        self._prefix = f"{namespace}:" if namespace else ""
        self._purge = purge or _Purge(every=purge_every.total_seconds())

    def with_namespace(self, namespace: str) -> Self:
        child = f"{self.namespace}:{namespace}" if self.namespace else namespace
        return type(self)(self.engine, child, purge=self._purge)

    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
    ) -> None:
        data = value.encode() if isinstance(value, str) else value
        expires_at = time.time() + _seconds(expires_in) if expires_in else None
        await anyio.to_thread.run_sync(self._set, self._prefix + key, data, expires_at)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        renew = _seconds(renew_for) if renew_for else None
        return await anyio.to_thread.run_sync(self._get, self._prefix + key, renew)

    async def delete(self, key: str) -> None:
        await anyio.to_thread.run_sync(
            self._write, delete(_TABLE).where(_TABLE.c.key == self._prefix + key)
        )

    async def delete_all(self) -> None:
        statement = delete(_TABLE)
        if self._prefix:
            statement = statement.where(_TABLE.c.key.startswith(self._prefix, autoescape=True))
        await anyio.to_thread.run_sync(self._write, statement)

    async def delete_expired(self) -> None:
        await anyio.to_thread.run_sync(self._write, self._expired())

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        row = await anyio.to_thread.run_sync(self._row, self._prefix + key)
        if row is None or row.expires_at is None:
            return None
        return int(row.expires_at - time.time())

    async def increment(self, key: str, window: timedelta) -> tuple[int, float]:
        """Count one hit on `key` in a fixed window that starts with its first hit; returns the
        hits so far and when the window ends (Unix time). One atomic statement, so concurrent
        processes never lose a hit."""
        return await anyio.to_thread.run_sync(self._increment, self._prefix + key, window)

    # -- blocking parts, run in a worker thread -----------------------------------------------

    def _set(self, key: str, data: bytes, expires_at: float | None) -> None:
        statement = self._insert().values(key=key, value=data, hits=0, expires_at=expires_at)
        excluded = statement.excluded
        statement = statement.on_conflict_do_update(
            index_elements=[_TABLE.c.key],
            set_={"value": excluded.value, "hits": 0, "expires_at": excluded.expires_at},
        )
        self._write(statement, purge=True)

    def _get(self, key: str, renew_for: float | None) -> bytes | None:
        now = time.time()
        with session_scope(self.engine) as session:
            connection = session.connection()
            row = connection.execute(
                select(_TABLE.c.value, _TABLE.c.expires_at).where(_TABLE.c.key == key)
            ).first()
            if row is None:
                return None
            if row.expires_at is not None and row.expires_at <= now:
                connection.execute(delete(_TABLE).where(_TABLE.c.key == key))
                return None
            if renew_for and row.expires_at is not None:
                connection.execute(
                    update(_TABLE).where(_TABLE.c.key == key).values(expires_at=now + renew_for)
                )
            return bytes(row.value)

    def _row(self, key: str) -> Any:
        with session_scope(self.engine) as session:
            row = (
                session.connection()
                .execute(select(_TABLE.c.expires_at).where(_TABLE.c.key == key))
                .first()
            )
        if row is None or (row.expires_at is not None and row.expires_at <= time.time()):
            return None
        return row

    def _increment(self, key: str, window: timedelta) -> tuple[int, float]:
        now = time.time()
        statement = self._insert().values(
            key=key, value=b"", hits=1, expires_at=now + window.total_seconds()
        )
        # An entry whose window has passed starts again at one hit.
        ended = _TABLE.c.expires_at <= now
        statement = statement.on_conflict_do_update(
            index_elements=[_TABLE.c.key],
            set_={
                "hits": case((ended, 1), else_=_TABLE.c.hits + 1),
                "expires_at": case(
                    (ended, statement.excluded.expires_at), else_=_TABLE.c.expires_at
                ),
            },
        ).returning(_TABLE.c.hits, _TABLE.c.expires_at)
        with session_scope(self.engine) as session:
            row = session.connection().execute(statement).one()
            self._maybe_purge(session.connection(), now)
        return int(row.hits), float(row.expires_at)

    def _write(self, statement: Any, purge: bool = False) -> None:
        with session_scope(self.engine) as session:
            session.connection().execute(statement)
            if purge:
                self._maybe_purge(session.connection(), time.time())

    def _maybe_purge(self, connection: Connection, now: float) -> None:
        if now - self._purge.last >= self._purge.every:
            self._purge.last = now
            connection.execute(self._expired(now))

    def _expired(self, now: float | None = None) -> Any:
        moment = time.time() if now is None else now
        return delete(_TABLE).where(_TABLE.c.expires_at <= moment)

    def _insert(self) -> Any:
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(_TABLE)
