"""The reconciliation report's renderings: the CSV finance downloads (a provider's reference that
reads like a formula stays text) and the email that names every difference."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from counterfoil.platform.reconciliation import (
    DifferenceKind,
    Report,
    ReportedDifference,
    email_text,
    render_csv,
)

REPORT = Report(
    council="demo",
    business_date=date(2026, 11, 25),
    ran_at=datetime(2026, 11, 26, 4, 0, tzinfo=UTC),
    ours=3,
    theirs=3,
    differences=[
        ReportedDifference(
            "sandbox",
            DifferenceKind.AMOUNT,
            "p1",
            "BWC-AAAA-BBBB",
            our_amount=9999,
            their_amount=3500,
        ),
        ReportedDifference(
            "stripe",
            DifferenceKind.MISSING_WITH_US,
            "cs_test_2",
            '=HYPERLINK("http://evil.example")',
            their_amount=-150,
            their_state="success",
        ),
        ReportedDifference(
            "sandbox",
            DifferenceKind.STATE,
            "p3",
            "BWC-CCCC-DDDD",
            our_state="failed",
            their_state="success",
        ),
    ],
)


def test_the_csv_has_a_row_per_difference_and_neutralises_formulas() -> None:
    rows = list(csv.reader(io.StringIO(render_csv(REPORT))))
    assert rows[0] == [
        "date",
        "provider",
        "kind",
        "reference",
        "provider_id",
        "our_amount",
        "their_amount",
        "our_state",
        "their_state",
    ]
    assert rows[1] == [
        "2026-11-25",
        "sandbox",
        "amount",
        "BWC-AAAA-BBBB",
        "p1",
        "9999",
        "3500",
        "",
        "",
    ]
    assert rows[2][3] == '\'=HYPERLINK("http://evil.example")'
    # amounts are numbers we write ourselves: a negative one stays summable
    assert rows[2][6] == "-150"
    assert render_csv(REPORT).endswith("\r\n")


def test_the_email_names_every_difference_and_the_report() -> None:
    subject, body = email_text("Demo Council", REPORT, "https://c.example/api/v1/r/2026-11-25")
    assert subject == "Demo Council: payment reconciliation for 2026-11-25 found 3 differences"
    assert "BWC-AAAA-BBBB (sandbox p1): amount £99.99 here, £35.00 there" in body
    assert "BWC-CCCC-DDDD (sandbox p3): state failed here, success at the provider" in body
    assert "the provider has -£1.50 (success), we have no record of it" in body
    assert "3 recorded here, 3 at the providers" in body
    assert "https://c.example/api/v1/r/2026-11-25" in body
