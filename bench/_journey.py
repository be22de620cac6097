"""What a benchmark's residents do over HTTP (httpx async): create a paid submission through the API
and pay on the sandbox card page, retrying as a careful client would while a fault lasts."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import httpx

from counterfoil.platform.seed import demo_definitions

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
CARD = "4242 4242 4242 4242"
FORM = "bulky-waste"
CARD_FIELDS = {
    "card_number": CARD,
    "expiry_month": "12",
    "expiry_year": "2035",
    "cardholder_name": "Sam Resident",
    "cvc": "123",
    "action": "pay",
}


class Gave(Exception):
    """A step still failed when its deadline passed."""


def paid_answers(form: str = FORM) -> dict[str, Any]:
    """Answers from the form's own tests that make it cost something."""
    definition: dict[str, Any] = next(d for d in demo_definitions() if d["slug"] == form)
    return next(
        t["answers"]
        for t in definition["tests"]
        if t["expect"]["valid"] and t["expect"].get("total", 0) > 0
    )


def csrf(html: str) -> str | None:
    found = CSRF.search(html)
    return found.group(1) if found else None


async def _retrying(deadline: float, attempt: Any, log: list[str]) -> Any:
    """Call `attempt()` until it returns non-None; transport errors and 5xx answers retry."""
    delay = 0.25
    while True:
        try:
            result = await attempt()
            if result is not None:
                return result
        except httpx.HTTPError as exc:
            log.append(type(exc).__name__)
        if time.monotonic() > deadline:
            raise Gave(f"still failing: {log[-3:]}")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 2.0)


async def create_submission(
    http: httpx.AsyncClient,
    key: str,
    answers: dict[str, Any],
    idempotency_key: str,
    deadline: float,
    log: list[str],
) -> tuple[str, str]:
    """(reference, card page URL); the same Idempotency-Key makes every retry the same request."""

    async def attempt() -> tuple[str, str] | None:
        response = await http.post(
            f"/api/v1/councils/demo/forms/{FORM}/submissions",
            json={"answers": answers},
            headers={"Authorization": f"Bearer {key}", "Idempotency-Key": idempotency_key},
        )
        if response.status_code >= 500:
            log.append(f"create {response.status_code}")
            return None
        if response.status_code != 201:
            raise Gave(f"create answered {response.status_code}: {response.text[:200]}")
        body = response.json()
        return body["reference"], body["payment"]["next_url"]

    result: tuple[str, str] = await _retrying(deadline, attempt, log)
    return result


async def pay_by_card(
    http: httpx.AsyncClient, next_url: str, deadline: float, log: list[str]
) -> None:
    """Open the card page and pay; done when the page sends the payer back (303), which it also
    does for a payment already finished, so a retry after a lost answer never pays twice."""

    async def attempt() -> bool | None:
        page = await http.get(next_url)
        if page.status_code == 303:
            return True
        token = csrf(page.text) if page.status_code == 200 else None
        if token is None:
            log.append(f"card page {page.status_code}")
            return None
        paid = await http.post(next_url, data={"_csrf_token": token, **CARD_FIELDS})
        if paid.status_code == 303:
            return True
        log.append(f"card POST {paid.status_code}")
        return None

    await _retrying(deadline, attempt, log)
