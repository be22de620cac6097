"""`counterfoil reconcile run --council C --date D`: one day's comparison of payments with the
providers' lists, by hand, through the same ReconciliationWorkflow the schedule starts; prints a
summary and each difference. `counterfoil reconcile finance-email` sets where differences go."""

from __future__ import annotations

from typing import Annotated

import typer

from counterfoil.cli._daily import parse_day, run_days
from counterfoil.cli._exit import finish
from counterfoil.platform import Platform, Settings
from counterfoil.platform.errors import NotFound
from counterfoil.platform.reconciliation import describe, recorded_report, set_finance_email
from counterfoil.workflows.reconciliation.client import RECONCILIATION

reconcile_app = typer.Typer(
    no_args_is_help=True, help="Daily reconciliation with the payment providers."
)


@reconcile_app.command("run")
def run(
    council: Annotated[str, typer.Option(help="The council's slug, e.g. demo.")],
    day: Annotated[str, typer.Option("--date", help="The business date, YYYY-MM-DD.")],
) -> None:
    """Compare COUNCIL's payments of DATE with its providers' lists and print the differences."""
    business_date = parse_day(day)
    settings = Settings()
    [result] = run_days(RECONCILIATION, settings, [council], business_date, "Cannot reconcile")
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
