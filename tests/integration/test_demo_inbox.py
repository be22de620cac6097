"""The demo department inbox, served by the real app over loopback: it verifies deliveries, keeps
forged ones for people to see, and answers through a fulfilment endpoint over HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from _departments_support import add_council, add_submission, serving
from litestar import Litestar, Request, Response, post
from sqlmodel import select
from standardwebhooks import Webhook

from counterfoil.platform import Platform, Settings
from counterfoil.platform.auth import authenticate
from counterfoil.platform.db.models import InboxMessage
from counterfoil.platform.departments import (
    create_department,
    deliver_submission,
    provision_demo_inbox,
)
from counterfoil.web.app import create_app


@dataclass
class Fulfilment:
    """Stands in for the fulfilment API (another area's endpoint): records calls, answers as set."""

    status: int = 200
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def app(self, _base_url: str) -> Litestar:
        @post("/api/v1/submissions/{reference:str}/fulfilment", status_code=200)
        async def fulfil(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
            body = await request.json()
            self.calls.append((request.url.path, request.headers["authorization"], body))
            if self.status == 200:
                return Response({"status": body["outcome"]})
            detail = {"status": self.status, "detail": "The submission is already rejected"}
            return Response(detail, status_code=self.status)

        return Litestar([fulfil])


@dataclass
class Inbox:
    platform: Platform
    base_url: str
    http: httpx.Client
    fulfilment: Fulfilment
    secret: str


@pytest.fixture
def inbox(tmp_path: Path, database_url: str) -> Iterator[Inbox]:
    fulfilment = Fulfilment()
    with serving(fulfilment.app) as api_url:
        settings = Settings(var_dir=tmp_path, database_url=database_url, public_url=api_url)
        platform = Platform.open(settings)
        with (
            serving(lambda _: create_app(platform, connect_temporal=False)) as base_url,
            httpx.Client(base_url=base_url) as http,
        ):
            add_council(platform, "exeter")
            created = create_department(
                platform,
                "exeter",
                slug="waste",
                name="Waste",
                webhook_url=f"{base_url}/dev/inbox/receive/exeter/waste",
            )
            provision_demo_inbox(platform, "exeter", "waste")
            yield Inbox(platform, base_url, http, fulfilment, created.secret)
        platform.close()


def stored(platform: Platform) -> list[InboxMessage]:
    with platform.session() as session:
        return list(session.exec(select(InboxMessage)).all())


@pytest.mark.asyncio
async def test_signed_delivery_is_verified_and_listed(inbox: Inbox) -> None:
    add_submission(inbox.platform, "exeter", "EXE-7K4M-Q2XD", "waste")

    async with httpx.AsyncClient() as http:
        result = await deliver_submission(inbox.platform, "EXE-7K4M-Q2XD", http)
    page = inbox.http.get("/dev/inbox/exeter")

    assert result.status_code == 204
    [message] = stored(inbox.platform)
    assert (message.reference, message.verified) == ("EXE-7K4M-Q2XD", True)
    assert page.status_code == 200
    assert "EXE-7K4M-Q2XD" in page.text
    assert "✓ Verified" in page.text
    assert "AB1 2CD" in page.text
    assert "£25.00" in page.text
    assert page.text.count('name="outcome"') == 3


def test_forged_delivery_is_refused_but_kept_for_people_to_see(inbox: Inbox) -> None:
    body = '{"reference":"EXE-FAKE-0001","total":1}'
    now = datetime.now(UTC)
    forged = Webhook("whsec_" + "Zm9yZ2VkLXNlY3JldC1mb3JnZWQtc2VjcmV0").sign("msg_1", now, body)

    response = inbox.http.post(
        "/dev/inbox/receive/exeter/waste",
        content=body,
        headers={
            "webhook-id": "msg_1",
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": forged,
        },
    )
    page = inbox.http.get("/dev/inbox/exeter")

    assert response.status_code == 401
    [message] = stored(inbox.platform)
    assert (message.reference, message.verified) == ("EXE-FAKE-0001", False)
    assert "✗ Not verified" in page.text
    assert 'name="outcome"' not in page.text


@pytest.mark.parametrize("headers", [{}, {"webhook-signature": "not-a-signature"}])
def test_malformed_signature_headers_are_refused(inbox: Inbox, headers: dict[str, str]) -> None:
    now = str(int(datetime.now(UTC).timestamp()))
    headers = {"webhook-id": "msg_2", "webhook-timestamp": now, **headers}

    response = inbox.http.post("/dev/inbox/receive/exeter/waste", content=b"{}", headers=headers)

    assert response.status_code == 401
    assert [m.verified for m in stored(inbox.platform)] == [False]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("status", "banner"),
    [
        (200, "The API recorded rejected for EXE-7K4M-Q2XD"),
        (409, "(HTTP 409): The submission is already rejected"),
    ],
)
async def test_respond_button_calls_the_fulfilment_api_with_the_department_key(
    inbox: Inbox, status: int, banner: str
) -> None:
    inbox.fulfilment.status = status
    add_submission(inbox.platform, "exeter", "EXE-7K4M-Q2XD", "waste")
    async with httpx.AsyncClient() as http:
        await deliver_submission(inbox.platform, "EXE-7K4M-Q2XD", http)
    page = inbox.http.get("/dev/inbox/exeter")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token is not None

    answered = inbox.http.post(
        "/dev/inbox/exeter/respond/EXE-7K4M-Q2XD",
        data={
            "_csrf_token": token[1],
            "department": "waste",
            "outcome": "rejected",
            "note": "Not a bulky item",
        },
        follow_redirects=True,
    )

    [(path, authorization, body)] = inbox.fulfilment.calls
    assert path == "/api/v1/submissions/EXE-7K4M-Q2XD/fulfilment"
    assert body == {"outcome": "rejected", "note": "Not a bulky item"}
    principal = authenticate(inbox.platform, authorization.removeprefix("Bearer "))
    assert (principal.council_slug, principal.roles) == ("exeter", frozenset({"department:waste"}))
    assert answered.url.path == "/dev/inbox/exeter"
    assert banner in answered.text
    assert banner not in inbox.http.get("/dev/inbox/exeter").text


def test_respond_without_csrf_token_is_refused(inbox: Inbox) -> None:
    response = inbox.http.post(
        "/dev/inbox/exeter/respond/EXE-7K4M-Q2XD",
        data={"department": "waste", "outcome": "accepted", "note": ""},
    )

    assert response.status_code in (400, 403)
    assert inbox.fulfilment.calls == []
