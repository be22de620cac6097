"""What the commands that run a daily job by hand share: reading `--date`, running councils' days
through the same workflow the schedule starts, and leaving clearly when that cannot be done."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import TypeVar

import typer

from counterfoil.cli._exit import finish
from counterfoil.platform import Settings
from counterfoil.platform.errors import NotFound
from counterfoil.workflows.client import connect
from counterfoil.workflows.daily import DailyJob

R = TypeVar("R")


def parse_day(day: str) -> date:
    try:
        return date.fromisoformat(day)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{day!r} is not a date like 2026-11-26", param_hint="--date"
        ) from exc


def run_days(
    job: DailyJob[R], settings: Settings, councils: list[str], day: date, cannot: str
) -> list[R]:
    """Each council's `day` of `job`, waited for; or `<cannot>: <why>` and exit 1."""

    async def run() -> list[R]:
        client = await connect(settings)
        return [await job.run_day(client, settings, council, day) for council in councils]

    try:
        return asyncio.run(run())
    except NotFound as exc:
        typer.echo(f"{cannot}: {exc}", err=True)
        finish(1)
    except RuntimeError as exc:  # Temporal unreachable: temporalio raises RuntimeError on connect
        typer.echo(f"Cannot reach Temporal: {exc}", err=True)
        finish(1)
