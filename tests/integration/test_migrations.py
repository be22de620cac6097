"""The Alembic migrations (several heads from areas that branched, all applied) build exactly the
tables the models describe, column types included, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import counterfoil.platform.db.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from counterfoil.platform.db import make_engine
from counterfoil.platform.db.migrate import alembic_config


def test_the_migrated_database_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_the_migrations_end_in_one_head() -> None:
    # branches from parallel work are merged, so the next migration has one parent
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, heads
