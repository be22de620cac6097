"""What crosses the ReconciliationWorkflow's boundary; one dataclass each, so fields can be
added."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass
class ReconciliationInput:
    council: str
    # None when started by the schedule: the day before the scheduled start, in Europe/London.
    business_date: date | None = None


@dataclass
class ReconcileDay:
    council: str
    business_date: date


@dataclass
class ReconciliationResult:
    council: str
    business_date: date
    # Payments of the day on each side, and the differences between them.
    ours: int
    theirs: int
    differences: int
    # Outbox messages that flag new differences to finance (none on a clean day or a rerun).
    emails: list[str] = field(default_factory=list)
