"""What crosses the SubmissionWorkflow's boundary: its input, signals, updates and query result.

One dataclass per input, so fields can be added later without breaking recorded histories.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class Status(StrEnum):
    """The states a person sees (lifecycle.md)."""

    SUBMITTED = "submitted"
    AWAITING_PAYMENT = "awaiting_payment"
    PAYMENT_FAILED = "payment_failed"
    EXPIRED = "expired"
    PAID = "paid"
    DELIVERING = "delivering"
    DELIVERED = "delivered"
    DELIVERY_FAILED = "delivery_failed"
    ACCEPTED = "accepted"
    COMPLETED = "completed"
    REJECTED = "rejected"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


@dataclass
class Timings:
    """The lifecycle's durations, fixed at start so a history replays the same whatever settings
    say later."""

    payment_expiry: timedelta
    reconciliation_backoff: list[timedelta]
    delivery_retry_schedule: list[timedelta]
    delivery_timeout: timedelta
    # How long a completed paid submission stays open for finance refunds (None: histories
    # started before this existed, which use the workflow's default).
    refund_window: timedelta | None = None


@dataclass
class SubmissionInput:
    reference: str
    council: str
    timings: Timings


@dataclass
class Prepared:
    """The stored submission as the workflow needs it: its fee, recomputed, and department."""

    total: int
    department: str


@dataclass
class PaymentCreated:
    provider_id: str
    next_url: str


@dataclass
class StatusChange:
    reference: str
    status: Status
    note: str = ""


@dataclass
class PaymentUpdate:
    """A provider's report of a payment's state, from a webhook, the return page or a poll."""

    provider_id: str
    state: str
    failure_code: str | None = None
    source: str = "webhook"


@dataclass
class PaymentLink:
    """Where the resident goes next: the provider's card page, or nowhere when nothing is due."""

    status: Status
    next_url: str | None = None


@dataclass
class DepartmentResponse:
    outcome: str  # accepted | completed | rejected
    department: str
    note: str = ""


@dataclass
class RefundRequest:
    """Finance's refund: `amount` pence of what they expect is still refundable."""

    amount: int
    expected_refundable: int
    reason: str = ""


@dataclass
class RefundPart:
    """One finance refund as the `refund_part` activity makes it; `number` counts the workflow's
    refunds, so its idempotency key is `<reference>-refund-<number>`."""

    reference: str
    number: int
    amount: int
    expected_refundable: int
    reason: str = ""


def refund_key(reference: str, number: int | None = None) -> str:
    """A refund's idempotency key: finance's n-th refund, or (no number) the full refund made
    when the department rejects the submission."""
    return f"{reference}-refund" if number is None else f"{reference}-refund-{number}"


@dataclass
class RefundCheck:
    """Which refund's outcome to read from the provider (`refund_outcome`)."""

    reference: str
    key: str


@dataclass
class RefundResult:
    reference: str
    refunded: int
    refundable_remaining: int
    status: Status


@dataclass
class HistoryEntry:
    at: datetime
    status: Status
    note: str = ""


@dataclass
class SubmissionState:
    reference: str
    status: Status
    total: int = 0
    payment_attempts: int = 0
    refunded: int = 0
    provider_id: str | None = None
    next_url: str | None = None
    history: list[HistoryEntry] = field(default_factory=list)
