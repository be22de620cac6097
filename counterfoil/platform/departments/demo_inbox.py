"""The built-in demo department (architecture.md): it receives deliveries like a real department's
endpoint, checks their signatures, and answers through the public fulfilment API with a department
key. Demo only: that key is kept in plaintext (DemoInboxKey) so the inbox page can use it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from counterfoil.platform.auth.keys import create_api_key
from counterfoil.platform.context import Platform
from counterfoil.platform.db.models import Council, DemoInboxKey, Department, InboxMessage
from counterfoil.platform.departments.secrets import signature_verifies
from counterfoil.platform.errors import NotFound
from counterfoil.platform.settings import Settings

SHOWN_MESSAGES = 100
# What the page shows of a delivery's headers: enough to see why a signature failed.
KEPT_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature", "content-type")


@dataclass(frozen=True)
class ReceivedMessage:
    department_slug: str
    webhook_id: str
    verified: bool
    received_at: datetime
    headers: dict[str, Any]
    body: str
    # The parsed body, or None when it is not a JSON object (a forged delivery may be anything).
    document: dict[str, Any] | None


def demo_inbox_url(settings: Settings, council_slug: str, department_slug: str) -> str:
    """The webhook URL to give a department whose deliveries the demo inbox should receive."""
    return f"{settings.resolved_public_url}/dev/inbox/receive/{council_slug}/{department_slug}"


def provision_demo_inbox(platform: Platform, council_slug: str, department_slug: str) -> None:
    """Give the demo inbox a `department:<slug>` key for this department; idempotent."""
    with platform.session() as session:
        if _demo_key(session, council_slug, department_slug) is not None:
            return
    key = create_api_key(platform, council_slug, [f"department:{department_slug}"])
    with platform.session() as session:
        session.add(
            DemoInboxKey(council_slug=council_slug, department_slug=department_slug, api_key=key)
        )


def demo_key(platform: Platform, council_slug: str, department_slug: str) -> str | None:
    with platform.session() as session:
        row = _demo_key(session, council_slug, department_slug)
        return row.api_key if row else None


def receive(
    platform: Platform,
    council_slug: str,
    department_slug: str,
    body: bytes,
    headers: Mapping[str, str],
) -> bool:
    """Check and keep one delivery, forged or not, so a person can see either; True if it verified.
    A verified id seen before is not kept again: a retried delivery may arrive twice."""
    with platform.session() as session:
        department = session.exec(
            select(Department)
            .join(Council, Council.id == Department.council_id)  # type: ignore[arg-type]
            .where(Council.slug == council_slug, Department.slug == department_slug)
        ).one_or_none()
        if department is None:
            raise NotFound(f"There is no department {department_slug!r}")
        verified = signature_verifies(department, body, headers, datetime.now(UTC))
        webhook_id = headers.get("webhook-id", "")[:100]
        if verified and _seen(session, council_slug, webhook_id):
            return True
        text = body.decode(errors="replace")
        document = _document(text)
        reference = document.get("reference") if document else None
        session.add(
            InboxMessage(
                council_slug=council_slug,
                department_slug=department_slug,
                webhook_id=webhook_id,
                reference=reference[:32] if isinstance(reference, str) else None,
                verified=verified,
                headers={k: headers[k] for k in KEPT_HEADERS if k in headers},
                body=text,
            )
        )
    return verified


def messages(platform: Platform, council_slug: str) -> list[ReceivedMessage]:
    with platform.session() as session:
        if session.exec(select(Council.id).where(Council.slug == council_slug)).first() is None:
            raise NotFound(f"There is no council {council_slug!r}")
        rows = session.exec(
            select(InboxMessage)
            .where(InboxMessage.council_slug == council_slug)
            .order_by(col(InboxMessage.received_at).desc(), col(InboxMessage.id).desc())
            .limit(SHOWN_MESSAGES)
        ).all()
    return [
        ReceivedMessage(
            row.department_slug,
            row.webhook_id,
            row.verified,
            row.received_at,
            row.headers or {},
            row.body,
            _document(row.body),
        )
        for row in rows
    ]


def _seen(session: Session, council_slug: str, webhook_id: str) -> bool:
    return (
        session.exec(
            select(InboxMessage.id).where(
                InboxMessage.council_slug == council_slug,
                InboxMessage.webhook_id == webhook_id,
                InboxMessage.verified == True,  # noqa: E712 (an SQL expression, not a comparison)
            )
        ).first()
        is not None
    )


def _demo_key(session: Session, council_slug: str, department_slug: str) -> DemoInboxKey | None:
    return session.exec(
        select(DemoInboxKey).where(
            DemoInboxKey.council_slug == council_slug,
            DemoInboxKey.department_slug == department_slug,
        )
    ).one_or_none()


def _document(text: str) -> dict[str, Any] | None:
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None
