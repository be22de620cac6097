"""The `counterfoil` command; each area adds its sub-commands here."""

from __future__ import annotations

import typer

from counterfoil.cli.forms import forms_app

app = typer.Typer(no_args_is_help=True, help="Counterfoil: payable e-forms for UK councils.")
app.add_typer(forms_app, name="forms")


def main() -> None:
    app()
