"""`counterfoil ledger run --council C --date D`: one day's distribution batch, by hand, through the
same DistributionWorkflow the schedule starts; prints the ledger file's path."""

from __future__ import annotations

from typing import Annotated

import typer

from counterfoil.cli._daily import parse_day, run_days
from counterfoil.cli._exit import finish
from counterfoil.platform import Settings
from counterfoil.workflows.distribution.client import DISTRIBUTION

ledger_app = typer.Typer(no_args_is_help=True, help="The council's ledger.")


@ledger_app.command("run")
def run(
    council: Annotated[str, typer.Option(help="The council's slug, e.g. demo.")],
    day: Annotated[str, typer.Option("--date", help="The business date, YYYY-MM-DD.")],
) -> None:
    """Build (or find) COUNCIL's distribution batch for DATE and print its file's path."""
    [result] = run_days(DISTRIBUTION, Settings(), [council], parse_day(day), "Cannot run the batch")
    typer.echo(result.path)
    finish(0)
