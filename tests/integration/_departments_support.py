"""Loopback serving and seed rows for the departments tests (deliveries, API, demo inbox)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import uvicorn
from litestar import Litestar, Request, Response, post
from sqlmodel import select
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from counterfoil.platform import Platform
from counterfoil.platform.db.models import Council, Payment, Submission


@contextmanager
def serving(make_app: Callable[[str], Litestar]) -> Iterator[str]:
    """Serve the app that `make_app(base_url)` builds on a free loopback port, in a thread."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(make_app(base_url), log_level="warning", lifespan="on", ws="none")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 10
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError("the loopback server did not start")
                time.sleep(0.01)
            yield base_url
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def closed_port_url() -> str:
    """A loopback URL where nothing listens, so a connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/hook"


def add_council(platform: Platform, slug: str) -> None:
    with platform.session() as session:
        session.add(Council(slug=slug, name=f"{slug.title()} Council", logo_text=slug.title()))


def add_submission(
    platform: Platform,
    council_slug: str,
    reference: str,
    department_slug: str,
    *,
    total: int = 2500,
    payments: tuple[str, ...] = ("success",),
    status: str = "paid",
) -> None:
    """A submission routed to the department, with one Payment row per state given (in order)."""
    lines: list[dict[str, Any]] = [
        {"id": "fee", "description": "Permit fee", "amount": total, "fund": "F100", "vat": "O"}
    ]
    with platform.session() as session:
        council = session.exec(select(Council).where(Council.slug == council_slug)).one()
        submission = Submission(
            council_id=council.id,
            reference=reference,
            form_slug="bulky-waste",
            form_version=3,
            department_slug=department_slug,
            answers={"items": ["sofa", "fridge"], "postcode": "AB1 2CD"},
            lines=lines if total else [],
            total=total,
            status=status,
            created_at=datetime(2026, 11, 26, 9, 30, tzinfo=UTC),
        )
        session.add(submission)
        session.flush()
        for attempt, state in enumerate(payments if total else (), start=1):
            session.add(
                Payment(
                    submission_id=submission.id,
                    attempt=attempt,
                    provider="sandbox",
                    provider_id=f"pay-{reference}-{attempt}",
                    amount=total,
                    state=state,
                    idempotency_key=f"{reference}-payment-{attempt}",
                )
            )


@dataclass
class Receiver:
    """A department's endpoint: verifies each delivery with its secret and answers as scripted."""

    secret: str = ""
    answers: list[int] = field(default_factory=lambda: [200])
    delay: float = 0.0
    received: list[tuple[dict[str, str], str, bool]] = field(default_factory=list)

    def app(self, _base_url: str) -> Litestar:
        @post("/hook")
        async def hook(request: Request[object, object, object]) -> Response[bytes]:
            body = (await request.body()).decode()
            headers = dict(request.headers)
            try:
                Webhook(self.secret).verify(body, headers)
                verified = True
            except WebhookVerificationError:
                verified = False
            self.received.append((headers, body, verified))
            await asyncio.sleep(self.delay)
            status = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
            return Response(b"", status_code=status)

        return Litestar([hook])
