"""What crosses the RetentionWorkflow's boundary; one dataclass each, so fields can be added."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass
class RetentionInput:
    council: str
    # None when started by the schedule: the day of the scheduled start, in Europe/London.
    today: date | None = None


@dataclass
class AnonymiseBatch:
    council: str
    today: date
    run_id: str


@dataclass
class BatchDone:
    anonymised: int
    # False once a batch came back short: nothing more is due today.
    more: bool


@dataclass
class RecordRun:
    council: str
    today: date
    run_id: str


@dataclass
class RetentionResult:
    council: str
    today: date
    run_id: str
    anonymised: int
    # form slug -> submissions anonymised by this run (all its tries)
    forms: dict[str, int] = field(default_factory=dict)
    references: list[str] = field(default_factory=list)
