"""Steps a person or a machine takes against the live platform, shared by integration tests."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from html import unescape
from typing import Any

import httpx

from counterfoil.platform.auth.keys import create_api_key
from counterfoil.platform.departments.demo_inbox import demo_key
from counterfoil.platform.seed import seed_demo
from tests.integration.conftest import Live

_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
FormData = dict[str, str | list[str]]


def seeded(live: Live) -> str:
    """Seed the demo council; returns an admin key for it."""
    seed_demo(live.platform)
    return create_api_key(live.platform, "demo", ["admin", "designer", "agent", "finance"])


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def submit(
    live: Live,
    key: str,
    form: str,
    answers: dict[str, Any],
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Create a submission of the demo council's `form` through the API; asserts 201."""
    response = live.http.post(
        f"/api/v1/councils/demo/forms/{form}/submissions",
        json={"answers": answers},
        headers={**auth(key), **(headers or {})},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def answer_as_department(
    live: Live, reference: str, outcome: str, note: str = ""
) -> httpx.Response:
    """The demo waste-services department's answer to a submission, with its own key."""
    department = demo_key(live.platform, "demo", "waste-services")
    assert department
    return live.http.post(
        f"/api/v1/submissions/{reference}/fulfilment",
        json={"outcome": outcome, "note": note} if note else {"outcome": outcome},
        headers=auth(department),
    )


def csrf_token(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def pay_on_card_page(http: httpx.Client, next_url: str, card: str) -> httpx.Response:
    """Fill the sandbox card page as a person would; returns the response to the card POST."""
    page = http.get(next_url)
    assert page.status_code == 200, page.text
    return http.post(
        next_url,
        data={
            "_csrf_token": csrf_token(page.text),
            "card_number": card,
            "expiry_month": "12",
            "expiry_year": "2035",
            "cardholder_name": "Sam Resident",
            "cvc": "123",
            "action": "pay",
        },
    )


def wait_for(check: Callable[[], Any], timeout: float = 30, every: float = 0.2) -> Any:
    """The first truthy result of `check`, or AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"gave up waiting; last saw {last!r}")


def status_of(http: httpx.Client, key: str, reference: str) -> dict[str, Any]:
    response = http.get(f"/api/v1/submissions/{reference}", headers=auth(key))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def wait_for_status(http: httpx.Client, key: str, reference: str, status: str) -> dict[str, Any]:
    return wait_for(  # type: ignore[no-any-return]
        lambda: (body := status_of(http, key, reference))["status"] == status and body
    )


class Browser:
    """Cookies kept, redirects followed, every form posted with the page's own CSRF token."""

    def __init__(self, live: Live) -> None:
        self.http = httpx.Client(base_url=live.base_url, timeout=30, follow_redirects=True)

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path)

    def submit(self, page: httpx.Response, data: FormData | None = None) -> httpx.Response:
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert action, "the page has no form"
        body = {**(data or {}), "_csrf_token": csrf_token(page.text)}
        return self.http.post(unescape(action.group(1)), data=body)

    def answer(self, path: str, data: FormData) -> httpx.Response:
        return self.submit(self.get(path), data)


def pay_for_bulky_waste(browser: Browser, contact: Mapping[str, str], card: str) -> str:
    """A resident books a bulky waste collection on the demo council (seeded) and pays by card
    at the sandbox; `contact` holds name, email, phone, address_line1, postcode and
    location_notes. Returns the reference from the confirmation page's address."""
    browser.answer("/demo/bulky-waste/collection-type", {"collection_type": "bulky"})
    browser.answer("/demo/bulky-waste/items", {"items-0-kind": "sofa", "items-0-quantity": "1"})
    browser.answer("/demo/bulky-waste/concession", {"concession": "no"})
    browser.answer(
        "/demo/bulky-waste/contact",
        {key: contact[key] for key in ("name", "email", "phone")},
    )
    browser.answer(
        "/demo/bulky-waste/address",
        {key: contact[key] for key in ("address_line1", "postcode", "location_notes")},
    )
    card_page = browser.submit(browser.get("/demo/bulky-waste/check-answers"))
    assert "/sandbox/" in str(card_page.url), card_page.text
    done = pay_on_card_page(browser.http, str(card_page.url), card)
    prefix = "/demo/confirmation/"
    assert done.url.path.startswith(prefix), done.text
    return done.url.path.removeprefix(prefix)
