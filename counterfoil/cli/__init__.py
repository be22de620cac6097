"""The `counterfoil` command; each area adds its sub-commands here."""

from __future__ import annotations

import typer

from counterfoil.cli import serve
from counterfoil.cli.councils import councils_app
from counterfoil.cli.forms import forms_app
from counterfoil.cli.keys import keys_app
from counterfoil.cli.ledger import ledger_app
from counterfoil.cli.payments import payments_app
from counterfoil.cli.reconcile import reconcile_app
from counterfoil.cli.retention import retention_app
from counterfoil.cli.users import users_app

app = typer.Typer(no_args_is_help=True, help="Counterfoil: payable e-forms for UK councils.")
app.add_typer(councils_app, name="councils")
app.add_typer(forms_app, name="forms")
app.add_typer(keys_app, name="keys")
app.add_typer(ledger_app, name="ledger")
app.add_typer(payments_app, name="payments")
app.add_typer(reconcile_app, name="reconcile")
app.add_typer(retention_app, name="retention")
app.add_typer(users_app, name="users")
for command in (serve.dev, serve.web, serve.worker, serve.migrate):
    app.command()(command)


def main() -> None:
    app()
