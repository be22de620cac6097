"""What crosses the DistributionWorkflow's boundary; one dataclass each, so fields can be added."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass
class DistributionInput:
    council: str
    # None when started by the schedule: the day before the scheduled start, in Europe/London.
    business_date: date | None = None


@dataclass
class BuildBatch:
    council: str
    business_date: date


@dataclass
class DistributionResult:
    council: str
    business_date: date
    batch_id: str
    path: str
    postings: int
    sha256: str
