"""Small helpers shared by the resident pages: the app's handles, titles, URLs and redirects."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar, cast

from litestar import Request
from litestar.response import Redirect, Template
from temporalio.client import Client

from counterfoil.platform import Platform
from counterfoil.web.resident._loading import CouncilView

T = TypeVar("T")
AnyRequest = Request[Any, Any, Any]
CHECK_ANSWERS = "check-answers"


def platform_of(request: AnyRequest) -> Platform:
    return cast(Platform, request.app.state.platform)


def temporal_of(request: AnyRequest) -> Client:
    return cast(Client, request.app.state.temporal)


async def blocking(call: Callable[..., T], *args: Any) -> T:
    """Run a database call off the event loop."""
    return await asyncio.to_thread(call, *args)


def title(*parts: str | None, error: bool = False) -> str:
    """The parts joined by en dashes, "Error: " first when the page shows errors."""
    text = " \u2013 ".join(p for p in parts if p)
    return f"Error: {text}" if error else text


def form_url(council: str, slug: str, page: str | None = None) -> str:
    return f"/{council}/{slug}/{page}" if page else f"/{council}/{slug}/"


def see_other(path: str) -> Redirect:
    return Redirect(path, status_code=303)


def render(
    template: str, council: CouncilView | None, status_code: int = 200, **context: Any
) -> Template:
    return Template(
        f"resident/{template}",
        context={"council": council, **context},
        status_code=status_code,
    )


def session_ended(council: CouncilView, slug: str, form_title: str) -> Template:
    """Shown instead of a bare error when a POST arrives after the session's answers are gone."""
    return render(
        "session_ended.html",
        council,
        page_title=title("Your session has ended", form_title, council.name),
        start_url=form_url(council.slug, slug),
        form_title=form_title,
    )
