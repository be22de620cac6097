"""Reconciliation in the database: our payments of a period, the day's report (one per council and
day, replaced by a rerun), and flagging new differences to finance (outbox email and audit)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import msgspec
from sqlalchemy import ColumnElement, delete, or_
from sqlmodel import Session, col, select

from counterfoil.platform.context import Platform
from counterfoil.platform.db.models import (
    AuditEntry,
    Council,
    FinanceSettings,
    Payment,
    ReconciliationDifference,
    ReconciliationRun,
    Submission,
    utcnow,
)
from counterfoil.platform.errors import NotFound
from counterfoil.platform.notifications import queue_email
from counterfoil.platform.reconciliation.compare import DifferenceKind, OurPayment
from counterfoil.platform.reconciliation.report import Report, ReportedDifference, email_text
from counterfoil.platform.staff import alert_recipients

DIFFERENCE_ACTION = "reconciliation.difference"


def council_named(session: Session, slug: str) -> Council:
    council = session.exec(select(Council).where(Council.slug == slug)).first()
    if council is None or council.id is None:
        raise NotFound(f"There is no council {slug!r}")
    return council


def council_id_of(platform: Platform, slug: str) -> int:
    with platform.session() as session:
        council_id = council_named(session, slug).id
    assert council_id is not None
    return council_id


def our_payments(
    platform: Platform,
    council_id: int,
    provider: str,
    accounts: Sequence[int | None],
    start: datetime,
    end: datetime,
) -> list[OurPayment]:
    """The council's payment attempts with `provider` through any of `accounts` (None: the
    built-in sandbox, which has no account) created in [start, end)."""
    ids = [a for a in accounts if a is not None]
    through: ColumnElement[bool] = col(Payment.account_id).in_(ids)
    if None in accounts:
        through = or_(through, col(Payment.account_id).is_(None))
    with platform.session() as session:
        rows = session.exec(
            select(Payment, Submission.reference)
            .join(Submission, col(Submission.id) == col(Payment.submission_id))
            .where(
                Submission.council_id == council_id,
                Payment.provider == provider,
                through,
                col(Payment.created_at) >= start,
                col(Payment.created_at) < end,
            )
        ).all()
    return [
        OurPayment(p.provider_id, reference, p.amount, p.state, p.created_at)
        for p, reference in rows
    ]


@dataclass(frozen=True)
class Recorded:
    report: Report
    # The outbox messages queued for this run's news (empty when nothing new was found).
    emails: list[str]


def digest_of(differences: Sequence[ReportedDifference]) -> str:
    return hashlib.sha256(msgspec.json.encode(sorted(differences, key=repr))).hexdigest()


def record_run(
    platform: Platform,
    council: str,
    day: date,
    ours: int,
    theirs: int,
    differences: Sequence[ReportedDifference],
) -> Recorded:
    """Store the day's report in place of any earlier one. Differences not already reported that
    way are flagged: an audit entry each and one email to finance, keyed by their digest, so a
    rerun that finds the same differences (or a retried activity) flags nothing twice."""
    digest = digest_of(differences)
    with platform.session() as session:
        found = council_named(session, council)
        assert found.id is not None
        run = session.exec(
            select(ReconciliationRun).where(
                ReconciliationRun.council_id == found.id, ReconciliationRun.business_date == day
            )
        ).first()
        news = bool(differences) and (run is None or run.digest != digest)
        if run is None:
            run = ReconciliationRun(
                council_id=found.id, business_date=day, ours=0, theirs=0, differences=0, digest=""
            )
        else:
            session.exec(
                delete(ReconciliationDifference).where(
                    col(ReconciliationDifference.run_id) == run.id
                )
            )
        run.ours, run.theirs, run.differences, run.digest = ours, theirs, len(differences), digest
        run.ran_at = utcnow()
        session.add(run)
        session.flush()
        assert run.id is not None
        for d in differences:
            session.add(ReconciliationDifference(run_id=run.id, **msgspec.structs.asdict(d)))
        report = Report(council, day, run.ran_at, ours, theirs, list(differences))
        emails = _flag(platform, session, found, report, digest) if news else []
    return Recorded(report, emails)


def _flag(
    platform: Platform, session: Session, council: Council, report: Report, digest: str
) -> list[str]:
    assert council.id is not None
    for d in report.differences:
        session.add(
            AuditEntry(
                council_id=council.id,
                actor="reconciliation",
                action=DIFFERENCE_ACTION,
                subject=d.reference,
                detail={"date": report.business_date.isoformat(), **msgspec.to_builtins(d)},
            )
        )
    url = (
        f"{platform.settings.resolved_public_url}/api/v1/councils/{council.slug}"
        f"/reconciliation/{report.business_date.isoformat()}"
    )
    subject, body = email_text(council.name, report, url)
    key = f"reconciliation-{council.slug}-{report.business_date.isoformat()}-{digest[:16]}"
    keys = []
    for suffix, to in finance_recipients(session, council.id):
        queue_email(
            session,
            council_id=council.id,
            dedupe_key=key + suffix,
            to=to,
            subject=subject,
            body=body,
        )
        keys.append(key + suffix)
    return keys


def finance_recipients(session: Session, council_id: int) -> list[tuple[str, str]]:
    """(dedupe key suffix, address): the council's finance address, else each active staff
    member with the finance role."""
    settings = session.exec(
        select(FinanceSettings).where(FinanceSettings.council_id == council_id)
    ).first()
    if settings is not None and settings.email:
        return [("", settings.email)]
    return alert_recipients(session, council_id, "finance")


def set_finance_email(platform: Platform, council: str, email: str) -> None:
    with platform.session() as session:
        found = council_named(session, council)
        assert found.id is not None
        row = session.exec(
            select(FinanceSettings).where(FinanceSettings.council_id == found.id)
        ).first()
        row = row or FinanceSettings(council_id=found.id, email=email)
        row.email = email
        session.add(row)


def recorded_report(platform: Platform, council: str, day: date) -> Report:
    """The day's report as last run; NotFound when the day has not been reconciled."""
    with platform.session() as session:
        found = council_named(session, council)
        run = session.exec(
            select(ReconciliationRun).where(
                ReconciliationRun.council_id == found.id, ReconciliationRun.business_date == day
            )
        ).first()
        if run is None:
            raise NotFound(f"{day.isoformat()} has not been reconciled")
        rows = session.exec(
            select(ReconciliationDifference)
            .where(ReconciliationDifference.run_id == run.id)
            .order_by(col(ReconciliationDifference.id))
        ).all()
    differences = [
        ReportedDifference(
            provider=r.provider,
            kind=DifferenceKind(r.kind),
            provider_id=r.provider_id,
            reference=r.reference,
            our_amount=r.our_amount,
            their_amount=r.their_amount,
            our_state=r.our_state,
            their_state=r.their_state,
        )
        for r in rows
    ]
    return Report(council, day, run.ran_at, run.ours, run.theirs, differences)
