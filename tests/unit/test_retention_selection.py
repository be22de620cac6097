"""Which submissions retention may anonymise, and what is left of a delivered document."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from counterfoil.platform.retention import (
    FINISHED_STATUSES,
    anonymised_document,
    retention_cutoff,
    run_id_for,
    version_cutoffs,
)


@pytest.mark.parametrize(
    ("today", "days", "cutoff"),
    [
        # winter: London is UTC, so midnight there is midnight UTC
        (date(2026, 1, 10), 1, datetime(2026, 1, 9, 0, 0, tzinfo=UTC)),
        (date(2026, 1, 10), 365, datetime(2025, 1, 10, 0, 0, tzinfo=UTC)),
        # summer: midnight in London is 23:00 UTC the day before
        (date(2026, 7, 10), 30, datetime(2026, 6, 9, 23, 0, tzinfo=UTC)),
    ],
)
def test_cutoff_is_midnight_in_london_retention_days_before_today(
    today: date, days: int, cutoff: datetime
) -> None:
    assert retention_cutoff(today, days) == cutoff


def test_a_submission_is_kept_for_whole_days() -> None:
    made = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    assert not made < retention_cutoff(date(2026, 1, 2), 1)  # one day has not yet passed
    assert made < retention_cutoff(date(2026, 1, 3), 1)


def test_only_versions_that_set_retention_days_get_a_cutoff() -> None:
    today = date(2026, 11, 26)
    versions = [
        ("bulky-waste", 1, {"retention_days": 730}),
        ("bulky-waste", 2, {"retention_days": 30}),
        ("garden-waste", 1, {}),
        ("odd", 1, {"retention_days": True}),
        ("zero", 1, {"retention_days": 0}),
    ]
    assert version_cutoffs(versions, today) == {
        ("bulky-waste", 1): retention_cutoff(today, 730),
        ("bulky-waste", 2): retention_cutoff(today, 30),
    }


def test_submissions_in_flight_are_never_finished() -> None:
    in_flight = {"submitted", "awaiting_payment", "payment_failed", "paid", "delivering"}
    assert not in_flight & FINISHED_STATUSES
    assert "accepted" not in FINISHED_STATUSES  # the department has not finished with it
    assert {"completed", "refunded", "delivery_failed"} <= FINISHED_STATUSES


def test_an_anonymised_document_keeps_everything_but_the_answers() -> None:
    sent = {
        "reference": "BWC-7K4M-Q2XD",
        "answers": {"name": "Sam Resident", "email": "sam@example.org"},
        "lines": [{"id": "base", "amount": 3500}],
        "payment": {"provider": "sandbox", "amount": 3500},
    }
    left = json.loads(anonymised_document(json.dumps(sent)))
    assert left == {**sent, "answers": None}


@pytest.mark.parametrize("body", ["not json", "[1, 2]", ""])
def test_a_body_that_is_not_a_document_is_emptied(body: str) -> None:
    assert anonymised_document(body) == ""


def test_one_run_id_per_council_and_day() -> None:
    assert run_id_for("demo", date(2026, 11, 26)) == "retention-demo-2026-11-26"


def test_the_retention_package_exports_what_the_workflow_and_tests_use() -> None:
    import counterfoil.platform.retention as retention

    assert sorted(retention.__all__) == [
        "AUDIT_ACTION",
        "FINISHED_STATUSES",
        "REFERENCE_LIST_MAX",
        "RunReport",
        "anonymise_batch",
        "anonymised_document",
        "record_run",
        "retention_cutoff",
        "run_id_for",
        "version_cutoffs",
    ]
