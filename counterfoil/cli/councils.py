"""`counterfoil councils create`: a new council and its first admin API key (printed once), the
first step of running the platform for a real council."""

from __future__ import annotations

from typing import Annotated

import typer

from counterfoil.platform import Platform, Settings
from counterfoil.platform.auth.keys import create_api_key
from counterfoil.platform.councils import create_council
from counterfoil.platform.errors import PlatformError

councils_app = typer.Typer(no_args_is_help=True, help="Councils.")


@councils_app.command("create")
def create(
    slug: Annotated[str, typer.Option(help="Lowercase, in every resident address: /SLUG/<form>.")],
    name: Annotated[str, typer.Option(help="The council's name, e.g. 'Exeter City Council'.")],
    brand_colour: Annotated[
        str, typer.Option(help="The header colour of its pages, e.g. #1d70b8.")
    ] = "#0b0c0c",
    logo_text: Annotated[str, typer.Option(help="The header's text; the name when empty.")] = "",
) -> None:
    """Create a council and print an admin API key for it (stored hashed, never shown again)."""
    platform = Platform.open(Settings())
    try:
        create_council(
            platform, slug=slug, name=name, brand_colour=brand_colour, logo_text=logo_text
        )
        key = create_api_key(platform, slug, ["admin"])
    except PlatformError as exc:
        typer.echo(f"Cannot create the council: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    finally:
        platform.close()
    typer.echo(f"Created the council '{slug}'. Its admin API key (shown once, keep it):")
    typer.echo(key)
