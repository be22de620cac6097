"""Delivering one submission to its department: a Standard Webhooks signed POST, or the email outbox
for a department without an endpoint. Called by a Temporal activity that retries on its schedule, so
each call is one attempt and every attempt sends the same id and the same body (lifecycle.md)."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from sqlmodel import Session, col, func, select
from standardwebhooks import Webhook

from counterfoil.platform.context import Platform
from counterfoil.platform.db.models import (
    Council,
    Delivery,
    DeliveryAttempt,
    Department,
    Submission,
)
from counterfoil.platform.departments.errors import DeliveryFailed, NoDestination
from counterfoil.platform.departments.payload import submission_payload
from counterfoil.platform.errors import NotFound
from counterfoil.platform.notifications import queue_email, send_email
from counterfoil.rules import format_pence

USER_AGENT = "Counterfoil-Webhooks/1"


@dataclass(frozen=True)
class DeliveryResult:
    """How the submission reached its department. `queue`: it has neither endpoint nor email and
    pulls its submissions from the API instead."""

    reference: str
    channel: Literal["webhook", "email", "queue"]
    webhook_id: str | None = None
    attempts: int = 0
    status_code: int | None = None


@dataclass(frozen=True)
class _Pending:
    delivery_id: int
    webhook_id: str
    url: str
    body: str
    secret: str


def webhook_id_for(reference: str) -> str:
    return f"msg_{reference}"


async def deliver_submission(
    platform: Platform, reference: str, http: httpx.AsyncClient
) -> DeliveryResult:
    """Make one attempt; raise DeliveryFailed when the department did not take it."""
    # The database is synchronous: keep it off the event loop the worker's activities share.
    prepared = await asyncio.to_thread(_prepare, platform, reference)
    if isinstance(prepared, DeliveryResult):
        if prepared.channel == "email":
            await asyncio.to_thread(send_email, platform, department_email_key(reference))
        return prepared
    status_code, latency_ms, error = await _post(platform, prepared, http)
    attempts = await asyncio.to_thread(
        _record, platform, prepared.delivery_id, status_code, latency_ms, error
    )
    if status_code is None or not 200 <= status_code < 300:
        raise DeliveryFailed(prepared.webhook_id, status_code, error)
    return DeliveryResult(reference, "webhook", prepared.webhook_id, attempts, status_code)


def _prepare(platform: Platform, reference: str) -> _Pending | DeliveryResult:
    with platform.session() as session:
        submission = session.exec(
            select(Submission).where(Submission.reference == reference)
        ).one_or_none()
        if submission is None:
            raise NotFound(f"There is no submission {reference}")
        council = session.get_one(Council, submission.council_id)
        department = session.exec(
            select(Department).where(
                Department.council_id == submission.council_id,
                Department.slug == submission.department_slug,
            )
        ).one_or_none()
        if department is None:
            raise NoDestination(reference, submission.department_slug)
        public_url = platform.settings.resolved_public_url
        if not department.webhook_url:
            if department.email:
                payload = submission_payload(session, submission, council.slug, public_url)
                _queue_email(session, council, department.email, payload)
                return DeliveryResult(reference, "email")
            return DeliveryResult(reference, "queue")

        webhook_id = webhook_id_for(reference)
        delivery = session.exec(
            select(Delivery).where(Delivery.webhook_id == webhook_id)
        ).one_or_none()
        if delivery is None:
            # Built once and kept: a retry after a crash must not send a different body.
            payload = submission_payload(session, submission, council.slug, public_url)
            body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
            assert submission.id is not None
            delivery = Delivery(
                submission_id=submission.id,
                webhook_id=webhook_id,
                url=department.webhook_url,
                body=body,
            )
            session.add(delivery)
            session.flush()
        elif delivery.status == "delivered":
            return DeliveryResult(
                reference, "webhook", webhook_id, _attempt_count(session, delivery)
            )
        # A staff retry after the department fixed its URL should reach the new one.
        delivery.url = department.webhook_url
        assert delivery.id is not None
        return _Pending(delivery.id, webhook_id, delivery.url, delivery.body, department.secret)


async def _post(
    platform: Platform, pending: _Pending, http: httpx.AsyncClient
) -> tuple[int | None, int, str | None]:
    # A fresh timestamp per attempt: receivers refuse signatures older than five minutes.
    now = datetime.now(UTC)
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": pending.webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(pending.secret).sign(pending.webhook_id, now, pending.body),
    }
    started = time.perf_counter()
    try:
        # Streamed and never read: only the status matters, and a department's reply may be large.
        async with http.stream(
            "POST",
            pending.url,
            content=pending.body.encode(),
            headers=headers,
            timeout=platform.settings.delivery_timeout.total_seconds(),
        ) as response:
            status_code: int | None = response.status_code
            error = None
    except httpx.HTTPError as exc:
        status_code, error = None, f"{type(exc).__name__}: {exc}"[:1000]
    return status_code, round((time.perf_counter() - started) * 1000), error


def _record(
    platform: Platform,
    delivery_id: int,
    status_code: int | None,
    latency_ms: int,
    error: str | None,
) -> int:
    with platform.session() as session:
        session.add(
            DeliveryAttempt(
                delivery_id=delivery_id, status_code=status_code, latency_ms=latency_ms, error=error
            )
        )
        delivery = session.get_one(Delivery, delivery_id)
        if status_code is not None and 200 <= status_code < 300:
            delivery.status = "delivered"
            delivery.delivered_at = datetime.now(UTC)
        session.flush()
        return _attempt_count(session, delivery)


def _attempt_count(session: Session, delivery: Delivery) -> int:
    return session.exec(
        select(func.count()).where(col(DeliveryAttempt.delivery_id) == delivery.id)
    ).one()


def _queue_email(session: Session, council: Council, to: str, payload: dict[str, Any]) -> None:
    assert council.id is not None
    queue_email(
        session,
        council_id=council.id,
        dedupe_key=department_email_key(payload["reference"]),
        to=to,
        subject=f"New submission {payload['reference']}: {payload['form']['slug']}",
        body=_email_body(payload),
    )


def department_email_key(reference: str) -> str:
    return f"{reference}-department"


def _email_body(payload: dict[str, Any]) -> str:
    answers = payload["answers"] or {}
    lines = [
        f"Reference: {payload['reference']}",
        f"Form: {payload['form']['slug']} (version {payload['form']['version']})",
        f"Submitted: {payload['submitted_at']}",
        f"Total: {format_pence(payload['total'])}",
        "",
        "Answers:",
        *(f"  {key}: {json.dumps(value, ensure_ascii=False)}" for key, value in answers.items()),
        "",
        "Fees:",
        *(f"  {line['description']}: {format_pence(line['amount'])}" for line in payload["lines"]),
        "",
        f"Accept, complete or reject it with: POST {payload['respond_url']}",
    ]
    return "\n".join(lines)
