"""`counterfoil ledger run --council C --date D`: one day's distribution batch, by hand, through the
same DistributionWorkflow the schedule starts; prints the ledger file's path."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated

import typer

from counterfoil.cli._exit import finish
from counterfoil.platform import Settings
from counterfoil.platform.errors import NotFound
from counterfoil.workflows.client import connect
from counterfoil.workflows.distribution.client import DISTRIBUTION
from counterfoil.workflows.distribution.types import DistributionResult

ledger_app = typer.Typer(no_args_is_help=True, help="The council's ledger.")


async def _run(settings: Settings, council: str, day: date) -> DistributionResult:
    client = await connect(settings)
    return await DISTRIBUTION.run_day(client, settings, council, day)


@ledger_app.command("run")
def run(
    council: Annotated[str, typer.Option(help="The council's slug, e.g. demo.")],
    day: Annotated[str, typer.Option("--date", help="The business date, YYYY-MM-DD.")],
) -> None:
    """Build (or find) COUNCIL's distribution batch for DATE and print its file's path."""
    try:
        business_date = date.fromisoformat(day)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{day!r} is not a date like 2026-11-26", param_hint="--date"
        ) from exc
    try:
        result = asyncio.run(_run(Settings(), council, business_date))
    except NotFound as exc:
        typer.echo(f"Cannot run the batch: {exc}", err=True)
        finish(1)
    except RuntimeError as exc:  # Temporal unreachable: temporalio raises RuntimeError on connect
        typer.echo(f"Cannot reach Temporal: {exc}", err=True)
        finish(1)
    typer.echo(result.path)
    finish(0)
