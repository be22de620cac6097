"""The platform's handles on the outside world, built once per process and passed down."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session

from counterfoil.platform.db.engine import make_engine, session_scope
from counterfoil.platform.settings import Settings


@dataclass(frozen=True)
class Platform:
    settings: Settings
    engine: Engine

    @classmethod
    def open(cls, settings: Settings) -> Platform:
        return cls(settings=settings, engine=make_engine(settings.resolved_database_url))

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.engine) as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()
