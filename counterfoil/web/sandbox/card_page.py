"""The sandbox's hosted card page under /sandbox/pay: the page a provider owns, where the resident
types a test card. Card numbers are checked against the test cards and never stored or echoed;
only the last four digits are kept."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from litestar import Request, Response, Router, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from counterfoil.web.sandbox._cards import CardForm, FieldProblem, Outcome, check_card
from counterfoil.web.sandbox._context import dispatch, store_of
from counterfoil.web.sandbox._store import UNFINISHED, Observed, SandboxStore

CHALLENGE_STATE = "submitted"  # only a 3-D Secure card waits in "submitted" for the payer


def _page(
    observed: Observed, problems: list[FieldProblem] | None = None, form: CardForm | None = None
) -> Template:
    payment = observed.payment
    if payment.state == CHALLENGE_STATE:
        return Template("sandbox/challenge.html", context={"payment": payment})
    problems = problems or []
    return Template(
        "sandbox/card.html",
        context={
            "payment": payment,
            "pounds": f"£{payment.amount // 100:,}.{payment.amount % 100:02d}",
            "problems": problems,
            "errors": {p.field: p.message for p in problems},
            "form": form,
        },
        status_code=400 if problems else 200,
    )


def _back(observed: Observed) -> Redirect:
    return Redirect(path=observed.payment.return_url, status_code=303)


def _open(store: SandboxStore, payment_id: str) -> Observed:
    observed = store.read(payment_id)
    if observed.payment.state == "created":
        started = store.move(payment_id, "started", allowed_from=("created",))
        started.notifications[:0] = observed.notifications
        return started
    return observed


@get("/{payment_id:str}", include_in_schema=False)
async def show_card_page(
    request: Request[Any, Any, Any], payment_id: FromPath[str]
) -> Response[Any]:
    observed = await anyio.to_thread.run_sync(_open, store_of(request.app), payment_id)
    dispatch(request.app, observed)
    if observed.payment.state not in UNFINISHED:
        return _back(observed)
    return _page(observed)


def _field(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _pay(
    store: SandboxStore, payment_id: str, form: CardForm, action: str
) -> tuple[Observed, list[FieldProblem]]:
    """The payment after the payer's action, and what to correct on the form when it is wrong."""
    observed = store.read(payment_id)
    if observed.payment.state not in ("created", "started"):
        return observed, []
    if action == "cancel":
        cancelled = store.move(payment_id, "failed", allowed_from=UNFINISHED, code="P0030")
        return _then(observed, cancelled), []
    check = check_card(form, datetime.now(UTC).date())
    if check.outcome is None:
        return observed, check.problems
    if check.outcome is Outcome.CHALLENGE:
        challenged = store.move(
            payment_id, CHALLENGE_STATE, allowed_from=("created", "started"), card_last4=check.last4
        )
        return _then(observed, challenged), []
    to, code = {
        Outcome.SUCCESS: ("success", None),
        Outcome.DECLINED: ("failed", "P0010"),
        Outcome.PROVIDER_ERROR: ("error", "P0050"),
    }[check.outcome]
    # From the card straight to its outcome in one transaction: a database failure between two
    # would leave the payment waiting in `submitted` with nothing to finish it.
    paid = store.move(
        payment_id, to, allowed_from=("created", "started"), code=code, card_last4=check.last4
    )
    return _then(observed, paid), []


def _then(before: Observed, after: Observed) -> Observed:
    after.notifications[:0] = before.notifications
    return after


@post("/{payment_id:str}", include_in_schema=False)
async def submit_card(request: Request[Any, Any, Any], payment_id: FromPath[str]) -> Response[Any]:
    data = await request.form()
    form = CardForm(
        number=_field(data, "card_number"),
        expiry_month=_field(data, "expiry_month"),
        expiry_year=_field(data, "expiry_year"),
        name=_field(data, "cardholder_name"),
        cvc=_field(data, "cvc"),
    )
    action = _field(data, "action")
    observed, problems = await anyio.to_thread.run_sync(
        _pay, store_of(request.app), payment_id, form, action
    )
    dispatch(request.app, observed)
    if problems:
        # Never echo the card number or security code back to the page.
        kept = CardForm("", form.expiry_month, form.expiry_year, form.name, "")
        return _page(observed, problems, kept)
    if observed.payment.state in UNFINISHED:
        return _page(observed)
    return _back(observed)


def _decide(store: SandboxStore, payment_id: str, approved: bool) -> Observed:
    observed = store.read(payment_id)
    to, code = ("success", None) if approved else ("failed", "P0010")
    return _then(observed, store.move(payment_id, to, allowed_from=(CHALLENGE_STATE,), code=code))


@post("/{payment_id:str}/3ds", include_in_schema=False)
async def answer_challenge(
    request: Request[Any, Any, Any], payment_id: FromPath[str]
) -> Response[Any]:
    approved = _field(await request.form(), "decision") == "approve"
    observed = await anyio.to_thread.run_sync(_decide, store_of(request.app), payment_id, approved)
    dispatch(request.app, observed)
    if observed.payment.state in UNFINISHED:
        return _page(observed)
    return _back(observed)


def card_page_router() -> Router:
    return Router(path="/pay", route_handlers=[show_card_page, submit_card, answer_challenge])
