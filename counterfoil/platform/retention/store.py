"""Retention in the database: anonymise a batch, then record the run once in the audit log.

Each batch is one transaction and marks what it did (`anonymised_at`, `anonymised_by` = the run
id), so a run cut short and started again never touches a submission twice, and the audit entry,
counted from those marks, covers the whole run however many tries it took.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, null, or_, update
from sqlmodel import Session, col, func, select

from counterfoil.platform import forms_store
from counterfoil.platform.context import Platform
from counterfoil.platform.db.models import (
    AuditEntry,
    Delivery,
    EmailMessage,
    FormVersion,
    InboxMessage,
    Payment,
    PaymentEvent,
    Submission,
)
from counterfoil.platform.retention.selection import (
    FINISHED_STATUSES,
    REFERENCE_LIST_MAX,
    anonymised_document,
    version_cutoffs,
)

AUDIT_ACTION = "retention.anonymised"


@dataclass(frozen=True)
class RunReport:
    """What one run (a council, a day) anonymised in all its tries, as its audit entry says."""

    council: str
    business_date: date
    run_id: str
    forms: dict[str, int] = field(default_factory=dict)
    # Empty when more than REFERENCE_LIST_MAX were anonymised.
    references: list[str] = field(default_factory=list)

    @property
    def anonymised(self) -> int:
        return sum(self.forms.values())


def anonymise_batch(
    platform: Platform, council: str, today: date, run_id: str, limit: int
) -> list[str]:
    """Anonymise up to `limit` finished submissions of `council` past retention on `today`, in
    one transaction; returns their references (fewer than `limit`: nothing more is due)."""
    with platform.session() as session:
        council_id = forms_store.council_by_slug(session, council).id
        assert council_id is not None
        cutoffs = version_cutoffs(_versions(session, council_id), today)
        if not cutoffs:
            return []
        past = or_(
            *(
                and_(
                    col(Submission.form_slug) == slug,
                    col(Submission.form_version) == number,
                    col(Submission.created_at) < cutoff,
                )
                for (slug, number), cutoff in cutoffs.items()
            )
        )
        due = session.exec(
            select(Submission.id, Submission.reference)
            .where(
                Submission.council_id == council_id,
                col(Submission.anonymised_at).is_(None),
                col(Submission.status).in_(FINISHED_STATUSES),
                past,
            )
            .order_by(col(Submission.id))
            .limit(limit)
            # another run of the same day takes other rows instead of waiting for these
            .with_for_update(skip_locked=True)
        ).all()
        ids = [row[0] for row in due if row[0] is not None]
        references = [row[1] for row in due]
        if ids:
            _erase(session, ids, references, run_id)
        return references


def _versions(session: Session, council_id: int) -> list[tuple[str, int, Mapping[str, Any]]]:
    rows = session.exec(
        select(FormVersion.slug, FormVersion.version, FormVersion.definition).where(
            FormVersion.council_id == council_id, FormVersion.version > 0
        )
    ).all()
    return [(slug, number, definition) for slug, number, definition in rows]


def _erase(session: Session, ids: Sequence[int], references: Sequence[str], run_id: str) -> None:
    """Remove the personal data of these submissions wherever the platform copied it; payments,
    their events' states and ledger postings stay for finance."""
    session.execute(
        update(Submission)
        .where(col(Submission.id).in_(ids))
        # SQL NULL, not the JSON `null` the column would store for None
        .values(answers=null(), anonymised_at=datetime.now(UTC), anonymised_by=run_id)
    )
    for delivery in session.exec(select(Delivery).where(col(Delivery.submission_id).in_(ids))):
        delivery.body = anonymised_document(delivery.body)
        session.add(delivery)
    # the demo department's copies of what it received
    for message in session.exec(
        select(InboxMessage).where(col(InboxMessage.reference).in_(references))
    ):
        message.body = anonymised_document(message.body)
        message.headers = None
        session.add(message)
    # receipts (the resident's address), department emails (the answers), staff alerts
    for reference in references:
        session.execute(
            update(EmailMessage)
            .where(col(EmailMessage.dedupe_key).startswith(f"{reference}-", autoescape=True))
            .values(to="", body="")
        )
    # a provider's report can carry the payer's email, name and billing address
    provider_ids = session.exec(
        select(Payment.provider_id).where(col(Payment.submission_id).in_(ids))
    ).all()
    if provider_ids:
        session.execute(
            update(PaymentEvent)
            .where(col(PaymentEvent.provider_payment_id).in_(provider_ids))
            .values(payload=null())
        )


def record_run(platform: Platform, council: str, today: date, run_id: str) -> RunReport:
    """Write the run's one audit entry, counted from the submissions it marked. A rerun finds the
    entry; if a later try of the same day added work, the entry is brought up to date rather
    than a second one written."""
    with platform.session() as session:
        council_id = forms_store.council_by_slug(session, council).id
        counts = session.exec(
            select(Submission.form_slug, func.count())
            .where(Submission.council_id == council_id, Submission.anonymised_by == run_id)
            .group_by(col(Submission.form_slug))
            .order_by(col(Submission.form_slug))
        ).all()
        forms = {slug: int(count) for slug, count in counts}
        references: list[str] = []
        if 0 < sum(forms.values()) <= REFERENCE_LIST_MAX:
            references = list(
                session.exec(
                    select(Submission.reference)
                    .where(Submission.council_id == council_id, Submission.anonymised_by == run_id)
                    .order_by(col(Submission.reference))
                ).all()
            )
        report = RunReport(council, today, run_id, forms, references)
        detail = {
            "date": today.isoformat(),
            "anonymised": report.anonymised,
            "forms": forms,
            "references": references,
        }
        entry = session.exec(
            select(AuditEntry).where(
                AuditEntry.action == AUDIT_ACTION, AuditEntry.subject == run_id
            )
        ).first()
        if entry is None:
            session.add(
                AuditEntry(
                    council_id=council_id,
                    actor="retention",
                    action=AUDIT_ACTION,
                    subject=run_id,
                    detail=detail,
                )
            )
        elif entry.detail != detail:
            entry.detail = detail
            session.add(entry)
        return report
