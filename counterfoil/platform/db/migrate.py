"""Applying the Alembic migrations that live beside this module."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


def migrate(url: str) -> None:
    """Bring the database at `url` to the newest schema. "heads": areas add their tables on
    branches from a shared revision, each applied independently."""
    command.upgrade(alembic_config(url), "heads")
