"""Refunds asked of a provider and their outcome, which comes later: a refund the provider
could not make has its ledger postings undone and finance is told by email."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from counterfoil.platform.db.models import AuditEntry, Council, RefundRecord, Submission
from counterfoil.platform.ledger import post_failed_refund
from counterfoil.platform.notifications import queue_email
from counterfoil.platform.payments import Refund, RefundStatus
from counterfoil.platform.reconciliation.store import finance_recipients
from counterfoil.rules import format_pence


def record_refund(
    session: Session, submission: Submission, key: str, refund: Refund, reason: str
) -> None:
    """Keep the provider's refund id under our idempotency key, once (a retried try finds it)."""
    if refund_by_key(session, key) is not None:
        return
    assert submission.id is not None
    session.add(
        RefundRecord(
            submission_id=submission.id,
            key=key,
            provider_refund_id=refund.refund_id,
            amount=refund.amount,
            reason=reason[:500],
            status=refund.status.value,
        )
    )


def refund_by_key(session: Session, key: str) -> RefundRecord | None:
    return session.exec(select(RefundRecord).where(RefundRecord.key == key)).first()


def settle_refund(
    session: Session, submission: Submission, record: RefundRecord, status: RefundStatus
) -> list[str]:
    """Record the provider's outcome. A failed refund gave nothing back: its postings are undone
    and finance is alerted. Returns the dedupe keys of the emails queued."""
    if record.status != RefundStatus.SUBMITTED or status is RefundStatus.SUBMITTED:
        return []
    now = datetime.now(UTC)
    record.status, record.settled_at = status.value, now
    session.add(record)
    session.add(
        AuditEntry(
            council_id=submission.council_id,
            actor="workflow",
            action=f"submission.refund_{status.value}",
            subject=submission.reference,
            detail={"key": record.key, "amount": record.amount},
        )
    )
    if status is RefundStatus.SUCCESS:
        return []
    post_failed_refund(session, submission, record.key, now)
    council = session.get_one(Council, submission.council_id)
    subject = f"{council.name}: a refund of {submission.reference} failed at the provider"
    body = (
        f"The payment provider could not make the refund of {format_pence(record.amount)} "
        f"for submission {submission.reference} ({submission.form_slug}); no money was "
        "returned to the resident and the ledger reversal has been undone.\n\n"
        "Refund it again from the finance API once the cause is known: "
        f"POST /api/v1/submissions/{submission.reference}/refunds\n"
    )
    keys = []
    for suffix, to in finance_recipients(session, submission.council_id):
        key = f"{record.key}-failed{suffix}"
        queue_email(
            session,
            council_id=submission.council_id,
            dedupe_key=key,
            to=to,
            subject=subject,
            body=body,
        )
        keys.append(key)
    return keys
