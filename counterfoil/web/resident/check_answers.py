"""Check your answers: every answer with a "Change" link, the fee from the server's own quote, and
"Submit and pay", which stores the submission and starts its workflow."""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from counterfoil.forms import CompiledForm
from counterfoil.platform import Platform
from counterfoil.platform.submissions import create_submission
from counterfoil.rules import format_pence
from counterfoil.web.resident._common import (
    CHECK_ANSWERS,
    AnyRequest,
    ask_workflow,
    form_url,
    open_journey,
    render,
    see_other,
    session_ended,
    title,
    with_platform,
)
from counterfoil.web.resident.journey import save_journey
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
    view, form, journey = await open_journey(request, council, slug)
    if journey is None:
        return see_other(form_url(council, slug))
    unfinished = first_page_with_error(form, journey.answers)
    if unfinished is not None:
        return see_other(form_url(council, slug, unfinished))
    quote = form.quote(journey.answers)
    journey.ensure_submit_key()  # made now, so that two clicks on "Submit" share it
    save_journey(request, council, slug, journey)
    definition = form.definition
    fees = [
        {"description": line.description, "amount": format_pence(line.amount)}
        for line in quote.lines
        if line.amount != 0
    ]
    total = quote.total or 0
    return render(
        "check_answers.html",
        view,
        page_title=title("Check your answers", definition.title, view.name),
        form=definition,
        rows=answer_rows(form, journey.answers),
        change_base=form_url(council, slug),
        fees=fees,
        total=format_pence(total) if total else None,
        button="Submit and pay" if total > 0 else "Submit",
        back_url=_last_page_url(council, slug, form, journey.answers),
        action=form_url(council, slug, CHECK_ANSWERS),
    )


@post("/{council:str}/{slug:str}/check-answers", name="resident:submit")
async def submit(
    request: AnyRequest, council: FromPath[str], slug: FromPath[str]
) -> Template | Redirect:
    view, form, journey = await open_journey(request, council, slug)
    if journey is None or not journey.answers:
        return session_ended(view, slug, form.definition.title)
    unfinished = first_page_with_error(form, journey.answers)
    if unfinished is not None:
        return see_other(form_url(council, slug, unfinished))
    key = journey.ensure_submit_key()
    reference = await with_platform(request, _store, council, slug, journey.answers, key)
    journey.reference = reference
    save_journey(request, council, slug, journey)
    link = await ask_workflow(request, start_submission, reference, council)
    return see_other(next_step(council, reference, link))


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


def _last_page_url(council: str, slug: str, form: CompiledForm, answers: dict[str, Any]) -> str:
    pages = form.flow.applicable(answers)
    return form_url(council, slug, pages[-1].id) if pages else form_url(council, slug)
