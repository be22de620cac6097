"""Which submissions retention may anonymise, and what is left of a document once it has: pure
functions of dates and data, no database."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from counterfoil.platform.ledger.dates import LONDON

# Lives that are over: nothing will read the answers again. A submission still in flight
# (submitted, awaiting or failed payment, paid, delivering, accepted) is never anonymised.
FINISHED_STATUSES = frozenset(
    {
        "delivered",
        "completed",
        "rejected",
        "refunded",
        "cancelled",
        "expired",
        "delivery_failed",
    }
)

# A run's audit entry lists the references it anonymised when there are at most this many.
REFERENCE_LIST_MAX = 50


def run_id_for(council: str, today: date) -> str:
    """One run per council per day: the same id for the schedule, the CLI and any rerun."""
    return f"retention-{council}-{today.isoformat()}"


def retention_cutoff(today: date, retention_days: int) -> datetime:
    """Submissions made before this instant are past retention on `today`: they were kept for
    at least `retention_days` whole days, counted in Europe/London."""
    start = datetime.combine(today - timedelta(days=retention_days), time(), LONDON)
    return start.astimezone(UTC)


def version_cutoffs(
    versions: Iterable[tuple[str, int, Mapping[str, Any]]], today: date
) -> dict[tuple[str, int], datetime]:
    """The cutoff of each (form slug, version) whose definition sets `retention_days`; a version
    without it keeps its submissions."""
    cutoffs = {}
    for slug, number, definition in versions:
        days = definition.get("retention_days")
        if isinstance(days, int) and not isinstance(days, bool) and days > 0:
            cutoffs[(slug, number)] = retention_cutoff(today, days)
    return cutoffs


def anonymised_document(body: str) -> str:
    """A delivered submission document (webhook body, inbox copy) without its answers: the
    reference, fee lines and payment stay, so the record still says what was sent."""
    try:
        document = json.loads(body)
    except ValueError:
        return ""
    if not isinstance(document, dict):
        return ""
    document["answers"] = None
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)
