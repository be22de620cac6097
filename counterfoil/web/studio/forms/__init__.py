"""Building a form without writing JSON, under /studio/forms: the forms list, settings, pages,
questions, fees, import and export. Designers and admins edit; every save names the draft revision
it started from."""

from __future__ import annotations

from litestar import Router
from litestar.di import Provide

from counterfoil.web.studio.auth import staff_member
from counterfoil.web.studio.forms import fees, listing, pages, questions, settings, transfer


def forms_router() -> Router:
    # import routes before "/{slug}" ones only for reading order: Litestar matches literals first
    return Router(
        path="/studio/forms",
        dependencies={"staff": Provide(staff_member)},
        route_handlers=[
            *transfer.routes,
            *listing.routes,
            *settings.routes,
            *pages.routes,
            *questions.routes,
            *fees.routes,
        ],
        include_in_schema=False,
    )


__all__ = ["forms_router"]
