"""`counterfoil keys create --council C --roles R`: a new API key, printed once."""

from __future__ import annotations

from typing import Annotated

import typer

from counterfoil.platform import Platform, Settings
from counterfoil.platform.auth.keys import create_api_key
from counterfoil.platform.errors import PlatformError

keys_app = typer.Typer(no_args_is_help=True, help="API keys.")


@keys_app.command("create")
def create(
    council: Annotated[str, typer.Option(help="The council's slug, e.g. demo.")],
    roles: Annotated[
        str,
        typer.Option(help="Comma-separated: admin, designer, finance, agent, department:<slug>."),
    ],
) -> None:
    """Print a new API key for COUNCIL with ROLES. It is stored hashed and never shown again."""
    platform = Platform.open(Settings())
    try:
        key = create_api_key(platform, council, [r.strip() for r in roles.split(",") if r.strip()])
    except (PlatformError, ValueError) as exc:
        typer.echo(f"Cannot create the key: {getattr(exc, 'detail', exc)}", err=True)
        raise typer.Exit(1) from exc
    finally:
        platform.close()
    typer.echo(key)
