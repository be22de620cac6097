"""The sandbox provider's state machine over its own tables. State changes are compare-and-set
updates, so a card submission racing a cancel (or two refunds racing) changes the payment once, and
only the winner produces the webhook notification."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from counterfoil.platform import Platform
from counterfoil.platform.db.models import SandboxPayment, SandboxRefund
from counterfoil.platform.errors import Conflict, NotFound, PlatformError

UNFINISHED = ("created", "started", "submitted")
MESSAGES = {
    "P0010": "Payment method rejected",
    "P0020": "Payment expired",
    "P0030": "Payment was cancelled by the user",
    "P0040": "Payment was cancelled by the service",
    "P0050": "Payment provider returned an error",
}


class RefundNotAvailable(PlatformError):
    status = 400


class RefundAmountMismatch(PlatformError):
    status = 412


@dataclass(frozen=True)
class NewPayment:
    amount: int
    reference: str
    description: str
    return_url: str
    callback_url: str | None
    metadata: dict[str, Any]


@dataclass(frozen=True)
class Notification:
    """A webhook to send once the database change that caused it is committed."""

    url: str
    event: dict[str, Any]


@dataclass
class Observed:
    payment: SandboxPayment
    # Whether the requested transition happened (False: the payment was no longer in a state that
    # allows it, for example finished meanwhile).
    moved: bool = True
    notifications: list[Notification] = field(default_factory=list)


def now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    # GOV.UK Pay's ids are 26 lowercase letters and digits.
    return uuid.uuid4().hex[:26]


def is_finished(payment: SandboxPayment) -> bool:
    return payment.state not in UNFINISHED


def state_view(payment: SandboxPayment) -> dict[str, Any]:
    view: dict[str, Any] = {
        "status": payment.state,
        "finished": is_finished(payment),
        "code": payment.failure_code,
    }
    if payment.failure_code:
        view["message"] = MESSAGES.get(payment.failure_code, "")
    return view


def refund_summary(payment: SandboxPayment) -> dict[str, Any]:
    available = payment.amount - payment.refunded if payment.state == "success" else 0
    status = "available" if available else ("full" if payment.refunded else "unavailable")
    return {"status": status, "amount_available": available, "amount_submitted": payment.refunded}


def _event_type(payment: SandboxPayment) -> str:
    if payment.state == "failed" and payment.failure_code == "P0020":
        return "card_payment_expired"
    return {
        "success": "card_payment_succeeded",
        "failed": "card_payment_failed",
        "cancelled": "card_payment_cancelled",
        "error": "card_payment_errored",
    }.get(payment.state, f"card_payment_{payment.state}")


def _notify(payment: SandboxPayment, event_type: str, **extra: Any) -> list[Notification]:
    if not payment.callback_url:
        return []
    event = {
        "event_id": uuid.uuid4().hex,
        "event_type": event_type,
        "resource_id": payment.id,
        "resource_type": "payment",
        "created_date": now().isoformat(),
        "resource": {
            "payment_id": payment.id,
            "state": state_view(payment),
            "amount": payment.amount,
            "reference": payment.reference,
            "metadata": payment.metadata_ or {},
            "refund_summary": refund_summary(payment),
            **extra,
        },
    }
    return [Notification(payment.callback_url, event)]


def _request_hash(new: NewPayment) -> str:
    canonical = msgspec.json.encode(asdict(new), order="sorted")
    return hashlib.sha256(canonical).hexdigest()


class SandboxStore:
    """Blocking database work; handlers run it in a worker thread."""

    def __init__(self, platform: Platform) -> None:
        self._platform = platform

    def create(self, new: NewPayment, idempotency_key: str | None) -> tuple[SandboxPayment, bool]:
        """The payment and whether it is new; a reused key returns the first payment again."""
        request_hash = _request_hash(new)
        if idempotency_key and (found := self._by_key(idempotency_key, request_hash)):
            return found, False
        created = now()
        payment = SandboxPayment(
            id=new_id(),
            amount=new.amount,
            reference=new.reference,
            description=new.description,
            return_url=new.return_url,
            callback_url=new.callback_url,
            idempotency_key=idempotency_key or None,
            request_hash=request_hash,
            metadata_=new.metadata,
            created_at=created,
            expires_at=created + self._platform.settings.payment_expiry,
        )
        try:
            with self._platform.session() as session:
                session.add(payment)
        except IntegrityError:
            # Two requests with the same key raced; the other one's payment stands.
            if idempotency_key and (found := self._by_key(idempotency_key, request_hash)):
                return found, False
            raise
        return payment, True

    def _by_key(self, key: str, request_hash: str) -> SandboxPayment | None:
        with self._platform.session() as session:
            query = select(SandboxPayment).where(SandboxPayment.idempotency_key == key)
            found = session.exec(query).first()
        if found is not None and found.request_hash != request_hash:
            raise Conflict("This Idempotency-Key was already used with a different request body")
        return found

    def read(self, payment_id: str) -> Observed:
        """The payment, expiring it first when its time is up (lazy expiry, with its webhook)."""
        with self._platform.session() as session:
            payment = self._load(session, payment_id)
            notifications = self._expire_if_due(session, payment)
        return Observed(payment, notifications=notifications)

    def search(
        self, start: datetime, end: datetime, page: int, size: int
    ) -> tuple[list[SandboxPayment], int, list[Notification]]:
        """One page of the payments created in [start, end), newest first as GOV.UK Pay lists
        them, the number in all pages, and the webhooks of those expired on the way."""
        window = (col(SandboxPayment.created_at) >= start, col(SandboxPayment.created_at) < end)
        with self._platform.session() as session:
            total = session.exec(select(func.count()).select_from(SandboxPayment).where(*window))
            payments = list(
                session.exec(
                    select(SandboxPayment)
                    .where(*window)
                    .order_by(col(SandboxPayment.created_at).desc(), col(SandboxPayment.id))
                    .offset((page - 1) * size)
                    .limit(size)
                ).all()
            )
            notifications = [n for p in payments for n in self._expire_if_due(session, p)]
            return payments, total.one(), notifications

    def move(
        self,
        payment_id: str,
        to: str,
        *,
        allowed_from: tuple[str, ...],
        code: str | None = None,
        card_last4: str | None = None,
    ) -> Observed:
        with self._platform.session() as session:
            payment = self._load(session, payment_id)
            notifications = self._expire_if_due(session, payment)
            values: dict[str, Any] = {"state": to, "failure_code": code}
            if card_last4 is not None:
                values["card_last4"] = card_last4
            moved = self._compare_and_set(session, payment, allowed_from, values)
            if moved and to not in UNFINISHED:
                notifications += _notify(payment, _event_type(payment))
        return Observed(payment, moved, notifications)

    def refund(
        self, payment_id: str, amount: int, expected_available: int, idempotency_key: str | None
    ) -> tuple[SandboxRefund, list[Notification], bool]:
        """The refund, its notifications, and whether it is new (a reused key returns it again)."""
        refund_id = (
            "rf" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:30]
            if idempotency_key
            else new_id()
        )
        with self._platform.session() as session:
            payment = self._load(session, payment_id)
            notifications = self._expire_if_due(session, payment)
            earlier = session.get(SandboxRefund, refund_id)
            if earlier is not None:
                if earlier.payment_id != payment_id or earlier.amount != amount:
                    raise Conflict("This Idempotency-Key was already used for another refund")
                return self._settle_if_due(session, earlier), notifications, False
            if payment.state != "success":
                raise RefundNotAvailable("Only a successful payment can be refunded")
            available = payment.amount - payment.refunded
            if expected_available != available:
                raise RefundAmountMismatch(
                    f"refund_amount_available is {available}, not {expected_available}"
                )
            if not 1 <= amount <= available:
                raise RefundNotAvailable(f"The refund amount must be between 1 and {available}")
            # Compare-and-set on what was refunded before, so two racing refunds cannot both pass.
            result = session.exec(
                update(SandboxPayment)
                .where(
                    col(SandboxPayment.id) == payment_id,
                    col(SandboxPayment.refunded) == payment.refunded,
                )
                .values(refunded=payment.refunded + amount)
            )
            if result.rowcount != 1:
                raise RefundAmountMismatch("The refundable amount changed; read it again")
            refund = SandboxRefund(
                id=refund_id, payment_id=payment_id, amount=amount, status="submitted"
            )
            session.add(refund)
            session.refresh(payment)
            notifications += _notify(
                payment, "card_payment_refunded", refund={"refund_id": refund_id, "amount": amount}
            )
        return refund, notifications, True

    def read_refund(self, payment_id: str, refund_id: str) -> SandboxRefund:
        """The refund, settled first when its time has come (lazy, like expiry)."""
        with self._platform.session() as session:
            refund = session.get(SandboxRefund, refund_id)
            if refund is None or refund.payment_id != payment_id:
                raise NotFound(f"No refund {refund_id} of payment {payment_id}")
            return self._settle_if_due(session, refund)

    def _settle_if_due(self, session: Session, refund: SandboxRefund) -> SandboxRefund:
        settle = self._platform.settings.sandbox_refund_settle
        if refund.status == "submitted" and refund.created_at + settle <= now():
            refund.status = "success"
            session.add(refund)
            session.flush()
        return refund

    @staticmethod
    def _load(session: Session, payment_id: str) -> SandboxPayment:
        payment = session.get(SandboxPayment, payment_id)
        if payment is None:
            raise NotFound(f"No payment {payment_id}")
        return payment

    def _expire_if_due(self, session: Session, payment: SandboxPayment) -> list[Notification]:
        if is_finished(payment) or now() < payment.expires_at:
            return []
        values = {"state": "failed", "failure_code": "P0020"}
        if self._compare_and_set(session, payment, UNFINISHED, values):
            return _notify(payment, _event_type(payment))
        return []

    @staticmethod
    def _compare_and_set(
        session: Session,
        payment: SandboxPayment,
        allowed_from: tuple[str, ...],
        values: dict[str, Any],
    ) -> bool:
        result = session.exec(
            update(SandboxPayment)
            .where(
                col(SandboxPayment.id) == payment.id, col(SandboxPayment.state).in_(allowed_from)
            )
            .values(**values)
        )
        session.refresh(payment)
        return result.rowcount == 1
