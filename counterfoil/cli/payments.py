"""`counterfoil payments set|rotate-keys`: a council's provider account from the command line.
Secrets are read from standard input (or COUNTERFOIL_PAYMENT_CREDENTIALS), never from arguments,
which other users of the machine can see in the process list and shells keep in their history."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import msgspec
import typer

from counterfoil.platform import Platform, Settings
from counterfoil.platform.errors import PlatformError
from counterfoil.platform.payments.account_admin import reencrypt_accounts, set_account
from counterfoil.platform.payments.credentials import CredentialsError

CREDENTIALS_ENV = "COUNTERFOIL_PAYMENT_CREDENTIALS"

payments_app = typer.Typer(no_args_is_help=True, help="Payment provider accounts.")


@payments_app.command("set")
def set_(
    council: Annotated[str, typer.Option(help="The council's slug, e.g. demo.")],
    provider: Annotated[str, typer.Option(help="govuk_pay, stripe or sandbox.")],
    scope: Annotated[str, typer.Option(help="'default' or a form's slug.")] = "default",
    mode: Annotated[str, typer.Option(help="test or live.")] = "test",
) -> None:
    """Set COUNCIL's account for SCOPE. The credentials are a JSON object read from standard input
    or COUNTERFOIL_PAYMENT_CREDENTIALS: {"api_key", "webhook_secret"} for GOV.UK Pay,
    {"secret_key", "webhook_secret"} for Stripe, {} for the sandbox."""
    raw = os.environ.get(CREDENTIALS_ENV) or sys.stdin.read()
    try:
        credentials: Any = msgspec.json.decode(raw.strip() or "{}")
    except msgspec.DecodeError:
        typer.echo("The credentials are not a JSON object", err=True)
        raise typer.Exit(1) from None
    if not isinstance(credentials, dict):
        typer.echo("The credentials are not a JSON object", err=True)
        raise typer.Exit(1)
    platform = Platform.open(Settings())
    try:
        view = set_account(
            platform,
            council,
            scope,
            provider=provider,
            mode=mode,
            credentials=credentials,
            actor="command line",
        )
    except PlatformError as exc:
        problems = "".join(f"\n  {pointer}: {message}" for pointer, message in exc.problems)
        typer.echo(f"Cannot set the account: {exc.detail}{problems}", err=True)
        raise typer.Exit(1) from None
    finally:
        platform.close()
    typer.echo(f"{view.scope}: {view.provider} ({view.mode}) {view.hint}".rstrip())


@payments_app.command("rotate-keys")
def rotate_keys() -> None:
    """Re-encrypt every stored credential with the first of COUNTERFOIL_CREDENTIALS_KEYS."""
    platform = Platform.open(Settings())
    try:
        count = reencrypt_accounts(platform)
    except CredentialsError as exc:
        typer.echo(f"Cannot re-encrypt: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        platform.close()
    typer.echo(f"re-encrypted {count} account(s)")
