"""The designer studio under /studio: staff sign-in, forms built without writing JSON, preview,
tests and publishing. Every page works without JavaScript."""

from __future__ import annotations

from typing import Any

from litestar import get
from litestar.response import Redirect

from counterfoil.web.studio.auth import auth_routes


@get("/studio", include_in_schema=False)
async def studio_home() -> Redirect:
    return Redirect("/studio/forms", status_code=303)


def studio_routes() -> list[Any]:
    """Every studio route; each area of the studio adds its list here."""
    return [studio_home, *auth_routes]


__all__ = ["studio_routes"]
