"""A day's reconciliation report as plain values, and its two renderings for finance: the CSV
download (formula-neutralised like the ledger file) and the email that flags the differences."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import msgspec

from counterfoil.platform.ledger import neutralise
from counterfoil.platform.reconciliation.compare import Difference, DifferenceKind
from counterfoil.rules import format_pence


class ReportedDifference(msgspec.Struct, frozen=True):
    provider: str
    kind: DifferenceKind
    provider_id: str
    reference: str
    our_amount: int | None = None
    their_amount: int | None = None
    our_state: str | None = None
    their_state: str | None = None


def reported(provider: str, difference: Difference) -> ReportedDifference:
    return ReportedDifference(provider, **msgspec.structs.asdict(difference))


class Report(msgspec.Struct, frozen=True):
    council: str
    business_date: date
    ran_at: datetime
    # Payments of the day on each side, over every gateway the council uses.
    ours: int
    theirs: int
    differences: list[ReportedDifference]


CSV_COLUMNS = (
    "date",
    "provider",
    "kind",
    "reference",
    "provider_id",
    "our_amount",
    "their_amount",
    "our_state",
    "their_state",
)


def render_csv(report: Report) -> str:
    """A header row, then one row per difference (CRLF, RFC 4180); amounts in whole pence."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for d in report.differences:
        cells: list[str | int] = [
            report.business_date.isoformat(),
            d.provider,
            str(d.kind),
            d.reference,
            d.provider_id,
            "" if d.our_amount is None else d.our_amount,
            "" if d.their_amount is None else d.their_amount,
            d.our_state or "",
            d.their_state or "",
        ]
        # references and ids come from outside (a provider's list): never let one run as a formula
        writer.writerow([neutralise(cell) for cell in cells])
    return out.getvalue()


def _pence(amount: int | None) -> str:
    return "none" if amount is None else format_pence(amount)


def describe(d: ReportedDifference) -> str:
    """One line a person reads: what differs, on which payment."""
    where = f"{d.reference or '(no reference)'} ({d.provider} {d.provider_id})"
    match d.kind:
        case DifferenceKind.MISSING_AT_PROVIDER:
            return f"{where}: we recorded {_pence(d.our_amount)}, the provider has no such payment"
        case DifferenceKind.MISSING_WITH_US:
            return (
                f"{where}: the provider has {_pence(d.their_amount)} ({d.their_state}), "
                "we have no record of it"
            )
        case DifferenceKind.AMOUNT:
            return f"{where}: amount {_pence(d.our_amount)} here, {_pence(d.their_amount)} there"
        case DifferenceKind.STATE:
            return f"{where}: state {d.our_state} here, {d.their_state} at the provider"


def email_text(council_name: str, report: Report, report_url: str) -> tuple[str, str]:
    """The subject and body of the message that flags the day's differences to finance."""
    count = len(report.differences)
    day = report.business_date.isoformat()
    subject = (
        f"{council_name}: payment reconciliation for {day} found {count} "
        f"difference{'s' if count != 1 else ''}"
    )
    lines = [
        f"The daily comparison of {council_name}'s payments with the payment providers' records "
        f"for {day} found {count} difference{'s' if count != 1 else ''}:",
        "",
        *(f"- {describe(d)}" for d in report.differences),
        "",
        f"Payments that day: {report.ours} recorded here, {report.theirs} at the providers.",
        f"The report: {report_url} (add .csv for a spreadsheet).",
    ]
    return subject, "\n".join(lines) + "\n"
