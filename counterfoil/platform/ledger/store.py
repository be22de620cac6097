"""Postings and batches in the database: written by the submission and distribution activities,
read by the ledger API. Every write is idempotent (see each function)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update

from counterfoil.platform.context import Platform
from counterfoil.platform.db.models import (
    Council,
    LedgerBatch,
    LedgerPosting,
    LedgerSettings,
    Submission,
)
from counterfoil.platform.errors import NotFound
from counterfoil.platform.ledger.batch import Batch, DayPosting, build_batch
from counterfoil.platform.ledger.csv_file import Column, columns_from, render_csv, write_atomically
from counterfoil.platform.ledger.dates import business_date
from counterfoil.platform.ledger.postings import (
    Kind,
    PostingLine,
    full_reversal,
    partial_refund,
    payment_lines,
)
from counterfoil.platform.ledger.vat import DEFAULT_VAT_RATES

# Postings are claimed for a batch in chunks, each its own transaction, so one big day never
# holds SQLite's single writer lock for long; a crash between chunks is what re-runs must survive.
CLAIM_CHUNK = 200


def vat_rates(session: Session, council_id: int) -> dict[str, int]:
    row = session.exec(
        select(LedgerSettings).where(LedgerSettings.council_id == council_id)
    ).first()
    configured = row.vat_rates if row and row.vat_rates else {}
    return {**DEFAULT_VAT_RATES, **{str(k): int(v) for k, v in configured.items()}}


def ledger_columns(session: Session, council_id: int) -> tuple[Column, ...]:
    row = session.exec(
        select(LedgerSettings).where(LedgerSettings.council_id == council_id)
    ).first()
    return columns_from(row.columns if row else None)


def post_payment(session: Session, submission: Submission, at: datetime) -> int:
    """Post every paid line of `submission`, once: a line already posted is skipped. Returns the
    number of postings added."""
    assert submission.id is not None
    lines = payment_lines(submission.lines, vat_rates(session, submission.council_id))
    return _add(session, submission, lines, "payment", "", at)


def post_full_refund(session: Session, submission: Submission, refund_id: str, at: datetime) -> int:
    """Reverse what is left of every line, once per `refund_id` (the refund's idempotency key)."""
    existing = _postings_of(session, submission.reference)
    if any(p.kind == "refund" and p.refund_id == refund_id for p in existing):
        return 0
    so_far = [PostingLine(p.line_id, p.fund, p.vat_code, p.net, p.vat, p.gross) for p in existing]
    return _add(session, submission, full_reversal(so_far), "refund", refund_id, at)


def post_partial_refund(
    session: Session, submission: Submission, refund_id: str, amount: int, at: datetime
) -> int:
    """Refund `amount` pence spread over what is left of each line, once per `refund_id`; the
    refund that leaves nothing reverses every line exactly (no rounding left behind)."""
    existing = _postings_of(session, submission.reference)
    if any(p.kind == "refund" and p.refund_id == refund_id for p in existing):
        return 0
    so_far = [PostingLine(p.line_id, p.fund, p.vat_code, p.net, p.vat, p.gross) for p in existing]
    left = [
        PostingLine(r.line_id, r.fund, r.vat_code, -r.net, -r.vat, -r.gross)
        for r in full_reversal(so_far)
    ]
    if amount == sum(r.gross for r in left):
        lines = full_reversal(so_far)
    else:
        lines = partial_refund(left, amount, vat_rates(session, submission.council_id))
    return _add(session, submission, lines, "refund", refund_id, at)


def post_failed_refund(
    session: Session, submission: Submission, refund_id: str, at: datetime
) -> int:
    """Undo the postings of a refund the provider could not make (the money never left), once:
    each of its lines posted again with the opposite sign."""
    undo = [
        PostingLine(p.line_id, p.fund, p.vat_code, -p.net, -p.vat, -p.gross)
        for p in _postings_of(session, submission.reference)
        if p.kind == "refund" and p.refund_id == refund_id
    ]
    return _add(session, submission, undo, "refund_failed", refund_id, at)


def _postings_of(session: Session, reference: str) -> Sequence[LedgerPosting]:
    return session.exec(
        select(LedgerPosting)
        .where(LedgerPosting.reference == reference)
        .order_by(col(LedgerPosting.id))
    ).all()


def _add(
    session: Session,
    submission: Submission,
    lines: list[PostingLine],
    kind: Kind,
    refund_id: str,
    at: datetime,
) -> int:
    done = {
        p.line_id
        for p in _postings_of(session, submission.reference)
        if p.kind == kind and p.refund_id == refund_id
    }
    day = _open_day(session, submission.council_id, business_date(at))
    added = 0
    for line in lines:
        if line.line_id in done:
            continue
        session.add(
            LedgerPosting(
                council_id=submission.council_id,
                reference=submission.reference,
                line_id=line.line_id,
                kind=kind,
                refund_id=refund_id,
                fund=line.fund,
                vat_code=line.vat_code,
                net=line.net,
                vat=line.vat,
                gross=line.gross,
                business_date=day,
            )
        )
        added += 1
    return added


def _open_day(session: Session, council_id: int, day: date) -> date:
    """`day`, or the first later day not yet distributed: a posting that arrives after its day's
    batch was built goes in the next batch rather than nowhere."""
    while session.exec(
        select(LedgerBatch.id).where(
            LedgerBatch.council_id == council_id, LedgerBatch.business_date == day
        )
    ).first():
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class BatchResult:
    batch_id: str
    path: str
    postings: int
    sha256: str


def ledger_path(platform: Platform, council: str, day: date) -> Path:
    return platform.settings.var_dir / "ledger" / council / f"{day.isoformat()}.csv"


def _council(session: Session, slug: str) -> Council:
    council = session.exec(select(Council).where(Council.slug == slug)).first()
    if council is None or council.id is None:
        raise NotFound(f"There is no council {slug!r}")
    return council


def day_batch(platform: Platform, council: str, day: date) -> tuple[Batch, str]:
    """The batch of every posting dated `day` (claimed or not) and its file's text."""
    with platform.session() as session:
        found = _council(session, council)
        assert found.id is not None
        rows = session.exec(
            select(LedgerPosting).where(
                LedgerPosting.council_id == found.id, LedgerPosting.business_date == day
            )
        ).all()
        columns = ledger_columns(session, found.id)
    batch = build_batch(
        council,
        day,
        (
            DayPosting(
                p.reference,
                p.line_id,
                p.kind,
                p.refund_id,
                p.fund,
                p.vat_code,
                p.net,
                p.vat,
                p.gross,
            )
            for p in rows
        ),
    )
    return batch, render_csv(batch, columns)


def claim_postings(platform: Platform, council: str, day: date, batch_id: str, limit: int) -> int:
    """Mark up to `limit` of the day's postings not yet carrying `batch_id`; the first step of a
    distribution, and what a crash can leave half done."""
    with platform.session() as session:
        found = _council(session, council)
        ids = session.exec(
            select(LedgerPosting.id)
            .where(
                LedgerPosting.council_id == found.id,
                LedgerPosting.business_date == day,
                (col(LedgerPosting.batch_id).is_(None)) | (LedgerPosting.batch_id != batch_id),
            )
            .limit(limit)
        ).all()
        if ids:
            session.exec(
                update(LedgerPosting)
                .where(col(LedgerPosting.id).in_(ids))
                .values(batch_id=batch_id)
            )
        return len(ids)


def distribute_day(platform: Platform, council: str, day: date) -> BatchResult:
    """Build, write and record the day's batch exactly once. Safe to re-run at any point: the
    batch id and file are a pure function of the day's postings; once the batch row exists, a
    re-run only restores the file from it."""
    path = ledger_path(platform, council, day)
    with platform.session() as session:
        found = _council(session, council)
        recorded = session.exec(
            select(LedgerBatch).where(
                LedgerBatch.council_id == found.id, LedgerBatch.business_date == day
            )
        ).first()
    if recorded is not None:
        return _restore(path, recorded)
    batch, content = day_batch(platform, council, day)
    while claim_postings(platform, council, day, batch.batch_id, CLAIM_CHUNK):
        pass
    write_atomically(path, content)
    digest = hashlib.sha256(content.encode()).hexdigest()
    try:
        with platform.session() as session:
            assert found.id is not None
            session.add(
                LedgerBatch(
                    council_id=found.id,
                    business_date=day,
                    batch_id=batch.batch_id,
                    postings=batch.postings,
                    content=content,
                    sha256=digest,
                )
            )
    except IntegrityError:  # a concurrent run recorded it first: its bytes are the day's
        return distribute_day(platform, council, day)
    return BatchResult(batch.batch_id, str(path), batch.postings, digest)


def _restore(path: Path, recorded: LedgerBatch) -> BatchResult:
    if not path.exists() or path.read_bytes() != recorded.content.encode():
        write_atomically(path, recorded.content)
    return BatchResult(recorded.batch_id, str(path), recorded.postings, recorded.sha256)


def recorded_file(platform: Platform, council: str, day: date) -> str:
    """The day's ledger file as distributed; NotFound when the day has no batch yet."""
    with platform.session() as session:
        found = _council(session, council)
        recorded = session.exec(
            select(LedgerBatch).where(
                LedgerBatch.council_id == found.id, LedgerBatch.business_date == day
            )
        ).first()
    if recorded is None:
        raise NotFound(f"There is no ledger batch for {day.isoformat()}")
    return recorded.content
