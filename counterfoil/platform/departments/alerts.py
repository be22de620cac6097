"""Telling staff a submission could not be delivered: an email through the outbox to the
department's contact address, or to the council's administrators when the department has none.

Queued in the transaction that records the `delivery_failed` status, keyed by the reference and
the failure's number (`<reference>-delivery-failed-<n>`), so a retried status write alerts once and
a second failure, after a staff retry, alerts again."""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from counterfoil.platform.db.models import AuditEntry, Council, Department, Submission
from counterfoil.platform.notifications import queue_email
from counterfoil.platform.staff import alert_recipients

DELIVERY_FAILED_ACTION = "submission.delivery_failed"


def queue_delivery_failed_alert(session: Session, submission: Submission, note: str) -> list[str]:
    """Queue the alert for the submission's latest delivery failure (its audit entry must already
    be in the session); returns the dedupe keys of the messages it queued or found queued."""
    session.flush()
    failures = session.exec(
        select(func.count()).where(
            col(AuditEntry.action) == DELIVERY_FAILED_ACTION,
            col(AuditEntry.subject) == submission.reference,
        )
    ).one()
    council = session.get_one(Council, submission.council_id)
    key = f"{submission.reference}-delivery-failed-{max(failures, 1)}"
    subject = f"{council.name}: submission {submission.reference} could not be delivered"
    body = (
        f"Submission {submission.reference} ({submission.form_slug}) could not be delivered to "
        f"the {submission.department_slug} department: {note or 'every attempt failed'}.\n\n"
        "Fix the department's endpoint, then retry the delivery from the staff API: "
        f"POST /api/v1/submissions/{submission.reference}/retry-delivery\n"
    )
    keys = []
    for suffix, to in _recipients(session, submission):
        queue_email(
            session,
            council_id=submission.council_id,
            dedupe_key=key + suffix,
            to=to,
            subject=subject,
            body=body,
        )
        keys.append(key + suffix)
    return keys


def _recipients(session: Session, submission: Submission) -> list[tuple[str, str]]:
    """(dedupe key suffix, address): the department's contact, else each active administrator."""
    department = session.exec(
        select(Department).where(
            Department.council_id == submission.council_id,
            Department.slug == submission.department_slug,
        )
    ).one_or_none()
    if department is not None and department.email:
        return [("", department.email)]
    return alert_recipients(session, submission.council_id, "admin")
