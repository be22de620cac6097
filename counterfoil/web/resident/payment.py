"""After "Submit": the return from the card page, trying a declined payment again, the
confirmation and the status page. Each asks the submission's workflow, never the query string."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from counterfoil.platform.errors import Conflict
from counterfoil.rules import format_pence
from counterfoil.web.resident._common import (
    AnyRequest,
    ask_workflow,
    form_url,
    render,
    see_other,
    title,
    with_platform,
)
from counterfoil.web.resident._loading import load_submission
from counterfoil.workflows.submission.client import check_payment, retry_payment, submission_state
from counterfoil.workflows.submission.types import Status

LONDON = ZoneInfo("Europe/London")

STATUS_WORDS: dict[Status, str] = {
    Status.SUBMITTED: "Received",
    Status.AWAITING_PAYMENT: "Waiting for payment",
    Status.PAYMENT_FAILED: "Payment did not go through",
    Status.EXPIRED: "Not paid in time, so not sent",
    Status.PAID: "Paid",
    Status.DELIVERING: "Being sent to the council team",
    Status.DELIVERED: "Sent to the council team",
    Status.DELIVERY_FAILED: "Delayed: we are sorting out a problem sending it to the team",
    Status.ACCEPTED: "Accepted by the council team",
    Status.COMPLETED: "Completed",
    Status.REJECTED: "Not accepted by the council team",
    Status.REFUNDED: "Refunded",
    Status.CANCELLED: "Cancelled",
}
# Statuses in which the fee has been taken (a refund is shown as its own status).
_PAID = frozenset(
    {
        Status.PAID,
        Status.DELIVERING,
        Status.DELIVERED,
        Status.DELIVERY_FAILED,
        Status.ACCEPTED,
        Status.COMPLETED,
        Status.REJECTED,
    }
)
_UNPAID = frozenset(
    {Status.AWAITING_PAYMENT, Status.PAYMENT_FAILED, Status.EXPIRED, Status.CANCELLED}
)


@get("/pay/return/{reference:str}", name="resident:pay-return")
async def payment_return(request: AnyRequest, reference: FromPath[str]) -> Template | Redirect:
    submission = await with_platform(request, load_submission, reference, None)
    link = await ask_workflow(request, check_payment, reference)
    council = submission.council
    if link.status not in _UNPAID:
        return see_other(f"/{council.slug}/confirmation/{reference}")
    headings = {
        Status.AWAITING_PAYMENT: "We are checking your payment",
        Status.PAYMENT_FAILED: "Your payment did not go through",
        Status.EXPIRED: "Your payment was not finished in time",
        Status.CANCELLED: "Your payment was cancelled",
    }
    heading = headings[link.status]
    definition = submission.form.definition
    return render(
        "payment.html",
        council,
        page_title=title(heading, definition.title, council.name),
        heading=heading,
        status=str(link.status),
        reference=reference,
        form=definition,
        total=format_pence(submission.total),
        start_url=form_url(council.slug, definition.slug),
    )


@post("/pay/retry/{reference:str}", name="resident:pay-retry")
async def payment_retry(request: AnyRequest, reference: FromPath[str]) -> Redirect:
    await with_platform(request, load_submission, reference, None)
    try:
        link = await ask_workflow(request, retry_payment, reference)
    except Conflict:  # a second click, or the payment went through after all
        return see_other(f"/pay/return/{reference}")
    return see_other(link.next_url or f"/pay/return/{reference}")


@get("/{council:str}/confirmation/{reference:str}", name="resident:confirmation")
async def confirmation(
    request: AnyRequest, council: FromPath[str], reference: FromPath[str]
) -> Template | Redirect:
    submission = await with_platform(request, load_submission, reference, council)
    state = await ask_workflow(request, submission_state, reference)
    if state.status in _UNPAID:  # nothing to confirm until it is paid
        return see_other(f"/pay/return/{reference}")
    definition = submission.form.definition
    done = definition.confirmation
    heading = (done.title if done else None) or "Form submitted"
    paid = submission.total > 0 and state.status in _PAID | {Status.REFUNDED}
    return render(
        "confirmation.html",
        submission.council,
        page_title=title(heading, definition.title, submission.council.name),
        heading=heading,
        reference=reference,
        form=definition,
        next_steps=_paragraphs(done.next_steps if done else None),
        lines=[
            {
                "description": line.get("description", ""),
                "amount": format_pence(int(line["amount"])),
            }
            for line in submission.lines
            if int(line.get("amount", 0)) != 0
        ],
        paid=format_pence(submission.total) if paid else None,
        status_url=f"/{council}/submissions/{reference}",
    )


@get("/{council:str}/submissions/{reference:str}", name="resident:status")
async def status_page(
    request: AnyRequest, council: FromPath[str], reference: FromPath[str]
) -> Template:
    submission = await with_platform(request, load_submission, reference, council)
    state = await ask_workflow(request, submission_state, reference)
    definition = submission.form.definition
    history = [
        {"when": _when(entry.at), "status": STATUS_WORDS.get(entry.status, str(entry.status))}
        for entry in state.history
    ]
    return render(
        "status.html",
        submission.council,
        page_title=title(f"Submission {reference}", definition.title, submission.council.name),
        reference=reference,
        form=definition,
        status=STATUS_WORDS.get(state.status, str(state.status)),
        history=_collapse(history),
        total=format_pence(submission.total) if submission.total else None,
    )


def _collapse(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Newest first, without a status repeated back to back (the workflow notes each step)."""
    kept: list[dict[str, Any]] = []
    for entry in history:
        if not kept or kept[-1]["status"] != entry["status"]:
            kept.append(entry)
    return list(reversed(kept))


def _when(moment: datetime) -> str:
    local = moment.astimezone(LONDON)
    hour = local.hour % 12 or 12
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def _paragraphs(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split("\n\n") if p.strip()]
