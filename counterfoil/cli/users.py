"""`counterfoil users create --council C --email E --roles R`: a staff account for the studio."""

from __future__ import annotations

import secrets
import sys
from typing import Annotated

import typer

from counterfoil.platform import Platform, Settings
from counterfoil.platform.errors import PlatformError
from counterfoil.platform.staff import create_user

users_app = typer.Typer(no_args_is_help=True, help="Staff accounts.")


@users_app.command("create")
def create(
    council: Annotated[str, typer.Option(help="The council's slug, e.g. demo.")],
    email: Annotated[str, typer.Option(help="The person's email address (their sign-in name).")],
    roles: Annotated[str, typer.Option(help="Comma-separated: admin, designer, finance, agent.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a staff account; without --password-stdin a strong password is made, shown once."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else secrets.token_urlsafe(15)
    platform = Platform.open(Settings())
    try:
        create_user(platform, council, email, password, roles.split(","), actor="command line")
    except PlatformError as exc:
        typer.echo(f"Cannot create the account: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    finally:
        platform.close()
    typer.echo(f"Created {email.strip().lower()} for {council}.")
    if not password_stdin:
        typer.echo(f"Password (shown once, ask them to keep it safe): {password}")
