"""`counterfoil retention run [--council C] [--date D]`: anonymise what is past retention now, by
hand, through the same RetentionWorkflow the daily schedule starts; prints what it did."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from counterfoil.cli._daily import parse_day, run_days
from counterfoil.cli._exit import finish
from counterfoil.platform import Platform, Settings
from counterfoil.platform.ledger import business_date
from counterfoil.workflows.daily import council_slugs
from counterfoil.workflows.retention.client import RETENTION
from counterfoil.workflows.retention.types import RetentionResult

retention_app = typer.Typer(no_args_is_help=True, help="Anonymising submissions past retention.")


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
    today = parse_day(day) if day else business_date(datetime.now(UTC))
    settings = Settings()
    councils = [council] if council else _councils(settings)
    results = run_days(RETENTION, settings, councils, today, "Cannot run retention")
    for result in results:
        typer.echo(_describe(result))
    finish(0)
