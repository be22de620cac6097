"""Signing in to the studio over real HTTP, as a browser does: redirects, lock-out, session
fixation, sign-out, CSRF, open redirects, disabled accounts and the cookie's flags."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest

from counterfoil.platform.seed import seed_demo
from counterfoil.platform.staff import disable_staff
from counterfoil.web.studio.auth import COOKIE
from tests.integration.conftest import Live
from tests.integration.studio_support import PASSWORD, add_staff, csrf_from

EMAIL = "admin@example.org"
REFUSED = "The email address or password is not right"


def _browser(live: Live) -> httpx.Client:
    return httpx.Client(base_url=live.base_url, timeout=30)


def _sign_in(
    client: httpx.Client,
    email: str = EMAIL,
    password: str = PASSWORD,
    next_path: str = "/studio/users",
) -> httpx.Response:
    page = client.get("/studio/sign-in")
    return client.post(
        "/studio/sign-in",
        data={
            "_csrf_token": csrf_from(page.text),
            "council": "demo",
            "email": email,
            "password": password,
            "next": next_path,
        },
    )


@pytest.fixture
def admin(live: Live) -> Live:
    seed_demo(live.platform)
    add_staff(live, EMAIL, ["admin"])
    return live


def test_signed_out_visitor_is_sent_to_sign_in_and_comes_back_after(admin: Live) -> None:
    with _browser(admin) as client:
        visit = client.get("/studio/users")
        assert visit.status_code == 303
        assert visit.headers["location"] == "/studio/sign-in?next_path=/studio/users"
        page = client.get(visit.headers["location"])
        assert 'name="next" value="/studio/users"' in page.text
        answer = client.post(
            "/studio/sign-in",
            data={
                "_csrf_token": csrf_from(page.text),
                "council": "demo",
                "email": EMAIL,
                "password": PASSWORD,
                "next": "/studio/users",
            },
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == "/studio/users"
        back = client.get("/studio/users")
        assert back.status_code == 200
        assert "signed in as admin@example.org" in back.text


def test_wrong_password_shows_the_error_and_keeps_the_email(admin: Live) -> None:
    with _browser(admin) as client:
        answer = _sign_in(client, password="not the password at all")
        assert answer.status_code == 400
        assert "There is a problem" in answer.text
        assert REFUSED in answer.text
        assert f'value="{EMAIL}"' in answer.text
        assert COOKIE not in answer.cookies


def test_repeated_wrong_passwords_lock_the_account_until_the_lockout_ends(
    make_live: Callable[..., Live],
) -> None:
    live = make_live(sign_in_lockout=timedelta(seconds=2))
    seed_demo(live.platform)
    add_staff(live, EMAIL, ["admin"])
    with _browser(live) as client:
        for _ in range(live.settings.sign_in_attempts):
            assert _sign_in(client, password="wrong password, again").status_code == 400
        locked_at = time.monotonic()
        refused = _sign_in(client)
        assert refused.status_code == 400
        assert REFUSED in refused.text
        time.sleep(max(0.0, 2.2 - (time.monotonic() - locked_at)))
        assert _sign_in(client).status_code == 303


def test_every_sign_in_mints_a_fresh_token_and_a_planted_one_is_ignored(admin: Live) -> None:
    planted = "attacker-chosen-session-id"
    with _browser(admin) as client:
        client.cookies.set(COOKIE, planted, domain="127.0.0.1", path="/studio")
        visit = client.get("/studio/users")
        assert f"{COOKIE}={planted}" in visit.request.headers["cookie"]
        assert visit.status_code == 303  # the planted id is nobody
        first = _sign_in(client)
        assert first.status_code == 303
        first_token = first.cookies[COOKIE]
        assert first_token != planted
        second = _sign_in(client)
        second_token = second.cookies[COOKIE]
        assert second_token not in (planted, first_token)
    with httpx.Client(base_url=admin.base_url, headers={"Cookie": f"{COOKIE}={planted}"}) as other:
        assert other.get("/studio/users").status_code == 303
    with httpx.Client(
        base_url=admin.base_url, headers={"Cookie": f"{COOKIE}={second_token}"}
    ) as ok:
        assert ok.get("/studio/users").status_code == 200


def test_sign_out_ends_the_session(admin: Live) -> None:
    with _browser(admin) as client:
        token = _sign_in(client).cookies[COOKIE]
        page = client.get("/studio/users")
        out = client.post("/studio/sign-out", data={"_csrf_token": csrf_from(page.text)})
        assert out.status_code == 303
        assert client.get("/studio/users").status_code == 303
    with httpx.Client(base_url=admin.base_url, headers={"Cookie": f"{COOKIE}={token}"}) as old:
        assert old.get("/studio/users").status_code == 303


def test_sign_in_without_the_csrf_token_is_refused(admin: Live) -> None:
    with _browser(admin) as client:
        client.get("/studio/sign-in")  # the CSRF cookie, but the form field is left out
        answer = client.post(
            "/studio/sign-in",
            data={"council": "demo", "email": EMAIL, "password": PASSWORD, "next": "/studio"},
        )
        assert answer.status_code == 403
        assert COOKIE not in answer.cookies


@pytest.mark.parametrize(
    "target", ["https://evil.example/studio", "//evil.example/studio", "javascript:alert(1)"]
)
def test_next_path_to_another_site_is_ignored(admin: Live, target: str) -> None:
    with _browser(admin) as client:
        page = client.get("/studio/sign-in", params={"next_path": target})
        assert "evil.example" not in page.text
        assert "javascript:" not in page.text
        answer = _sign_in(client, next_path=target)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/studio/forms"


def test_a_disabled_account_cannot_sign_in(admin: Live) -> None:
    add_staff(admin, "gone@example.org", ["designer"])
    disable_staff(admin.platform, "demo", "gone@example.org", actor=EMAIL)
    with _browser(admin) as client:
        answer = _sign_in(client, email="gone@example.org")
        assert answer.status_code == 400
        assert COOKIE not in answer.cookies


def test_the_session_cookie_is_httponly_and_samesite_lax(admin: Live) -> None:
    with _browser(admin) as client:
        answer = _sign_in(client)
    set_cookie = next(
        h for h in answer.headers.get_list("set-cookie") if h.startswith(f"{COOKIE}=")
    )
    flags = {part.strip().lower() for part in set_cookie.split(";")}
    assert {"httponly", "samesite=lax", "path=/studio"} <= flags
