"""SubmissionWorkflow: one submission's life, from stored answers to the department's answer.

Workflow code is deterministic: everything that touches the database, a provider or a department
is an activity. The payment outcome arrives three ways (the return page's Update, the provider's
webhook as a Signal, our own reconciliation poll): the first finished state wins, the rest are
no-ops.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from counterfoil.rules import format_pence
    from counterfoil.workflows.submission.activities import SubmissionActivities
    from counterfoil.workflows.submission.types import (
        DepartmentResponse,
        HistoryEntry,
        PaymentCreated,
        PaymentLink,
        PaymentUpdate,
        Prepared,
        RefundCheck,
        RefundPart,
        RefundRequest,
        RefundResult,
        Status,
        StatusChange,
        SubmissionInput,
        SubmissionState,
        refund_key,
    )

FINISHED_PAYMENT_STATES = frozenset({"success", "failed", "cancelled", "error"})
# Which department outcomes each status accepts; anything else is refused before it is recorded.
RESPONSES_ALLOWED = {
    Status.DELIVERING: frozenset({"accepted", "completed", "rejected"}),
    Status.DELIVERED: frozenset({"accepted", "completed", "rejected"}),
    Status.DELIVERY_FAILED: frozenset({"accepted", "completed", "rejected"}),
    Status.ACCEPTED: frozenset({"completed", "rejected"}),
}
CANCELLABLE = frozenset({Status.SUBMITTED, Status.AWAITING_PAYMENT, Status.PAYMENT_FAILED})
# A paid submission finance may refund (a rejected one until its own full refund is made).
REFUNDABLE = frozenset(
    {
        Status.PAID,
        Status.DELIVERING,
        Status.DELIVERED,
        Status.DELIVERY_FAILED,
        Status.ACCEPTED,
        Status.COMPLETED,
        Status.REJECTED,
    }
)
# How long a completed submission's workflow stays open for finance refunds.
# The refund window of histories started before it came from settings.
REFUND_WINDOW = timedelta(days=180)
REFUNDS_AFTER_COMPLETION = "refunds-after-completion"

# A refund is asynchronous at the provider: its outcome is read on a back-off until it settles.
REFUND_OUTCOMES = "refund-outcomes"
REFUND_OUTCOME_POLL = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    maximum_interval=timedelta(hours=1),
    non_retryable_error_types=["NoRefundRecord"],
)
REFUND_OUTCOME_DEADLINE = timedelta(days=14)

# Calls to a provider or a database: retried quickly, then at least every 30 s, until they answer.
# An outage (the database refusing connections for a minute) only delays a submission: a failed
# step here would fail the whole workflow. Business failures are non-retryable and stop at once.
QUICK = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
# A payment must be created (or a refund made) eventually: keep trying, the idempotency key
# makes every retry the same request.
PERSISTENT = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5)
)
STEP_TIMEOUT = timedelta(seconds=30)
# One step of the delivery schedule: the department's own failure (DeliveryFailed) ends the step
# and the schedule says when to try again; anything else (our database down, a worker lost) is
# retried within the step, so it does not use up the department's retries.
DELIVERY_STEP = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=["DeliveryFailed"],
)
DELIVERY_STEP_LIMIT = timedelta(hours=1)


@workflow.defn(name="SubmissionWorkflow")
class SubmissionWorkflow:
    @workflow.init
    def __init__(self, start: SubmissionInput) -> None:
        self._start = start
        self._state = SubmissionState(reference=start.reference, status=Status.SUBMITTED)
        self._department = ""
        self._provider_ids: list[str] = []
        self._updates: list[PaymentUpdate] = []
        self._retry_payment = False
        self._cancel_requested = False
        self._retry_delivery = False
        self._response: DepartmentResponse | None = None
        self._handled: DepartmentResponse | None = None
        self._refunds = 0  # finance refunds tried: the next one's idempotency key number
        self._refunding = False
        self._refund_watches: set[asyncio.Task[None]] = set()  # outcomes still being read
        self._before_refunded = Status.SUBMITTED  # the status a failed full refund returns to

    # -- the life ---------------------------------------------------------------------------------

    @workflow.run
    async def run(self, start: SubmissionInput) -> SubmissionState:
        # local activities: quick database work, no round trip through the task queue
        prepared: Prepared = await workflow.execute_local_activity_method(
            SubmissionActivities.prepare,
            start.reference,
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=QUICK,
        )
        self._state.total = prepared.total
        self._department = prepared.department
        await self._set_status(Status.SUBMITTED, "answers stored and fee recomputed")
        if prepared.total > 0:
            if not await self._take_payment():
                await workflow.wait_condition(workflow.all_handlers_finished)
                return self._state
            await workflow.execute_local_activity_method(
                SubmissionActivities.send_receipt,
                start.reference,
                start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=QUICK,
            )
        await self._deliver()
        await self._await_department()
        paid_and_done = self._state.total > 0 and self._state.status == Status.COMPLETED
        if paid_and_done and workflow.patched(REFUNDS_AFTER_COMPLETION):
            # stay open for finance refunds of the completed submission
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self._state.status == Status.REFUNDED,
                    timeout=self._start.timings.refund_window or REFUND_WINDOW,
                )
        await workflow.wait_condition(workflow.all_handlers_finished)
        await workflow.wait_condition(lambda: not self._refund_watches)
        return self._state

    async def _take_payment(self) -> bool:
        """True once paid; False when the resident cancelled or the payment expired."""
        deadline = workflow.now() + self._start.timings.payment_expiry
        while True:
            created: PaymentCreated = await workflow.execute_activity_method(
                SubmissionActivities.create_payment,
                args=[self._start.reference, len(self._provider_ids) + 1],
                start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=PERSISTENT,
            )
            self._provider_ids.append(created.provider_id)
            self._state.provider_id = created.provider_id
            self._state.next_url = created.next_url
            self._state.payment_attempts = len(self._provider_ids)
            await self._set_status(Status.AWAITING_PAYMENT)
            outcome = await self._await_outcome(created.provider_id, deadline)
            if outcome is not None and outcome.state == "success":
                await self._set_status(Status.PAID, f"paid by {outcome.source}")
                return True
            if outcome is None:  # the resident never finished, or asked to cancel
                await self._cancel_at_provider(created.provider_id)
                late = self._success()
                if late is not None:  # the provider took the money after all: honour it
                    await self._set_status(Status.PAID, f"paid by {late.source}")
                    return True
                await self._set_status(
                    Status.CANCELLED if self._cancel_requested else Status.EXPIRED
                )
                return False
            self._state.next_url = None
            await self._set_status(Status.PAYMENT_FAILED, outcome.failure_code or outcome.state)
            if not await self._await_retry(deadline):
                late = self._success()
                if late is not None:
                    await self._set_status(Status.PAID, f"paid by {late.source}")
                    return True
                await self._set_status(
                    Status.CANCELLED if self._cancel_requested else Status.EXPIRED
                )
                return False
            self._retry_payment = False

    def _success(self) -> PaymentUpdate | None:
        return next(
            (
                u
                for u in self._updates
                if u.state == "success" and u.provider_id in self._provider_ids
            ),
            None,
        )

    def _finished(self, provider_id: str) -> PaymentUpdate | None:
        """The first finished report for this payment, or a success for any of ours."""
        success = self._success()
        if success is not None:
            return success
        return next(
            (
                u
                for u in self._updates
                if u.provider_id == provider_id and u.state in FINISHED_PAYMENT_STATES
            ),
            None,
        )

    async def _await_outcome(self, provider_id: str, deadline: datetime) -> PaymentUpdate | None:
        backoff = list(self._start.timings.reconciliation_backoff) or [timedelta(minutes=5)]
        polls = 0
        while True:
            finished = self._finished(provider_id)
            if finished is not None:
                return finished
            if self._cancel_requested:
                return None
            remaining = deadline - workflow.now()
            if remaining <= timedelta(0):
                return None
            wait = min(backoff[min(polls, len(backoff) - 1)], remaining)
            try:
                await workflow.wait_condition(
                    lambda: self._finished(provider_id) is not None or self._cancel_requested,
                    timeout=wait,
                )
            except TimeoutError:
                polls += 1
                await self._poll(provider_id)

    async def _await_retry(self, deadline: datetime) -> bool:
        remaining = deadline - workflow.now()
        if remaining <= timedelta(0):
            return False
        try:
            await workflow.wait_condition(
                lambda: (
                    self._retry_payment or self._cancel_requested or self._success() is not None
                ),
                timeout=remaining,
            )
        except TimeoutError:
            return False
        return self._retry_payment and not self._cancel_requested and self._success() is None

    async def _poll(self, provider_id: str) -> None:
        update: PaymentUpdate = await workflow.execute_activity_method(
            SubmissionActivities.fetch_payment,
            args=[provider_id, "poll"],
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=QUICK,
        )
        self._updates.append(update)

    async def _cancel_at_provider(self, provider_id: str) -> None:
        await workflow.execute_activity_method(
            SubmissionActivities.cancel_payment,
            provider_id,
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=QUICK,
        )
        await self._poll(provider_id)

    async def _deliver(self) -> None:
        timings = self._start.timings
        while True:
            await self._set_status(Status.DELIVERING)
            for delay in [timedelta(0), *timings.delivery_retry_schedule]:
                if delay:
                    await workflow.sleep(delay)
                try:
                    await workflow.execute_activity_method(
                        SubmissionActivities.deliver,
                        self._start.reference,
                        start_to_close_timeout=timings.delivery_timeout + timedelta(seconds=5),
                        schedule_to_close_timeout=DELIVERY_STEP_LIMIT,
                        retry_policy=DELIVERY_STEP,
                    )
                except ActivityError:
                    continue
                await self._set_status(Status.DELIVERED)
                return
            await self._set_status(Status.DELIVERY_FAILED, "every delivery attempt failed")
            await workflow.wait_condition(
                lambda: self._retry_delivery or self._response is not None
            )
            if self._response is not None:
                return
            self._retry_delivery = False

    async def _await_department(self) -> None:
        while True:
            await workflow.wait_condition(
                lambda: self._response is not None or self._state.status == Status.REFUNDED
            )
            response = self._response
            if response is None:  # finance refunded the whole fee: nothing left to answer
                return
            self._response = None
            outcome = {
                "accepted": Status.ACCEPTED,
                "completed": Status.COMPLETED,
                "rejected": Status.REJECTED,
            }[response.outcome]
            await self._set_status(outcome, response.note)
            self._handled = response
            if outcome == Status.ACCEPTED:
                continue
            if outcome == Status.COMPLETED:
                return
            if self._state.total > 0:
                if self._refunding:  # a finance refund is being made: let it finish first
                    await workflow.wait_condition(lambda: not self._refunding)
                self._refunding = True
                try:
                    await workflow.execute_activity_method(
                        SubmissionActivities.refund,
                        self._start.reference,
                        start_to_close_timeout=STEP_TIMEOUT,
                        retry_policy=PERSISTENT,
                    )
                finally:
                    self._refunding = False
                amount = self._state.total - self._state.refunded
                self._state.refunded = self._state.total
                await self._set_status(Status.REFUNDED, "the fee was refunded in full")
                self._watch_refund(refund_key(self._start.reference), amount)
            return

    def _watch_refund(self, key: str, amount: int) -> None:
        """Read the refund's outcome in the background; histories from before refund outcomes
        were read go on without it."""
        if not workflow.patched(REFUND_OUTCOMES):
            return
        task = asyncio.create_task(self._refund_outcome(key, amount))
        self._refund_watches.add(task)
        task.add_done_callback(self._refund_watches.discard)

    async def _refund_outcome(self, key: str, amount: int) -> None:
        try:
            outcome: str = await workflow.execute_activity_method(
                SubmissionActivities.refund_outcome,
                RefundCheck(reference=self._start.reference, key=key),
                start_to_close_timeout=STEP_TIMEOUT,
                schedule_to_close_timeout=REFUND_OUTCOME_DEADLINE,
                retry_policy=REFUND_OUTCOME_POLL,
            )
        except ActivityError:
            outcome = "unknown"
        if outcome == "success":
            note = f"the provider confirmed the refund of {format_pence(amount)}"
        elif outcome == "error":
            # the money never left: it is refundable again (finance was told by the activity)
            self._state.refunded -= amount
            note = f"the provider could not make the refund of {format_pence(amount)}"
            if self._state.status == Status.REFUNDED:
                await self._record(self._before_refunded, note)
                return
        else:
            note = f"no outcome from the provider for the refund of {format_pence(amount)}"
        self._state.history.append(
            HistoryEntry(at=workflow.now(), status=self._state.status, note=note)
        )

    async def _set_status(self, status: Status, note: str = "") -> None:
        if status == Status.REFUNDED and self._state.status != Status.REFUNDED:
            self._before_refunded = self._state.status
        if self._state.status == Status.REFUNDED and status != Status.REFUNDED:
            # refunded in full is final: later steps (a delivery) are only noted
            note = f"{status}: {note}" if note else str(status)
            self._state.history.append(
                HistoryEntry(at=workflow.now(), status=Status.REFUNDED, note=note)
            )
            return
        await self._record(status, note)

    async def _record(self, status: Status, note: str) -> None:
        self._state.status = status
        self._state.history.append(HistoryEntry(at=workflow.now(), status=status, note=note))
        await workflow.execute_local_activity_method(
            SubmissionActivities.record_status,
            StatusChange(self._start.reference, status, note),
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=QUICK,
        )

    # -- inputs -----------------------------------------------------------------------------------

    @workflow.signal
    def payment_event(self, update: PaymentUpdate) -> None:
        self._updates.append(update)

    @workflow.signal
    def retry_delivery(self) -> None:
        self._retry_delivery = True

    @workflow.update
    async def payment_link(self) -> PaymentLink:
        """Where the resident goes after submitting: waits until a payment exists or none is due."""
        await workflow.wait_condition(
            lambda: self._state.status != Status.SUBMITTED or self._state.next_url is not None
        )
        return self._link()

    @workflow.update
    async def check_payment(self) -> PaymentLink:
        """The resident is back from the card page: ask the provider, never the query string."""
        if self._state.status == Status.AWAITING_PAYMENT and self._state.provider_id:
            provider_id = self._state.provider_id
            update: PaymentUpdate = await workflow.execute_activity_method(
                SubmissionActivities.fetch_payment,
                args=[provider_id, "return"],
                start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=QUICK,
            )
            self._updates.append(update)
            if update.state in FINISHED_PAYMENT_STATES:
                await workflow.wait_condition(lambda: self._state.status != Status.AWAITING_PAYMENT)
        return self._link()

    @workflow.update
    async def retry_payment(self) -> PaymentLink:
        self._retry_payment = True
        await workflow.wait_condition(lambda: self._state.status != Status.PAYMENT_FAILED)
        return self._link()

    @retry_payment.validator
    def _validate_retry_payment(self) -> None:
        if self._state.status != Status.PAYMENT_FAILED:
            raise ValueError(
                f"a new payment can only follow a failed one (now {self._state.status})"
            )

    @workflow.update
    async def cancel(self) -> PaymentLink:
        self._cancel_requested = True
        await workflow.wait_condition(lambda: self._state.status not in CANCELLABLE)
        return self._link()

    @cancel.validator
    def _validate_cancel(self) -> None:
        if self._state.status not in CANCELLABLE:
            raise ValueError(f"a submission that is {self._state.status} cannot be cancelled")

    @workflow.update
    async def respond(self, response: DepartmentResponse) -> SubmissionState:
        self._response = response
        await workflow.wait_condition(lambda: self._handled is response)
        return self._state

    @respond.validator
    def _validate_respond(self, response: DepartmentResponse) -> None:
        if response.department != self._department:
            raise ValueError("this submission belongs to another department")
        allowed = RESPONSES_ALLOWED.get(self._state.status, frozenset())
        if response.outcome not in allowed:
            raise ValueError(
                f"a submission that is {self._state.status} cannot be {response.outcome}"
            )
        if self._response is not None:
            raise ValueError("another response is being recorded; try again")

    @workflow.update
    async def refund(self, request: RefundRequest) -> RefundResult:
        """Finance refunds part (or the rest) of the fee; the provider checks the refundable
        amount finance expected, so a second click with the same expectation refunds nothing."""
        self._refunding = True
        self._refunds += 1
        try:
            remaining: int = await workflow.execute_activity_method(
                SubmissionActivities.refund_part,
                RefundPart(
                    reference=self._start.reference,
                    number=self._refunds,
                    amount=request.amount,
                    expected_refundable=request.expected_refundable,
                    reason=request.reason,
                ),
                start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=PERSISTENT,
            )
        except ActivityError as exc:
            cause = exc.cause
            message = getattr(cause, "message", None) or str(cause or exc)
            raise ApplicationError(message, type="RefundRefused") from exc
        finally:
            self._refunding = False
        self._state.refunded = self._state.total - remaining
        note = f"refunded {format_pence(request.amount)}: {request.reason}"
        if remaining <= 0:
            await self._set_status(Status.REFUNDED, note)
        else:
            self._state.history.append(
                HistoryEntry(at=workflow.now(), status=self._state.status, note=note)
            )
        self._watch_refund(refund_key(self._start.reference, self._refunds), request.amount)
        return RefundResult(
            reference=self._start.reference,
            refunded=request.amount,
            refundable_remaining=remaining,
            status=self._state.status,
        )

    @refund.validator
    def _validate_refund(self, request: RefundRequest) -> None:
        if self._state.status not in REFUNDABLE or self._state.total <= 0:
            raise ValueError(
                f"Only a paid submission can be refunded; this one is {self._state.status}"
            )
        if self._refunding:
            raise ValueError("Another refund of this submission is being made; try again")
        refundable = self._state.total - self._state.refunded
        if not 0 < request.amount <= refundable:
            raise ValueError(
                f"At most {format_pence(refundable)} can be refunded; nothing was refunded"
            )

    @workflow.query
    def status(self) -> SubmissionState:
        return self._state

    def _link(self) -> PaymentLink:
        next_url = self._state.next_url if self._state.status == Status.AWAITING_PAYMENT else None
        return PaymentLink(status=self._state.status, next_url=next_url)
