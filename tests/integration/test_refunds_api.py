"""Finance refunds (api.md `POST /api/v1/submissions/{reference}/refunds`): partial refunds that
add up to the fee, a stale expected amount or an over-refund refused with nothing refunded, and
who may ask."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import httpx
from sqlmodel import select

from counterfoil.platform.auth.keys import create_api_key
from counterfoil.platform.db.models import Council, LedgerPosting, SandboxPayment
from tests.factories import valid_answers
from tests.integration.conftest import Live
from tests.integration.journeys import (
    auth,
    pay_on_card_page,
    seeded,
    status_of,
    submit,
    wait_for_status,
)

FEE = 3500


def paid(live: Live, key: str) -> str:
    body = submit(live, key, "bulky-waste", valid_answers("bulky-waste"))
    reference = str(body["reference"])
    pay_on_card_page(live.http, str(body["payment"]["next_url"]), "4242424242424242")
    wait_for_status(live.http, key, reference, "delivered")
    return reference


def refund(
    live: Live, key: str, reference: str, amount: Any, expected: Any, reason: Any = "goodwill"
) -> httpx.Response:
    return live.http.post(
        f"/api/v1/submissions/{reference}/refunds",
        json={"amount": amount, "reason": reason, "expected_refundable": expected},
        headers=auth(key),
    )


def refunded_at_provider(live: Live) -> int:
    with live.platform.session() as session:
        return session.exec(select(SandboxPayment)).one().refunded


def test_partial_refunds_then_the_rest_reverse_the_postings_exactly(live: Live) -> None:
    key = seeded(live)
    reference = paid(live, key)
    first = refund(live, key, reference, 1000, FEE, "one item was not collected")
    assert first.status_code == 201, first.text
    assert first.json() == {
        "reference": reference,
        "refunded": 1000,
        "refundable_remaining": 2500,
        "status": "delivered",
    }
    second = refund(live, key, reference, 333, 2500)
    assert second.status_code == 201, second.text
    assert second.json()["refundable_remaining"] == 2167
    assert refunded_at_provider(live) == 1333
    rest = refund(live, key, reference, 2167, 2167, "cancelled by the council")
    assert rest.status_code == 201, rest.text
    assert rest.json()["refundable_remaining"] == 0
    assert rest.json()["status"] == "refunded"
    assert refunded_at_provider(live) == FEE
    state = status_of(live.http, key, reference)
    assert state["status"] == "refunded"
    notes = [h["note"] for h in state["history"]]
    assert "refunded £10.00: one item was not collected" in notes
    assert "refunded £3.33: goodwill" in notes
    assert "refunded £21.67: cancelled by the council" in notes
    with live.platform.session() as session:
        postings = session.exec(
            select(LedgerPosting).where(LedgerPosting.reference == reference)
        ).all()
    refunds = [p for p in postings if p.kind == "refund"]
    assert -sum(p.gross for p in refunds) == FEE
    assert {p.refund_id for p in refunds} == {f"{reference}-refund-{n}" for n in (1, 2, 3)}
    per_refund: dict[str, int] = defaultdict(int)
    for p in refunds:
        per_refund[p.refund_id] += p.gross
    assert sorted(per_refund.values()) == [-2167, -1000, -333]
    per_line: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for p in postings:
        per_line[p.line_id][0] += p.net
        per_line[p.line_id][1] += p.vat
        per_line[p.line_id][2] += p.gross
        assert p.net + p.vat == p.gross
    assert all(sums == [0, 0, 0] for sums in per_line.values())
    # refunded in full: nothing more can be refunded
    again = refund(live, key, reference, 1, 1)
    assert again.status_code == 409


def test_a_stale_expected_amount_is_refused_and_nothing_is_refunded(live: Live) -> None:
    key = seeded(live)
    reference = paid(live, key)
    assert refund(live, key, reference, 500, FEE).status_code == 201
    # the same click again: the provider now has 3000 refundable, not 3500
    twice = refund(live, key, reference, 500, FEE)
    assert twice.status_code == 409, twice.text
    assert twice.json()["detail"] == "The refundable amount is now £30.00; nothing was refunded"
    assert refunded_at_provider(live) == 500
    state = status_of(live.http, key, reference)
    assert state["status"] == "delivered"
    assert sum(1 for h in state["history"] if h["note"].startswith("refunded")) == 1
    # the next refund, with the right amount, still goes through
    assert refund(live, key, reference, 500, 3000).status_code == 201
    assert refunded_at_provider(live) == 1000


def test_an_over_refund_is_refused(live: Live) -> None:
    key = seeded(live)
    reference = paid(live, key)
    over = refund(live, key, reference, FEE + 1, FEE)
    assert over.status_code == 409, over.text
    assert "£35.00" in over.json()["detail"]
    assert refunded_at_provider(live) == 0
    with live.platform.session() as session:
        kinds = session.exec(
            select(LedgerPosting.kind).where(LedgerPosting.reference == reference)
        ).all()
    assert "refund" not in kinds


def test_who_may_refund_and_what_is_refused(live: Live) -> None:
    key = seeded(live)
    reference = paid(live, key)
    designer = create_api_key(live.platform, "demo", ["designer"])
    assert refund(live, designer, reference, 100, FEE).status_code == 403
    with live.platform.session() as session:
        session.add(Council(slug="elsewhere", name="Elsewhere Council", logo_text="Elsewhere"))
    foreign = create_api_key(live.platform, "elsewhere", ["finance"])
    assert refund(live, foreign, reference, 100, FEE).status_code == 404
    finance = create_api_key(live.platform, "demo", ["finance"])
    assert refund(live, finance, reference, 0, FEE).status_code == 422
    assert refund(live, finance, reference, -5, FEE).status_code == 422
    assert refund(live, finance, reference, "100", FEE).status_code == 400
    broken = live.http.post(
        f"/api/v1/submissions/{reference}/refunds",
        content=b'{"amount": ',
        headers={**auth(finance), "Content-Type": "application/json"},
    )
    assert broken.status_code == 400
    assert refunded_at_provider(live) == 0
    assert refund(live, finance, reference, 100, FEE).status_code == 201


def test_an_unpaid_submission_cannot_be_refunded(live: Live) -> None:
    key = seeded(live)
    reference = str(submit(live, key, "bulky-waste", valid_answers("bulky-waste"))["reference"])
    refused = refund(live, key, reference, 100, FEE)
    assert refused.status_code == 409, refused.text
    assert "awaiting_payment" in refused.json()["detail"]
    with live.platform.session() as session:
        assert session.exec(select(SandboxPayment)).one().refunded == 0
    assert status_of(live.http, key, reference)["status"] == "awaiting_payment"
