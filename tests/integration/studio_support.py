"""Signing staff into the studio in tests, as a person does: the sign-in form, CSRF and all."""

from __future__ import annotations

import re

import httpx

from counterfoil.platform.seed import seed_demo
from counterfoil.platform.staff import create_user
from tests.integration.conftest import Live

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def add_staff(live: Live, email: str, roles: list[str], council: str = "demo") -> None:
    create_user(live.platform, council, email, PASSWORD, roles, actor="test")


def signed_in(
    live: Live, roles: list[str], email: str = "designer@example.org", council: str = "demo"
) -> httpx.Client:
    """A fresh browser-like client signed in as a new staff member of `council` (seeded demo)."""
    seed_demo(live.platform)
    add_staff(live, email, roles, council)
    client = httpx.Client(base_url=live.base_url, timeout=30)
    page = client.get("/studio/sign-in")
    answer = client.post(
        "/studio/sign-in",
        data={
            "_csrf_token": csrf_from(page.text),
            "council": council,
            "email": email,
            "password": PASSWORD,
            "next": "/studio/forms",
        },
    )
    assert answer.status_code == 303, answer.text
    return client


def post_form(
    client: httpx.Client, path: str, data: dict[str, str], page: str | None = None
) -> httpx.Response:
    """POST a studio form like a browser: the CSRF token from the page it sits on."""
    source = client.get(page or path)
    return client.post(path, data={"_csrf_token": csrf_from(source.text), **data})
