"""Check your answers: every answer with a "Change" link, the fee from the server's own quote, and
"Submit and pay", which stores the submission and starts its workflow."""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from counterfoil.forms import Quote
from counterfoil.platform import Platform
from counterfoil.platform.submissions import create_submission
from counterfoil.rules import format_pence
from counterfoil.web.ratelimit import limit_submissions
from counterfoil.web.resident._common import (
    CHECK_ANSWERS,
    AnyRequest,
    FormSite,
    ask_workflow,
    live_site,
    see_other,
    session_ended,
    title,
    with_platform,
)
from counterfoil.web.resident.journey import Journey
from counterfoil.web.resident.summary import answer_rows, first_page_with_error
from counterfoil.workflows.submission.client import start_submission
from counterfoil.workflows.submission.types import PaymentLink, Status

# Statuses in which the resident still has something to do about the payment.
_PAYMENT_OPEN = frozenset(
    {Status.AWAITING_PAYMENT, Status.PAYMENT_FAILED, Status.EXPIRED, Status.CANCELLED}
)


@get("/{council:str}/{slug:str}/check-answers", name="resident:check-answers")
async def check_answers(
    request: AnyRequest, council: FromPath[str], slug: FromPath[str]
) -> Template | Redirect:
    return show_check_answers(request, await live_site(request, council, slug))


@post(
    "/{council:str}/{slug:str}/check-answers",
    name="resident:submit",
    guards=[limit_submissions],
)
async def submit(
    request: AnyRequest, council: FromPath[str], slug: FromPath[str]
) -> Template | Redirect:
    site = await live_site(request, council, slug)
    journey = finished_journey(request, site)
    if not isinstance(journey, Journey):
        return journey
    key = journey.ensure_submit_key()
    reference = await with_platform(request, _store, council, slug, journey.answers, key)
    journey.reference = reference
    site.save(request, journey)
    link = await ask_workflow(request, start_submission, reference, council)
    return see_other(next_step(council, reference, link))


def finished_journey(request: AnyRequest, site: FormSite) -> Journey | Template | Redirect:
    """The journey when every answer is in and valid; otherwise the page that says what to do."""
    journey = site.journey(request)
    if journey is None or not journey.answers:
        return session_ended(site)
    unfinished = first_page_with_error(site.form, journey.answers)
    if unfinished is not None:
        return see_other(site.url(unfinished))
    return journey


def show_check_answers(request: AnyRequest, site: FormSite) -> Template | Redirect:
    """Every answer with its "Change" link and the fee lines, or the first page still to answer."""
    form = site.form
    journey = site.journey(request)
    if journey is None:
        return see_other(site.url())
    unfinished = first_page_with_error(form, journey.answers)
    if unfinished is not None:
        return see_other(site.url(unfinished))
    quote = form.quote(journey.answers)
    journey.ensure_submit_key()  # made now, so that two clicks on "Submit" share it
    site.save(request, journey)
    definition = form.definition
    total = quote.total or 0
    return site.render(
        "check_answers.html",
        page_title=title("Check your answers", definition.title, site.council.name),
        form=definition,
        rows=answer_rows(form, journey.answers),
        change_base=site.url(),
        fees=fee_lines(quote),
        total=format_pence(total) if total else None,
        button="Submit and pay" if total > 0 and site.takes_payment else "Submit",
        back_url=_last_page_url(site, journey.answers),
        action=site.url(CHECK_ANSWERS),
    )


def fee_lines(quote: Quote) -> list[dict[str, str]]:
    """The lines a resident sees: zero lines left out (form-definition.md), amounts in pounds."""
    return [
        {"description": line.description, "amount": format_pence(line.amount)}
        for line in quote.lines
        if line.amount != 0
    ]


def next_step(council: str, reference: str, link: PaymentLink) -> str:
    """The card page when a payment is due, the payment outcome page when one needs attention,
    otherwise the confirmation."""
    if link.next_url:
        return link.next_url
    if link.status in _PAYMENT_OPEN:
        return f"/pay/return/{reference}"
    return f"/{council}/confirmation/{reference}"


def _store(
    platform: Platform,
    council: str,
    slug: str,
    answers: dict[str, Any],
    key: str,
) -> str:
    with platform.session() as session:
        return create_submission(session, council, slug, answers, key).reference


def _last_page_url(site: FormSite, answers: dict[str, Any]) -> str:
    pages = site.form.flow.applicable(answers)
    return site.url(pages[-1].id) if pages else site.url()
