"""A refund is asynchronous at the provider: the workflow reads its outcome later. A confirmed
refund reaches the history; one the provider could not make is undone in the ledger, finance is
emailed, and its amount can be refunded again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlmodel import select

from counterfoil.platform.db.models import (
    EmailMessage,
    LedgerPosting,
    RefundRecord,
    SandboxPayment,
    SandboxRefund,
)
from counterfoil.platform.reconciliation.store import set_finance_email
from tests.integration.conftest import Live
from tests.integration.journeys import status_of, wait_for
from tests.integration.test_refunds_api import FEE, paid, refund, seeded


def _notes(live: Live, key: str, reference: str) -> list[str]:
    return [h["note"] for h in status_of(live.http, key, reference)["history"]]


def _wait_for_note(live: Live, key: str, reference: str, note: str) -> list[str]:
    return wait_for(  # type: ignore[no-any-return]
        lambda: note in (notes := _notes(live, key, reference)) and notes, timeout=30
    )


def test_a_refund_the_provider_settles_is_confirmed_in_the_history(
    make_live: Callable[..., Live],
) -> None:
    live = make_live(sandbox_refund_settle=timedelta(seconds=1))
    key = seeded(live)
    reference = paid(live, key)
    assert refund(live, key, reference, 1000, FEE).status_code == 201
    _wait_for_note(live, key, reference, "the provider confirmed the refund of £10.00")
    with live.platform.session() as session:
        record = session.exec(select(RefundRecord)).one()
    assert (record.key, record.amount, record.status) == (f"{reference}-refund-1", 1000, "success")
    assert record.settled_at is not None


def test_a_refund_the_provider_could_not_make_is_undone_and_finance_told(
    make_live: Callable[..., Live],
) -> None:
    live = make_live(sandbox_refund_settle=timedelta(hours=1))
    key = seeded(live)
    set_finance_email(live.platform, "demo", "finance@demo.example")
    reference = paid(live, key)
    assert refund(live, key, reference, 1000, FEE, "goodwill").status_code == 201
    # the card scheme refuses the refund: the sandbox's own state, as its provider would set it
    with live.platform.session() as session:
        made = session.exec(select(SandboxRefund)).one()
        made.status = "error"
        payment = session.exec(select(SandboxPayment)).one()
        payment.refunded -= made.amount
        session.add_all([made, payment])
    _wait_for_note(live, key, reference, "the provider could not make the refund of £10.00")

    with live.platform.session() as session:
        postings = session.exec(
            select(LedgerPosting).where(LedgerPosting.reference == reference)
        ).all()
        emails = session.exec(select(EmailMessage)).all()
    of_refund = [p for p in postings if p.refund_id == f"{reference}-refund-1"]
    assert {p.kind for p in of_refund} == {"refund", "refund_failed"}
    assert sum(p.gross for p in of_refund) == 0
    assert sum(p.gross for p in postings) == FEE
    [alert] = [e for e in emails if e.dedupe_key.startswith(f"{reference}-refund-1-failed")]
    assert alert.to == "finance@demo.example"
    assert "could not make the refund of £10.00" in alert.body

    # the amount is refundable again, through the same API, with the amount finance now sees
    again: Any = refund(live, key, reference, FEE, FEE, "refund again")
    assert again.status_code == 201, again.text
    assert again.json()["refundable_remaining"] == 0
