"""The one payment gateway interface (payments.md) and the values that cross it.

PaymentsError
 ├── GatewayUnavailable   the provider did not answer or answered 5xx/429: retry later
 ├── PaymentRejected      the provider refused the request (4xx): retrying will not help
 ├── RefundMismatch       the refundable amount is not what the caller expected (412)
 └── WebhookRejected      a webhook whose signature or body does not check out
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

import msgspec


class PaymentState(StrEnum):
    CREATED = "created"
    STARTED = "started"
    SUBMITTED = "submitted"
    CAPTURABLE = "capturable"
    SUCCESS = "success"
    FAILED = "failed"
    CANCELLED = "cancelled"
    ERROR = "error"

    @property
    def finished(self) -> bool:
        return self in _FINISHED


_FINISHED = frozenset(
    {PaymentState.SUCCESS, PaymentState.FAILED, PaymentState.CANCELLED, PaymentState.ERROR}
)


class CreatedPayment(msgspec.Struct, frozen=True):
    provider_id: str
    next_url: str
    state: PaymentState


class PaymentStatus(msgspec.Struct, frozen=True):
    provider_id: str
    state: PaymentState
    amount: int
    # GOV.UK Pay's codes: P0010 declined, P0020 expired, P0030 cancelled by payer, P0040 by service,
    # P0050 provider error.
    failure_code: str | None = None
    refundable: int = 0


class WebhookEvent(msgspec.Struct, frozen=True):
    """A verified provider notification; `event_id` is the provider's, for deduplication."""

    event_id: str
    provider_id: str
    state: PaymentState
    failure_code: str | None = None
    payload: dict[str, Any] = msgspec.field(default_factory=dict)


class RefundStatus(StrEnum):
    """GOV.UK Pay's refund states; every adapter maps its provider's onto these. A refund is
    asynchronous: `submitted` until the provider settles it as `success` or `error`."""

    SUBMITTED = "submitted"
    SUCCESS = "success"
    ERROR = "error"


class Refund(msgspec.Struct, frozen=True):
    refund_id: str
    amount: int
    status: RefundStatus


class ProviderPayment(msgspec.Struct, frozen=True):
    """A payment as the provider's list for a period shows it (daily reconciliation)."""

    provider_id: str
    # Our reference, as we gave it at creation ("" when the provider has none).
    reference: str
    amount: int
    state: PaymentState
    created: datetime
    metadata: dict[str, str] = msgspec.field(default_factory=dict)


class PaymentsError(Exception):
    pass


class GatewayUnavailable(PaymentsError):
    pass


class PaymentRejected(PaymentsError):
    pass


class RefundMismatch(PaymentsError):
    pass


class WebhookRejected(PaymentsError):
    pass


class PaymentGateway(ABC):
    """A provider adapter. Implementations talk to their provider over HTTP only."""

    id: ClassVar[str]

    @abstractmethod
    async def create(
        self,
        *,
        amount: int,
        reference: str,
        description: str,
        return_url: str,
        callback_url: str,
        metadata: Mapping[str, str],
        idempotency_key: str,
    ) -> CreatedPayment: ...

    @abstractmethod
    async def get(self, provider_id: str) -> PaymentStatus: ...

    @abstractmethod
    async def cancel(self, provider_id: str) -> None: ...

    @abstractmethod
    async def refund(
        self, provider_id: str, *, amount: int, expected_refundable: int, idempotency_key: str
    ) -> Refund: ...

    @abstractmethod
    async def get_refund(self, provider_id: str, refund_id: str) -> Refund:
        """One refund of a payment as the provider sees it now."""

    @abstractmethod
    async def list_payments(self, start: datetime, end: datetime) -> list[ProviderPayment]:
        """Every payment created from `start` (inclusive) to `end` (exclusive), all pages."""

    @abstractmethod
    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        """The event in `body`, or WebhookRejected when the signature or body does not check out."""
