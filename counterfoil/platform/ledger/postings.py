"""Postings as plain values: a paid submission's lines and a refund's reversal, VAT split."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from counterfoil.platform.ledger.vat import split_vat

# refund_failed: a refund the provider could not make, its reversal undone
Kind = Literal["payment", "refund", "refund_failed"]


@dataclass(frozen=True)
class PostingLine:
    """One posting before it is stored: which line, which fund and VAT code, how much."""

    line_id: str
    fund: str
    vat_code: str
    net: int
    vat: int
    gross: int


def payment_lines(
    lines: Iterable[Mapping[str, Any]], rates: Mapping[str, int]
) -> list[PostingLine]:
    """A posting per non-zero fee line as the submission stores it (`id`, `amount`, `fund`, `vat`);
    a negative line (a concession) posts negative against its own fund."""
    posted = []
    for line in lines:
        gross = int(line["amount"])
        if gross == 0:
            continue
        net, vat = split_vat(gross, str(line["vat"]), rates)
        posted.append(
            PostingLine(str(line["id"]), str(line["fund"]), str(line["vat"]), net, vat, gross)
        )
    return posted


def full_reversal(posted: Sequence[PostingLine]) -> list[PostingLine]:
    """What a full refund posts: each line's remaining net and VAT negated, so the line nets to
    exactly zero whatever rounding its earlier postings had. `posted` holds every payment and
    refund posting of the submission so far."""
    remaining: dict[str, PostingLine] = {}
    for p in posted:
        seen = remaining.get(p.line_id)
        if seen is None:
            remaining[p.line_id] = p
        else:
            remaining[p.line_id] = PostingLine(
                p.line_id,
                seen.fund,
                seen.vat_code,
                seen.net + p.net,
                seen.vat + p.vat,
                seen.gross + p.gross,
            )
    return [
        PostingLine(r.line_id, r.fund, r.vat_code, -r.net, -r.vat, -r.gross)
        for r in remaining.values()
        if r.gross or r.net or r.vat
    ]


def partial_refund(
    paid: Sequence[PostingLine], amount: int, rates: Mapping[str, int]
) -> list[PostingLine]:
    """A refund of `amount` pence (positive) spread over the paid lines in proportion to their
    gross, whole pence by largest remainder so the parts add up to exactly `amount`."""
    total = sum(p.gross for p in paid)
    if total <= 0 or not 0 < amount <= total:
        raise ValueError(f"cannot refund {amount} of {total} pence")
    shares = [divmod(p.gross * amount, total) for p in paid]
    short = amount - sum(q for q, _ in shares)
    # the lines losing the largest fractions get the pennies the floors dropped
    order = sorted(range(len(paid)), key=lambda i: (-shares[i][1], i))
    extra = set(order[:short])
    refunded = []
    for i, p in enumerate(paid):
        gross = -(shares[i][0] + (1 if i in extra else 0))
        if gross:
            net, vat = split_vat(gross, p.vat_code, rates)
            refunded.append(PostingLine(p.line_id, p.fund, p.vat_code, net, vat, gross))
    return refunded
