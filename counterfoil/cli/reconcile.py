"""`counterfoil reconcile run --council C --date D`: one day's comparison of payments with the
providers' lists, by hand, through the same ReconciliationWorkflow the schedule starts; prints a
summary and each difference. `counterfoil reconcile finance-email` sets where differences go."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated

import typer

from counterfoil.cli._exit import finish
from counterfoil.platform import Platform, Settings
from counterfoil.platform.errors import NotFound
from counterfoil.platform.reconciliation import describe, recorded_report, set_finance_email
from counterfoil.workflows.client import connect
from counterfoil.workflows.reconciliation.client import RECONCILIATION
from counterfoil.workflows.reconciliation.types import ReconciliationResult

reconcile_app = typer.Typer(
    no_args_is_help=True, help="Daily reconciliation with the payment providers."
)


async def _run(settings: Settings, council: str, day: date) -> ReconciliationResult:
    client = await connect(settings)
    return await RECONCILIATION.run_day(client, settings, council, day)


@reconcile_app.command("run")
def run(
    council: Annotated[str, typer.Option(help="The council's slug, e.g. demo.")],
    day: Annotated[str, typer.Option("--date", help="The business date, YYYY-MM-DD.")],
) -> None:
    """Compare COUNCIL's payments of DATE with its providers' lists and print the differences."""
    try:
        business_date = date.fromisoformat(day)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{day!r} is not a date like 2026-11-25", param_hint="--date"
        ) from exc
    settings = Settings()
    try:
        result = asyncio.run(_run(settings, council, business_date))
    except NotFound as exc:
        typer.echo(f"Cannot reconcile: {exc}", err=True)
        finish(1)
    except RuntimeError as exc:  # Temporal unreachable: temporalio raises RuntimeError on connect
        typer.echo(f"Cannot reach Temporal: {exc}", err=True)
        finish(1)
    typer.echo(
        f"{council} {business_date.isoformat()}: {result.ours} payments here, "
        f"{result.theirs} at the providers, {result.differences} "
        f"difference{'s' if result.differences != 1 else ''}"
    )
    if result.differences:
        platform = Platform.open(settings)
        try:
            report = recorded_report(platform, council, business_date)
        finally:
            platform.close()
        for difference in report.differences:
            typer.echo(f"- {describe(difference)}")
    finish(0)


@reconcile_app.command("finance-email")
def finance_email(
    council: Annotated[str, typer.Option(help="The council's slug, e.g. demo.")],
    email: Annotated[str, typer.Argument(help="The finance team's address.")],
) -> None:
    """Send COUNCIL's reconciliation differences to EMAIL (without one, to its finance staff)."""
    if "@" not in email:
        raise typer.BadParameter(f"{email!r} is not an email address", param_hint="EMAIL")
    platform = Platform.open(Settings())
    try:
        set_finance_email(platform, council, email)
    except NotFound as exc:
        typer.echo(f"Cannot set the address: {exc}", err=True)
        finish(1)
    finally:
        platform.close()
    typer.echo(f"{council}: reconciliation differences go to {email}")
    finish(0)
