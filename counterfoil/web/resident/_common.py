"""Small helpers shared by the resident pages: the app's handles, database and workflow calls,
where a journey runs (`FormSite`), titles, URLs and redirects."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from litestar import Request
from litestar.response import Redirect, Template
from temporalio.client import Client

from counterfoil.forms import CompiledForm
from counterfoil.platform import Platform, Settings
from counterfoil.web.resident._loading import CouncilView, load_form
from counterfoil.web.resident.journey import Journey, journey_key, load_journey, save_journey

T = TypeVar("T")
P = ParamSpec("P")
AnyRequest = Request[Any, Any, Any]
CHECK_ANSWERS = "check-answers"


def platform_of(request: AnyRequest) -> Platform:
    return cast(Platform, request.app.state.platform)


def temporal_of(request: AnyRequest) -> Client:
    return cast(Client, request.app.state.temporal)


async def with_platform(
    request: AnyRequest,
    call: Callable[Concatenate[Platform, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """`call(platform, ...)` with the app's platform: a database call, run off the event loop."""
    return await asyncio.to_thread(call, platform_of(request), *args, **kwargs)


async def ask_workflow(
    request: AnyRequest,
    call: Callable[Concatenate[Client, Settings, P], Awaitable[T]],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """`call(temporal, settings, ...)` with the app's Temporal client and settings."""
    return await call(temporal_of(request), platform_of(request).settings, *args, **kwargs)


@dataclass(frozen=True)
class FormSite:
    """Where one journey through a form runs. The question and check-your-answers pages serve any
    site: the published form at /{council}/{slug}/, or the studio's preview of a draft."""

    council: CouncilView
    form: CompiledForm
    base_url: str  # the start page; each question page is this plus its page id
    journey_key: str  # the journey's entry in the session
    # Extra template context: the preview's page frame (its banner) and what that frame needs.
    frame: Mapping[str, Any] = field(default_factory=dict)
    # A preview takes no payment, so its last button must not say "pay".
    takes_payment: bool = True

    def url(self, page: str | None = None) -> str:
        return self.base_url + (page or "")

    def journey(self, request: AnyRequest) -> Journey | None:
        return load_journey(request, self.journey_key)

    def save(self, request: AnyRequest, journey: Journey) -> None:
        save_journey(request, self.journey_key, journey)

    def render(self, template: str, status_code: int = 200, **context: Any) -> Template:
        return render(template, self.council, status_code, **self.frame, **context)


async def live_site(request: AnyRequest, council: str, slug: str) -> FormSite:
    """The form as published now, at its public address."""
    view, form = await with_platform(request, load_form, council, slug)
    return FormSite(view, form, form_url(council, slug), journey_key(council, slug))


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


def session_ended(site: FormSite) -> Template:
    """Shown instead of a bare error when a POST arrives after the session's answers are gone."""
    form_title = site.form.definition.title
    return site.render(
        "session_ended.html",
        page_title=title("Your session has ended", form_title, site.council.name),
        start_url=site.url(),
        form_title=form_title,
    )
