"""Pages of the built-in demo department (architecture.md): its webhook endpoint, its inbox, and
buttons that answer through the real fulfilment API over HTTP, as a department's system would."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Literal
from urllib.parse import quote

import httpx
import msgspec
from litestar import Request, Router, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from counterfoil.platform.departments import (
    ReceivedMessage,
    demo_key,
    messages,
    receive,
    respond_url,
)
from counterfoil.platform.errors import Unauthenticated
from counterfoil.platform.settings import Settings
from counterfoil.rules import format_pence
from counterfoil.web.api.auth import platform_of

BANNER = "demo_inbox_banner"


class Outcome(msgspec.Struct):
    department: str
    outcome: Literal["accepted", "completed", "rejected"]
    note: str = ""


@post("/dev/inbox/receive/{council:str}/{department:str}", status_code=204)
async def receive_delivery(
    request: Request[Any, Any, Any], council: FromPath[str], department: FromPath[str]
) -> None:
    """The demo department's webhook endpoint: 204 when the signature verifies, 401 when not."""
    body = await request.body()
    headers = {key.lower(): value for key, value in request.headers.items()}
    if not await asyncio.to_thread(
        receive, platform_of(request), council, department, body, headers
    ):
        raise Unauthenticated("The signature does not verify with the department's secrets")


@get("/dev/inbox/{council:str}", sync_to_thread=True)
def inbox(request: Request[Any, Any, Any], council: FromPath[str]) -> Template:
    received = messages(platform_of(request), council)
    # The banner is shown once: after the redirect that follows a response button.
    session = dict(request.session or {})
    banner = session.pop(BANNER, None)
    if banner is not None:
        request.set_session(session)
    return Template(
        "demo_inbox/inbox.html",
        context={
            "council_slug": council,
            "messages": [_view(m) for m in received],
            "banner": banner,
        },
    )


@post("/dev/inbox/{council:str}/respond/{reference:str}")
async def respond(
    request: Request[Any, Any, Any],
    council: FromPath[str],
    reference: FromPath[str],
    data: URLEncodedBody[Outcome],
) -> Redirect:
    """Answer as the department, through the public API, and show what the API said."""
    platform = platform_of(request)
    key = await asyncio.to_thread(demo_key, platform, council, data.department)
    if key is None:
        banner = _banner(False, f"The demo inbox has no API key for {data.department}")
    else:
        banner = await _call_fulfilment(platform.settings, reference, data, key)
    request.set_session({**(request.session or {}), BANNER: banner})
    return Redirect(f"/dev/inbox/{council}", status_code=303)


async def _call_fulfilment(
    settings: Settings, reference: str, data: Outcome, key: str
) -> dict[str, str]:
    url = respond_url(settings.resolved_public_url, quote(reference, safe=""))
    # The API waits up to update_timeout for a worker before it answers 503.
    timeout = settings.update_timeout.total_seconds() + 5
    try:
        async with httpx.AsyncClient(timeout=timeout) as http:
            answer = await http.post(
                url,
                json={"outcome": data.outcome, "note": data.note},
                headers={"authorization": f"Bearer {key}"},
            )
    except httpx.HTTPError as exc:
        return _banner(False, f"The fulfilment API could not be reached: {exc}")
    if answer.is_success:
        return _banner(True, f"The API recorded {data.outcome} for {reference}")
    return _banner(
        False,
        f"The API refused {data.outcome} for {reference} (HTTP {answer.status_code}): "
        + _detail(answer),
    )


def _detail(answer: httpx.Response) -> str:
    try:
        problem = answer.json()
    except ValueError:
        return answer.text[:200] or answer.reason_phrase
    if not isinstance(problem, dict):
        return str(problem)[:200]
    parts = [str(problem.get("detail") or answer.reason_phrase)]
    parts += [
        f"{e.get('pointer', '')} {e.get('message', '')}".strip()
        for e in problem.get("errors") or []
    ]
    return "; ".join(parts)


def _banner(success: bool, text: str) -> dict[str, str]:
    return {"type": "success" if success else "important", "text": text}


def _view(message: ReceivedMessage) -> dict[str, Any]:
    # Only a verified body is ours; the rest is shown defensively, whatever shape it has.
    document = message.document or {}
    answers = document.get("answers")
    lines = document.get("lines")
    return {
        "reference": document.get("reference"),
        "department": message.department_slug,
        "verified": message.verified,
        "webhook_id": message.webhook_id,
        "received_at": message.received_at.strftime("%-d %B %Y %H:%M:%S UTC"),
        "answers": [(k, _plain(v)) for k, v in answers.items()]
        if isinstance(answers, dict)
        else [],
        "lines": [
            (str(line.get("description", "")), _money(line.get("amount")))
            for line in (lines if isinstance(lines, list) else [])
            if isinstance(line, dict)
        ],
        "total": _money(document.get("total")),
        "headers": json.dumps(message.headers, indent=2),
        "body": message.body,
    }


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _money(pence: Any) -> str:
    return format_pence(pence) if isinstance(pence, int) else ""


demo_inbox_router = Router(path="/", route_handlers=[receive_delivery, inbox, respond])
