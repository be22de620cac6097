"""The SubmissionWorkflow's activities: every touch of the database, a provider or a department.

Each is idempotent, keyed by the submission reference plus its step, so a retry (or a worker killed
half-way) never charges, refunds or delivers twice: a payment is created with the idempotency key
`<reference>-pay-<attempt>`, a refund with `<reference>-refund`, a delivery keeps one webhook id.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from counterfoil.platform import Platform, forms_store
from counterfoil.platform.db.models import (
    AuditEntry,
    Council,
    Payment,
    PaymentEvent,
    RefundRecord,
    Submission,
)
from counterfoil.platform.departments import (
    DeliveryFailed,
    NoDestination,
    deliver_submission,
    queue_delivery_failed_alert,
)
from counterfoil.platform.ledger import post_full_refund, post_partial_refund, post_payment
from counterfoil.platform.notifications import queue_email, send_email
from counterfoil.platform.observability import metrics
from counterfoil.platform.payments import (
    PaymentGateway,
    PaymentRejected,
    PaymentState,
    Refund,
    RefundMismatch,
    RefundStatus,
)
from counterfoil.platform.payments.accounts import NoPaymentAccount, PaymentAccounts
from counterfoil.platform.submissions import submission_for
from counterfoil.platform.submissions.refunds import record_refund, refund_by_key, settle_refund
from counterfoil.rules import format_pence
from counterfoil.workflows.submission.types import (
    PaymentCreated,
    PaymentUpdate,
    Prepared,
    RefundCheck,
    RefundPart,
    StatusChange,
    refund_key,
)

log = logging.getLogger(__name__)


class SubmissionActivities:
    def __init__(
        self, platform: Platform, accounts: PaymentAccounts, http: httpx.AsyncClient
    ) -> None:
        self._platform = platform
        self._accounts = accounts
        self._http = http

    @activity.defn(name="submission.prepare")
    def prepare(self, reference: str) -> Prepared:
        """Recompute the fee from the stored answers: the browser never sends an amount."""
        with self._platform.session() as session:
            submission = submission_for(session, reference)
            row = forms_store.version(
                session, submission.council_id, submission.form_slug, submission.form_version
            )
            quote = forms_store.compiled(row).quote(submission.answers or {})
            if not quote.valid:
                raise ApplicationError(
                    "stored answers no longer validate", type="AnswersInvalid", non_retryable=True
                )
            submission.lines = [msgspec.to_builtins(line) for line in quote.lines]
            submission.total = quote.total or 0
            session.add(submission)
            return Prepared(total=submission.total, department=submission.department_slug)

    @activity.defn(name="submission.create_payment")
    async def create_payment(self, reference: str, attempt: int) -> PaymentCreated:
        existing = await asyncio.to_thread(self._payment_row, reference, attempt)
        if existing is not None and existing.next_url:
            return PaymentCreated(provider_id=existing.provider_id, next_url=existing.next_url)
        submission, council = await asyncio.to_thread(self._submission_and_council, reference)
        assert council.id is not None
        try:
            account_id, gateway = await asyncio.to_thread(
                self._accounts.gateway_for_form, council.id, submission.form_slug
            )
        except NoPaymentAccount as exc:
            # retried on the workflow's back-off: it goes on once an administrator sets an account
            raise ApplicationError(str(exc), type="NoPaymentAccount") from exc
        public = self._platform.settings.resolved_public_url
        try:
            created = await gateway.create(
                amount=submission.total,
                reference=reference,
                description=f"{council.name}: {submission.form_slug} {reference}",
                return_url=f"{public}/pay/return/{reference}",
                callback_url=f"{public}/callbacks/{gateway.id}/{council.slug}",
                metadata={"reference": reference, "council": council.slug},
                idempotency_key=f"{reference}-pay-{attempt}",
            )
        except PaymentRejected as exc:
            raise ApplicationError(str(exc), type="PaymentRejected", non_retryable=True) from exc
        await asyncio.to_thread(
            self._store_payment,
            submission,
            attempt,
            account_id,
            gateway.id,
            created.provider_id,
            created.next_url,
        )
        return PaymentCreated(provider_id=created.provider_id, next_url=created.next_url)

    @activity.defn(name="submission.fetch_payment")
    async def fetch_payment(self, provider_id: str, source: str) -> PaymentUpdate:
        """The provider's own view of a payment, recorded as an event (strongly consistent read)."""
        payment = await asyncio.to_thread(self._payment_by_provider_id, provider_id)
        status = await (await self._gateway_of(payment)).get(provider_id)
        await asyncio.to_thread(
            self._record_event,
            payment.provider,
            provider_id,
            status.state,
            status.failure_code,
            source,
        )
        return PaymentUpdate(
            provider_id=provider_id,
            state=str(status.state),
            failure_code=status.failure_code,
            source=source,
        )

    @activity.defn(name="submission.cancel_payment")
    async def cancel_payment(self, provider_id: str) -> None:
        payment = await asyncio.to_thread(self._payment_by_provider_id, provider_id)
        gateway = await self._gateway_of(payment)
        status = await gateway.get(provider_id)
        if not status.state.finished:
            try:
                await gateway.cancel(provider_id)
            except PaymentRejected:
                activity.logger.info(
                    "payment %s finished before it could be cancelled", provider_id
                )

    @activity.defn(name="submission.refund")
    async def refund(self, reference: str) -> None:
        payment = await asyncio.to_thread(self._paid_payment, reference)
        gateway = await self._gateway_of(payment)
        status = await gateway.get(payment.provider_id)
        key = refund_key(reference)
        if status.refundable > 0:  # else refunded by an earlier try of this activity
            made = await gateway.refund(
                payment.provider_id,
                amount=status.refundable,
                expected_refundable=status.refundable,
                idempotency_key=key,
            )
            await asyncio.to_thread(self._record_refund, reference, key, made, "rejected")
        # posted after the provider refunded, and on every retry, keyed by the refund's own key
        await asyncio.to_thread(self._post_refund, reference, key)

    @activity.defn(name="submission.refund_part")
    async def refund_part(self, part: RefundPart) -> int:
        """Refund part (or the rest) of the fee at the provider, then post it; returns what is
        still refundable. The provider checks `expected_refundable`, so a stale request (a second
        click) refunds nothing."""
        payment = await asyncio.to_thread(self._paid_payment, part.reference)
        gateway = await self._gateway_of(payment)
        key = refund_key(part.reference, part.number)
        try:
            made = await gateway.refund(
                payment.provider_id,
                amount=part.amount,
                expected_refundable=part.expected_refundable,
                idempotency_key=key,
            )
        except RefundMismatch as exc:
            status = await gateway.get(payment.provider_id)
            raise ApplicationError(
                f"The refundable amount is now {format_pence(status.refundable)}; "
                "nothing was refunded",
                type="RefundMismatch",
                non_retryable=True,
            ) from exc
        except PaymentRejected as exc:
            raise ApplicationError(
                f"The provider refused the refund; nothing was refunded ({exc})",
                type="PaymentRejected",
                non_retryable=True,
            ) from exc
        await asyncio.to_thread(self._record_refund, part.reference, key, made, part.reason)
        # posted after the provider refunded, and on every retry, keyed by the refund's own key
        await asyncio.to_thread(self._post_partial_refund, part, key)
        return part.expected_refundable - part.amount

    @activity.defn(name="submission.refund_outcome")
    async def refund_outcome(self, check: RefundCheck) -> str:
        """The refund's outcome once the provider has settled it: `success` or `error`; while it
        is still submitted this raises, and the workflow's retry policy asks again later."""
        payment = await asyncio.to_thread(self._paid_payment, check.reference)
        record = await asyncio.to_thread(self._refund_record, check.key)
        if record.status != RefundStatus.SUBMITTED:  # settled by an earlier try
            return record.status
        gateway = await self._gateway_of(payment)
        refund = await gateway.get_refund(payment.provider_id, record.provider_refund_id)
        if refund.status is RefundStatus.SUBMITTED:
            raise ApplicationError("the provider has not settled the refund yet", type="Pending")
        alerts = await asyncio.to_thread(self._settle_refund, check, refund.status)
        await asyncio.to_thread(self._send_alerts, alerts)
        return refund.status.value

    @activity.defn(name="submission.deliver")
    async def deliver(self, reference: str) -> None:
        try:
            await deliver_submission(self._platform, reference, self._http)
        except (DeliveryFailed, NoDestination) as exc:  # the department's side: the schedule's
            metrics.DELIVERY_ATTEMPTS.labels("failed").inc()
            raise ApplicationError(str(exc), type="DeliveryFailed") from exc
        metrics.DELIVERY_ATTEMPTS.labels("delivered").inc()

    @activity.defn(name="submission.send_receipt")
    def send_receipt(self, reference: str) -> None:
        """Queue the resident's receipt (once) and send it when SMTP is configured."""
        key = f"{reference}-receipt"
        with self._platform.session() as session:
            submission = submission_for(session, reference)
            email = (submission.answers or {}).get("email")
            if not isinstance(email, str):
                return  # the form asks for no email address
            council = session.get(Council, submission.council_id)
            assert council is not None
            lines = "\n".join(
                f"{line['description']}: {format_pence(int(line['amount']))}"
                for line in submission.lines
            )
            queue_email(
                session,
                council_id=submission.council_id,
                dedupe_key=key,
                to=email,
                subject=f"{council.name}: your payment reference {reference}",
                body=(
                    f"Thank you. We have received your payment.\n\nReference: {reference}\n\n"
                    f"{lines}\nTotal: {format_pence(submission.total)}\n"
                ),
            )
        send_email(self._platform, key)

    @activity.defn(name="submission.record_status")
    def record_status(self, change: StatusChange) -> None:
        entered: datetime | None = None  # counted once committed: a retried try is not counted
        finished: list[Payment] = []
        with self._platform.session() as session:
            submission = submission_for(session, change.reference)
            if submission.status != change.status:
                entered = submission.created_at
                submission.status = change.status
                submission.updated_at = datetime.now(UTC)
                session.add(submission)
                session.add(
                    AuditEntry(
                        council_id=submission.council_id,
                        actor="workflow",
                        action=f"submission.{change.status}",
                        subject=change.reference,
                        detail={"note": change.note} if change.note else None,
                    )
                )
            if change.status in ("paid", "payment_failed", "expired", "cancelled"):
                finished = self._finish_payments(session, submission)
            if change.status == "paid":  # in the same transaction: paid means posted
                post_payment(session, submission, datetime.now(UTC))
            alerts = (
                queue_delivery_failed_alert(session, submission, change.note)
                if change.status == "delivery_failed"
                else []
            )
        if entered is not None:
            # the status only: notes can quote a department's free text
            log.info("submission is now %s", change.status)
            metrics.SUBMISSION_TRANSITIONS.labels(change.status).inc()
            created = entered if entered.tzinfo else entered.replace(tzinfo=UTC)
            age = (datetime.now(UTC) - created).total_seconds()
            metrics.SUBMISSION_AGE.labels(change.status).observe(max(age, 0.0))
        for payment in finished:
            metrics.PAYMENT_OUTCOMES.labels(payment.provider, payment.state).inc()
        self._send_alerts(alerts)

    def _send_alerts(self, keys: list[str]) -> None:
        for key in keys:
            try:
                send_email(self._platform, key)
            except (OSError, smtplib.SMTPException):  # queued: a mail outage must not stop the life
                activity.logger.warning("alert %s stays in the outbox: SMTP failed", key)

    async def _gateway_of(self, payment: Payment) -> PaymentGateway:
        """The gateway of the account the payment was taken with (a database read: a thread)."""
        return await asyncio.to_thread(self._accounts.gateway_for_payment, payment)

    # -- database helpers (run in threads) --------------------------------------------------------

    def _payment_row(self, reference: str, attempt: int) -> Payment | None:
        with self._platform.session() as session:
            submission = submission_for(session, reference)
            return session.exec(
                select(Payment).where(
                    Payment.submission_id == submission.id, Payment.attempt == attempt
                )
            ).first()

    def _submission_and_council(self, reference: str) -> tuple[Submission, Council]:
        with self._platform.session() as session:
            submission = submission_for(session, reference)
            council = session.get(Council, submission.council_id)
            assert council is not None
            return submission, council

    def _store_payment(
        self,
        submission: Submission,
        attempt: int,
        account_id: int | None,
        provider: str,
        provider_id: str,
        next_url: str,
    ) -> None:
        with self._platform.session() as session:
            if session.exec(select(Payment).where(Payment.provider_id == provider_id)).first():
                return
            assert submission.id is not None
            session.add(
                Payment(
                    submission_id=submission.id,
                    attempt=attempt,
                    account_id=account_id,
                    provider=provider,
                    provider_id=provider_id,
                    amount=submission.total,
                    next_url=next_url,
                    idempotency_key=f"{submission.reference}-pay-{attempt}",
                )
            )

    def _payment_by_provider_id(self, provider_id: str) -> Payment:
        with self._platform.session() as session:
            payment = session.exec(
                select(Payment).where(Payment.provider_id == provider_id)
            ).first()
            if payment is None:
                raise ApplicationError(f"no payment {provider_id}", non_retryable=True)
            return payment

    def _post_refund(self, reference: str, refund_id: str) -> None:
        with self._platform.session() as session:
            post_full_refund(
                session, submission_for(session, reference), refund_id, datetime.now(UTC)
            )

    def _post_partial_refund(self, part: RefundPart, refund_id: str) -> None:
        with self._platform.session() as session:
            submission = submission_for(session, part.reference)
            if post_partial_refund(session, submission, refund_id, part.amount, datetime.now(UTC)):
                session.add(
                    AuditEntry(
                        council_id=submission.council_id,
                        actor="workflow",
                        action="submission.refund_part",
                        subject=part.reference,
                        detail={"amount": part.amount, "reason": part.reason, "key": refund_id},
                    )
                )

    def _record_refund(self, reference: str, key: str, refund: Refund, reason: str) -> None:
        with self._platform.session() as session:
            record_refund(session, submission_for(session, reference), key, refund, reason)

    def _refund_record(self, key: str) -> RefundRecord:
        with self._platform.session() as session:
            record = refund_by_key(session, key)
        if record is None:  # a refund made before refunds were recorded
            raise ApplicationError(f"no record of refund {key}", type="NoRefundRecord")
        return record

    def _settle_refund(self, check: RefundCheck, status: RefundStatus) -> list[str]:
        with self._platform.session() as session:
            record = refund_by_key(session, check.key)
            assert record is not None
            return settle_refund(session, submission_for(session, check.reference), record, status)

    def _paid_payment(self, reference: str) -> Payment:
        with self._platform.session() as session:
            submission = submission_for(session, reference)
            payment = session.exec(
                select(Payment).where(
                    Payment.submission_id == submission.id, Payment.state == PaymentState.SUCCESS
                )
            ).first()
            if payment is None:
                raise ApplicationError(f"{reference} has no successful payment", non_retryable=True)
            return payment

    def _record_event(
        self, provider: str, provider_id: str, state: PaymentState, code: str | None, source: str
    ) -> None:
        with self._platform.session() as session:
            event_id = f"{source}-{provider_id}-{state}"
            if session.exec(
                select(PaymentEvent).where(
                    PaymentEvent.provider == provider, PaymentEvent.event_id == event_id
                )
            ).first():
                return
            session.add(
                PaymentEvent(
                    provider=provider,
                    event_id=event_id,
                    provider_payment_id=provider_id,
                    state=str(state),
                    source=source,
                    payload={"failure_code": code} if code else None,
                )
            )

    @staticmethod
    def _finish_payments(session: Session, submission: Submission) -> list[Payment]:
        """Bring each payment row's state to the latest finished state its provider reported;
        returns the rows this changed."""
        changed: list[Payment] = []
        payments = session.exec(select(Payment).where(Payment.submission_id == submission.id)).all()
        for payment in payments:
            events = session.exec(
                select(PaymentEvent)
                .where(PaymentEvent.provider_payment_id == payment.provider_id)
                .order_by(col(PaymentEvent.received_at))
            ).all()
            states = [e.state for e in events if e.signature_valid]
            # a success is final whatever else was reported (payments.md: honour a late success)
            final = (
                "success"
                if "success" in states
                else next((s for s in reversed(states) if PaymentState(s).finished), None)
            )
            if final and payment.state != final:
                payment.state = final
                payment.finished_at = datetime.now(UTC)
                session.add(payment)
                changed.append(payment)
        return changed

    def all(self) -> list[Callable[..., Any]]:
        return [
            self.prepare,
            self.create_payment,
            self.fetch_payment,
            self.cancel_payment,
            self.refund,
            self.refund_part,
            self.refund_outcome,
            self.deliver,
            self.send_receipt,
            self.record_status,
        ]
