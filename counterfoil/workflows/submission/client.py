"""Talking to a submission's workflow from the web: start it, ask it, tell it.

Temporal's errors are translated here into the platform's domain errors, so `web` maps them to
responses in its one place: a refused Update is a Conflict, no answer in time is Unavailable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from temporalio.client import (
    Client,
    RPCTimeoutOrCancelledError,
    WithStartWorkflowOperation,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError, RPCStatusCode

from counterfoil.platform import Settings
from counterfoil.platform.errors import Conflict, NotFound, Unavailable
from counterfoil.workflows.submission.types import (
    DepartmentResponse,
    PaymentLink,
    RefundRequest,
    RefundResult,
    SubmissionInput,
    SubmissionState,
    Timings,
)
from counterfoil.workflows.submission.workflows import SubmissionWorkflow

T = TypeVar("T")


def timings(settings: Settings) -> Timings:
    return Timings(
        payment_expiry=settings.payment_expiry,
        reconciliation_backoff=list(settings.reconciliation_backoff),
        delivery_retry_schedule=list(settings.delivery_retry_schedule),
        delivery_timeout=settings.delivery_timeout,
        refund_window=settings.refund_window,
    )


async def _answer(settings: Settings, call: Awaitable[T]) -> T:
    try:
        return await asyncio.wait_for(call, settings.update_timeout.total_seconds())
    except (TimeoutError, RPCTimeoutOrCancelledError) as exc:
        # ours (wait_for) or the client's own RPC deadline: either way, no answer in time
        raise Unavailable("The submission service is busy; try again in a moment") from exc
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        raise Conflict(str(getattr(cause, "message", None) or cause or exc)) from exc
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise NotFound("There is no such submission") from exc
        raise Unavailable("The submission service cannot be reached; try again shortly") from exc


async def start_submission(
    client: Client, settings: Settings, reference: str, council: str
) -> PaymentLink:
    """Start the workflow (or find it, when started) and wait for where the resident goes next."""
    operation = WithStartWorkflowOperation(
        SubmissionWorkflow.run,
        SubmissionInput(reference=reference, council=council, timings=timings(settings)),
        id=reference,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        task_queue=settings.task_queue,
    )
    return await _answer(
        settings,
        client.execute_update_with_start_workflow(
            SubmissionWorkflow.payment_link, start_workflow_operation=operation
        ),
    )


async def submission_state(client: Client, settings: Settings, reference: str) -> SubmissionState:
    handle = client.get_workflow_handle_for(SubmissionWorkflow.run, reference)
    return await _answer(settings, handle.query(SubmissionWorkflow.status))


async def check_payment(client: Client, settings: Settings, reference: str) -> PaymentLink:
    handle = client.get_workflow_handle_for(SubmissionWorkflow.run, reference)
    return await _answer(settings, handle.execute_update(SubmissionWorkflow.check_payment))


async def retry_payment(client: Client, settings: Settings, reference: str) -> PaymentLink:
    handle = client.get_workflow_handle_for(SubmissionWorkflow.run, reference)
    return await _answer(settings, handle.execute_update(SubmissionWorkflow.retry_payment))


async def cancel_submission(client: Client, settings: Settings, reference: str) -> PaymentLink:
    handle = client.get_workflow_handle_for(SubmissionWorkflow.run, reference)
    return await _answer(settings, handle.execute_update(SubmissionWorkflow.cancel))


async def record_response(
    client: Client, settings: Settings, reference: str, response: DepartmentResponse
) -> SubmissionState:
    handle = client.get_workflow_handle_for(SubmissionWorkflow.run, reference)
    return await _answer(settings, handle.execute_update(SubmissionWorkflow.respond, response))


async def retry_delivery(client: Client, settings: Settings, reference: str) -> None:
    handle = client.get_workflow_handle_for(SubmissionWorkflow.run, reference)
    await _answer(settings, handle.signal(SubmissionWorkflow.retry_delivery))


async def refund_submission(
    client: Client, settings: Settings, reference: str, request: RefundRequest
) -> RefundResult:
    handle = client.get_workflow_handle_for(SubmissionWorkflow.run, reference)
    try:
        return await _answer(settings, handle.execute_update(SubmissionWorkflow.refund, request))
    except NotFound:
        # a finished workflow takes no Update; its last state says why (NotFound if none at all)
        state = await submission_state(client, settings, reference)
        raise Conflict(
            f"Only a paid submission can be refunded; this one is {state.status}"
        ) from None
