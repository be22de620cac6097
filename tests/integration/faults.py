"""Faults to inject into the real parts, importable by tests and bench scripts alike.

`DatabaseOutage`: PostgreSQL itself refuses every new connection to one database
(`ALLOW_CONNECTIONS false`, which binds superusers too) and drops the connections already open,
until `accept()`. The platform sees what a restarting or failing-over server shows it:
OperationalError on connect, and pooled connections that die mid-use.

    outage = DatabaseOutage.of(database_url)   # administered from the "postgres" database
    with outage.for_seconds(60):                # refused for a minute, then accepted again
        ...
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


class DatabaseOutage:
    def __init__(self, admin_url: str, database: str) -> None:
        url = make_url(admin_url).set(drivername="postgresql+psycopg")
        if url.database == database:
            raise ValueError("the admin connection must go to another database than the outage's")
        self.database = database
        self._admin = create_engine(url, isolation_level="AUTOCOMMIT")

    @classmethod
    def of(cls, database_url: str, admin_database: str = "postgres") -> DatabaseOutage:
        """The outage of the database `database_url` names, administered from `admin_database`."""
        url = make_url(database_url)
        assert url.database is not None
        admin = url.set(database=admin_database).render_as_string(hide_password=False)
        return cls(admin, url.database)

    def refuse(self) -> None:
        """From now on no connection is accepted, and every open one is cut."""
        with self._admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{self.database}" ALLOW_CONNECTIONS false'))
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": self.database},
            )

    def accept(self) -> None:
        with self._admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{self.database}" ALLOW_CONNECTIONS true'))

    @contextmanager
    def refused(self) -> Iterator[None]:
        """Refuse for as long as the block runs; connections are accepted again however it ends."""
        self.refuse()
        try:
            yield
        finally:
            self.accept()

    @contextmanager
    def for_seconds(self, seconds: float) -> Iterator[float]:
        """Refuse, run the block, and accept again once `seconds` have passed since refusing (or
        when the block ends, if later). Yields the monotonic time the outage ends."""
        with self.refused():
            ends = time.monotonic() + seconds
            yield ends
            time.sleep(max(0.0, ends - time.monotonic()))

    def close(self) -> None:
        self._admin.dispose()
