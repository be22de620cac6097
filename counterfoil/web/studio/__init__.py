"""The designer studio under /studio: staff sign-in, forms built without writing JSON, preview,
tests and publishing. Every page works without JavaScript."""

from __future__ import annotations

from typing import Any

from litestar import get
from litestar.response import Redirect

from counterfoil.web.studio.auth import auth_routes
from counterfoil.web.studio.forms import forms_router
from counterfoil.web.studio.preview import preview_router
from counterfoil.web.studio.testing import tests_router
from counterfoil.web.studio.users import users_router
from counterfoil.web.studio.versions import versions_router


@get("/studio", include_in_schema=False)
async def studio_home() -> Redirect:
    return Redirect("/studio/forms", status_code=303)


def studio_routes() -> list[Any]:
    """Every studio route; each area of the studio adds its list here."""
    return [
        studio_home,
        *auth_routes,
        forms_router(),
        users_router,
        preview_router,
        tests_router,
        versions_router,
    ]


__all__ = ["studio_routes"]
