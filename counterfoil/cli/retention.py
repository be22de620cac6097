"""`counterfoil retention run [--council C] [--date D]`: anonymise what is past retention now, by
hand, through the same RetentionWorkflow the daily schedule starts; prints what it did."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Annotated

import typer

from counterfoil.cli._exit import finish
from counterfoil.platform import Platform, Settings
from counterfoil.platform.errors import NotFound
from counterfoil.platform.ledger import business_date
from counterfoil.workflows.client import connect
from counterfoil.workflows.daily import council_slugs
from counterfoil.workflows.retention.client import RETENTION
from counterfoil.workflows.retention.types import RetentionResult

retention_app = typer.Typer(no_args_is_help=True, help="Anonymising submissions past retention.")


async def _run(settings: Settings, councils: list[str], day: date) -> list[RetentionResult]:
    client = await connect(settings)
    return [await RETENTION.run_day(client, settings, council, day) for council in councils]


def _councils(settings: Settings) -> list[str]:
    platform = Platform.open(settings)
    try:
        return council_slugs(platform)
    finally:
        platform.close()


def _describe(result: RetentionResult) -> str:
    forms = ", ".join(f"{slug} {count}" for slug, count in result.forms.items())
    line = f"{result.council} {result.today.isoformat()}: anonymised {result.anonymised}"
    if forms:
        line += f" ({forms})"
    if result.references:
        line += ": " + " ".join(result.references)
    return line


@retention_app.command("run")
def run(
    council: Annotated[
        str | None, typer.Option(help="One council's slug; every council when left out.")
    ] = None,
    day: Annotated[
        str | None,
        typer.Option("--date", help="Run as if today were this day, YYYY-MM-DD (default today)."),
    ] = None,
) -> None:
    """Anonymise the finished submissions past their form's retention_days, and print them."""
    try:
        today = date.fromisoformat(day) if day else business_date(datetime.now(UTC))
    except ValueError as exc:
        raise typer.BadParameter(
            f"{day!r} is not a date like 2026-11-26", param_hint="--date"
        ) from exc
    settings = Settings()
    try:
        results = asyncio.run(_run(settings, [council] if council else _councils(settings), today))
    except NotFound as exc:
        typer.echo(f"Cannot run retention: {exc}", err=True)
        finish(1)
    except RuntimeError as exc:  # Temporal unreachable: temporalio raises RuntimeError on connect
        typer.echo(f"Cannot reach Temporal: {exc}", err=True)
        finish(1)
    for result in results:
        typer.echo(_describe(result))
    finish(0)
