"""Submissions API (api.md): create (Idempotency-Key), read, cancel, the department's answer."""

from __future__ import annotations

import asyncio
from typing import Any, Literal, cast

import msgspec
from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlmodel import col, select
from temporalio.client import Client

from counterfoil.platform import Platform
from counterfoil.platform.auth import Principal
from counterfoil.platform.db.models import Council, Delivery, DeliveryAttempt, Payment, Submission
from counterfoil.platform.errors import Conflict, InvalidRequest, NotFound, PlatformError
from counterfoil.platform.submissions import create_submission, submission_for
from counterfoil.web.api.auth import AUTH, platform_of
from counterfoil.web.ratelimit import limit_submissions
from counterfoil.workflows.submission.client import (
    cancel_submission,
    record_response,
    refund_submission,
    retry_delivery,
    start_submission,
    submission_state,
)
from counterfoil.workflows.submission.types import DepartmentResponse, RefundRequest

MAX_IDEMPOTENCY_KEY = 200


def temporal_of(request: Request[Any, Any, Any]) -> Client:
    return cast(Client, request.app.state.temporal)


class NewSubmission(msgspec.Struct, forbid_unknown_fields=True):
    answers: dict[str, Any]


class Fulfilment(msgspec.Struct, forbid_unknown_fields=True):
    outcome: Literal["accepted", "completed", "rejected"]
    note: str = msgspec.field(default="")


class RefundBody(msgspec.Struct, forbid_unknown_fields=True):
    amount: int
    reason: str
    expected_refundable: int


class RefundInvalid(PlatformError):
    """A refund whose values are well typed but make no sense: 422."""

    status = 422


def _store(
    platform: Platform,
    council: str,
    slug: str,
    answers: dict[str, Any],
    key: str | None,
) -> Submission:
    with platform.session() as session:
        return create_submission(session, council, slug, answers, key)


@post(
    "/councils/{council:str}/forms/{slug:str}/submissions",
    status_code=201,
    guards=[limit_submissions],
)
async def create(
    council: FromPath[str],
    slug: FromPath[str],
    data: JSONBody[NewSubmission],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
) -> dict[str, Any]:
    principal.require(council)
    key = request.headers.get("idempotency-key") or None
    if key is not None and len(key) > MAX_IDEMPOTENCY_KEY:
        raise InvalidRequest(f"Idempotency-Key must be at most {MAX_IDEMPOTENCY_KEY} characters")
    platform = platform_of(request)
    submission = await asyncio.to_thread(_store, platform, council, slug, data.answers, key)
    link = await start_submission(
        temporal_of(request), platform.settings, submission.reference, council
    )
    return {
        "reference": submission.reference,
        "status": link.status,
        "total": submission.total,
        "lines": submission.lines,
        "payment": {"next_url": link.next_url} if link.next_url else None,
    }


def _authorised(platform: Platform, reference: str, principal: Principal) -> Submission:
    """The submission, if the key may see it: its council's, and for a department key its own."""
    with platform.session() as session:
        submission = submission_for(session, reference, council_id=principal.council_id)
    departments = {r.split(":", 1)[1] for r in principal.roles if r.startswith("department:")}
    only_departments = principal.roles <= {f"department:{d}" for d in departments}
    if departments and only_departments and submission.department_slug not in departments:
        raise NotFound(f"There is no submission {reference}")
    return submission


def _record(platform: Platform, submission: Submission) -> dict[str, Any]:
    with platform.session() as session:
        council = session.get(Council, submission.council_id)
        payments = session.exec(
            select(Payment)
            .where(Payment.submission_id == submission.id)
            .order_by(col(Payment.attempt))
        ).all()
        delivery = session.exec(
            select(Delivery).where(Delivery.submission_id == submission.id)
        ).first()
        attempts = (
            session.exec(
                select(DeliveryAttempt)
                .where(DeliveryAttempt.delivery_id == delivery.id)
                .order_by(col(DeliveryAttempt.attempted_at))
            ).all()
            if delivery
            else []
        )
    return {
        "reference": submission.reference,
        "council": council.slug if council else None,
        "form": {"slug": submission.form_slug, "version": submission.form_version},
        "department": submission.department_slug,
        "lines": submission.lines,
        "total": submission.total,
        "created_at": submission.created_at,
        # set once retention removed the answers; status, lines and payments stay readable
        "anonymised_at": submission.anonymised_at,
        "payments": [
            {
                "attempt": p.attempt,
                "provider": p.provider,
                "provider_id": p.provider_id,
                "amount": p.amount,
                "state": p.state,
            }
            for p in payments
        ],
        "delivery": {
            "webhook_id": delivery.webhook_id,
            "status": delivery.status,
            "attempts": [
                {
                    "at": a.attempted_at,
                    "status_code": a.status_code,
                    "latency_ms": a.latency_ms,
                    "error": a.error,
                }
                for a in attempts
            ],
        }
        if delivery
        else None,
    }


@get("/submissions/{reference:str}")
async def read(
    reference: FromPath[str], request: Request[Any, Any, Any], principal: NamedDependency[Principal]
) -> dict[str, Any]:
    platform = platform_of(request)
    submission = await asyncio.to_thread(_authorised, platform, reference, principal)
    body = await asyncio.to_thread(_record, platform, submission)
    state = await submission_state(temporal_of(request), platform.settings, reference)
    return {
        **body,
        "status": state.status,
        "history": [{"at": h.at, "status": h.status, "note": h.note} for h in state.history],
    }


@post("/submissions/{reference:str}/cancel", status_code=200)
async def cancel(
    reference: FromPath[str], request: Request[Any, Any, Any], principal: NamedDependency[Principal]
) -> dict[str, Any]:
    platform = platform_of(request)
    submission = await asyncio.to_thread(_authorised, platform, reference, principal)
    principal.require(principal.council_slug, "agent", "admin")
    link = await cancel_submission(temporal_of(request), platform.settings, submission.reference)
    return {"reference": reference, "status": link.status}


@post("/submissions/{reference:str}/fulfilment", status_code=200)
async def fulfil(
    reference: FromPath[str],
    data: JSONBody[Fulfilment],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
) -> dict[str, Any]:
    platform = platform_of(request)
    submission = await asyncio.to_thread(_authorised, platform, reference, principal)
    principal.require(principal.council_slug, f"department:{submission.department_slug}")
    state = await record_response(
        temporal_of(request),
        platform.settings,
        reference,
        DepartmentResponse(
            outcome=data.outcome, department=submission.department_slug, note=data.note
        ),
    )
    return {"reference": reference, "status": state.status}


@post("/submissions/{reference:str}/retry-delivery", status_code=202)
async def retry(
    reference: FromPath[str], request: Request[Any, Any, Any], principal: NamedDependency[Principal]
) -> dict[str, Any]:
    """Staff: start the delivery schedule again for a submission whose delivery failed."""
    platform = platform_of(request)
    await asyncio.to_thread(_authorised, platform, reference, principal)
    principal.require(principal.council_slug, "admin")
    state = await submission_state(temporal_of(request), platform.settings, reference)
    if state.status != "delivery_failed":
        raise Conflict(f"Only a failed delivery can be retried; this submission is {state.status}")
    await retry_delivery(temporal_of(request), platform.settings, reference)
    return {"reference": reference, "status": "delivering"}


@post("/submissions/{reference:str}/refunds", status_code=201)
async def refund(
    reference: FromPath[str], request: Request[Any, Any, Any], principal: NamedDependency[Principal]
) -> dict[str, Any]:
    """Finance: refund part or the rest of a paid submission's fee (api.md)."""
    platform = platform_of(request)
    await asyncio.to_thread(_authorised, platform, reference, principal)
    principal.require(principal.council_slug, "finance")
    # decoded strictly here: money is never a string or a float that happens to convert
    try:
        data = msgspec.json.decode(await request.body(), type=RefundBody, strict=True)
    except msgspec.ValidationError as exc:
        raise InvalidRequest(f"The refund is not valid: {exc}") from exc
    except msgspec.DecodeError as exc:
        raise InvalidRequest(f"The request body is not valid JSON: {exc}") from exc
    problems = []
    if data.amount <= 0:
        problems.append(("/amount", "The amount must be more than 0 pence"))
    if data.expected_refundable <= 0:
        problems.append(("/expected_refundable", "The refundable amount must be more than 0"))
    if not data.reason.strip():
        problems.append(("/reason", "Give a reason for the refund"))
    if problems:
        raise RefundInvalid("The refund cannot be made", problems)
    result = await refund_submission(
        temporal_of(request),
        platform.settings,
        reference,
        RefundRequest(
            amount=data.amount,
            expected_refundable=data.expected_refundable,
            reason=data.reason.strip(),
        ),
    )
    return {
        "reference": result.reference,
        "refunded": result.refunded,
        "refundable_remaining": result.refundable_remaining,
        "status": result.status,
    }


submissions_router = Router(
    path="/api/v1",
    route_handlers=[create, read, cancel, fulfil, retry, refund],
    dependencies=AUTH,
    tags=["submissions"],
)
