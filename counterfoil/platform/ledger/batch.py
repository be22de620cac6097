"""A day's distribution batch as a pure function of its postings: the same postings always give
the same batch id and the same rows, so a re-run (or a run after a crash) writes the same file."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DayPosting:
    """The fields of a stored posting that a batch depends on (never its row id or timestamps)."""

    reference: str
    line_id: str
    kind: str
    refund_id: str
    fund: str
    vat_code: str
    net: int
    vat: int
    gross: int


@dataclass(frozen=True)
class BatchRow:
    fund: str
    vat_code: str
    count: int
    net: int
    vat: int
    gross: int


@dataclass(frozen=True)
class Batch:
    council: str
    business_date: date
    batch_id: str
    rows: list[BatchRow]
    postings: int


def build_batch(council: str, day: date, postings: Iterable[DayPosting]) -> Batch:
    """Group by fund code (then VAT code, which the ledger needs to account for the VAT), sorted."""
    ordered = sorted(postings, key=_key)
    digest = hashlib.sha256()
    totals: dict[tuple[str, str], list[int]] = {}
    for p in ordered:
        digest.update(repr((*_key(p), p.fund, p.vat_code, p.net, p.vat, p.gross)).encode())
        row = totals.setdefault((p.fund, p.vat_code), [0, 0, 0, 0])
        row[0] += 1
        row[1] += p.net
        row[2] += p.vat
        row[3] += p.gross
    rows = [BatchRow(fund, code, *sums) for (fund, code), sums in sorted(totals.items())]
    batch_id = f"{council}-{day:%Y%m%d}-{digest.hexdigest()[:10]}"
    return Batch(council, day, batch_id, rows, len(ordered))


def _key(p: DayPosting) -> tuple[str, str, str, str]:
    return (p.reference, p.line_id, p.kind, p.refund_id)
