"""The document a department receives about one submission: the webhook body, the email's content
and each item of the pull queue are all this one shape."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from counterfoil.platform.db.models import Payment, Submission


def respond_url(public_url: str, reference: str) -> str:
    return f"{public_url}/api/v1/submissions/{reference}/fulfilment"


def submission_payload(
    session: Session, submission: Submission, council_slug: str, public_url: str
) -> dict[str, Any]:
    payment = session.exec(
        select(Payment)
        .where(Payment.submission_id == submission.id)
        .order_by(col(Payment.attempt).desc())
        .limit(1)
    ).first()
    free = submission.total == 0
    return {
        "type": "submission.received" if free else "submission.paid",
        "reference": submission.reference,
        "council": council_slug,
        "form": {"slug": submission.form_slug, "version": submission.form_version},
        "answers": submission.answers,
        "lines": submission.lines,
        "total": submission.total,
        "payment": None
        if free or payment is None
        else {
            "provider": payment.provider,
            "provider_id": payment.provider_id,
            "amount": payment.amount,
            "state": payment.state,
        },
        "respond_url": respond_url(public_url, submission.reference),
        "submitted_at": submission.created_at.isoformat(),
    }
