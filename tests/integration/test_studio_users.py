"""User management over real HTTP: each operation through the studio's pages (forms posted like a
browser, CSRF and all) and through the API, the audit trail, and who may not see or do it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlmodel import select
from typer.testing import CliRunner

from counterfoil.cli import app
from counterfoil.platform.auth import create_api_key
from counterfoil.platform.db.models import AuditEntry
from counterfoil.platform.errors import Unauthenticated
from counterfoil.platform.staff import sign_in
from counterfoil.web.studio.auth import COOKIE
from tests.integration._departments_support import add_council
from tests.integration.conftest import Live
from tests.integration.journeys import auth
from tests.integration.studio_support import PASSWORD, add_staff, csrf_from, signed_in

ADMIN = "admin@example.org"
PERSON = "person@example.org"
_PASSWORD = re.compile(r'<code class="studio-password" id="password">([^<]+)</code>')


@pytest.fixture
def admin(live: Live) -> Iterator[httpx.Client]:
    """The demo council's administrator, signed in; PERSON is a designer of the same council."""
    client = signed_in(live, ["admin"], email=ADMIN)
    add_staff(live, PERSON, ["designer"])
    yield client
    client.close()


def _submit(
    client: httpx.Client, page: str, action: str, data: dict[str, Any] | None = None
) -> httpx.Response:
    """Post the form at `action` from `page`, with that page's CSRF token, as a browser does."""
    source = client.get(page)
    assert source.status_code == 200, source.text
    return client.post(action, data={"_csrf_token": csrf_from(source.text), **(data or {})})


def _shown_password(page: httpx.Response) -> str:
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    found = _PASSWORD.search(page.text)
    assert found, "no password on the page"
    return found.group(1)


def _browser_for(live: Live, email: str, password: str) -> httpx.Client | None:
    """A client signed in with this password, or None when the sign-in is refused."""
    client = httpx.Client(base_url=live.base_url, timeout=30)
    page = client.get("/studio/sign-in")
    answer = client.post(
        "/studio/sign-in",
        data={
            "_csrf_token": csrf_from(page.text),
            "council": "demo",
            "email": email,
            "password": password,
            "next": "/studio/users",
        },
    )
    if answer.status_code != 303:
        client.close()
        return None
    return client


def _can_sign_in(live: Live, email: str, password: str) -> bool:
    client = _browser_for(live, email, password)
    if client is None:
        return False
    client.close()
    return True


def _audit(live: Live, action: str) -> list[AuditEntry]:
    with live.platform.session() as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)).all())


def _lock_out(live: Live, email: str) -> None:
    for _ in range(live.settings.sign_in_attempts):
        with pytest.raises(Unauthenticated):
            sign_in(live.platform, "demo", email, "a wrong password")


# The studio's pages


def test_admin_adds_a_person_whose_shown_once_password_signs_in(
    live: Live, admin: httpx.Client
) -> None:
    answer = _submit(
        admin,
        "/studio/users/new",
        "/studio/users/new",
        {"email": " New.Person@Example.org ", "roles": ["designer", "finance"]},
    )
    password = _shown_password(answer)
    assert "Shown once" in answer.text
    listing = admin.get("/studio/users")
    assert "new.person@example.org" in listing.text
    assert "designer, finance" in listing.text
    assert password not in listing.text
    assert _can_sign_in(live, "new.person@example.org", password)
    [entry] = [e for e in _audit(live, "staff.created") if e.subject == "new.person@example.org"]
    assert entry.actor == ADMIN
    assert entry.detail == {"roles": ["designer", "finance"]}


def test_adding_a_person_with_bad_input_shows_every_problem(
    live: Live, admin: httpx.Client
) -> None:
    answer = _submit(admin, "/studio/users/new", "/studio/users/new", {"email": "not-an-email"})
    assert answer.status_code == 400
    assert "There is a problem" in answer.text
    assert 'href="#email"' in answer.text
    assert 'href="#roles"' in answer.text
    assert "Select at least one role" in answer.text
    assert 'value="not-an-email"' in answer.text
    again = _submit(
        admin, "/studio/users/new", "/studio/users/new", {"email": PERSON, "roles": "agent"}
    )
    assert again.status_code == 409
    assert "There is already an account for person@example.org" in again.text
    assert [e.subject for e in _audit(live, "staff.created")] == [ADMIN, PERSON]


def test_admin_changes_someones_roles(live: Live, admin: httpx.Client) -> None:
    page = f"/studio/users/{PERSON}"
    answer = _submit(admin, page, f"{page}/roles", {"roles": ["agent", "finance"]})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/studio/users/person%40example.org?done=roles"
    after = admin.get(answer.headers["location"])
    assert "Roles changed" in after.text
    assert "agent, finance" in after.text
    [entry] = _audit(live, "staff.roles_changed")
    assert (entry.actor, entry.subject) == (ADMIN, PERSON)
    assert entry.detail == {"from": ["designer"], "to": ["agent", "finance"]}


def test_admin_cannot_disable_themselves_or_drop_their_own_admin_role(
    live: Live, admin: httpx.Client
) -> None:
    page = f"/studio/users/{ADMIN}"
    disable = _submit(admin, page, f"{page}/disable")
    assert disable.status_code == 409
    assert "You cannot disable your own account" in disable.text
    demote = _submit(admin, page, f"{page}/roles", {"roles": ["designer"]})
    assert demote.status_code == 409
    assert "You cannot remove your own admin role" in demote.text
    assert 'href="#roles"' in demote.text
    assert admin.get("/studio/users").status_code == 200
    assert _audit(live, "staff.disabled") == []
    assert _audit(live, "staff.roles_changed") == []


def test_disabling_ends_their_sessions_and_enabling_lets_them_back(
    live: Live, admin: httpx.Client
) -> None:
    person = _browser_for(live, PERSON, PASSWORD)
    assert person is not None
    assert person.get("/studio/users").status_code == 403  # signed in, but a designer
    page = f"/studio/users/{PERSON}"
    assert _submit(admin, page, f"{page}/disable").status_code == 303
    assert "Disabled" in admin.get("/studio/users").text
    assert person.get("/studio/users").status_code == 303  # sent to sign in again
    person.close()
    assert not _can_sign_in(live, PERSON, PASSWORD)
    assert _submit(admin, page, f"{page}/enable").status_code == 303
    assert _can_sign_in(live, PERSON, PASSWORD)
    assert [(e.actor, e.subject) for e in _audit(live, "staff.disabled")] == [(ADMIN, PERSON)]
    assert [(e.actor, e.subject) for e in _audit(live, "staff.enabled")] == [(ADMIN, PERSON)]


def test_admin_unlocks_a_locked_account(live: Live, admin: httpx.Client) -> None:
    _lock_out(live, PERSON)
    assert not _can_sign_in(live, PERSON, PASSWORD)
    page = f"/studio/users/{PERSON}"
    assert "Locked until" in admin.get(page).text
    assert _submit(admin, page, f"{page}/unlock").status_code == 303
    assert "Locked until" not in admin.get(page).text
    assert _can_sign_in(live, PERSON, PASSWORD)
    assert [(e.actor, e.subject) for e in _audit(live, "staff.unlocked")] == [(ADMIN, PERSON)]


def test_reset_password_shows_a_new_one_once_and_ends_their_sessions(
    live: Live, admin: httpx.Client
) -> None:
    person = _browser_for(live, PERSON, PASSWORD)
    assert person is not None
    page = f"/studio/users/{PERSON}"
    password = _shown_password(_submit(admin, page, f"{page}/reset-password"))
    assert person.get("/studio/users").status_code == 303
    person.close()
    assert password not in admin.get(page).text
    assert not _can_sign_in(live, PERSON, PASSWORD)
    assert _can_sign_in(live, PERSON, password)
    assert [(e.actor, e.subject) for e in _audit(live, "staff.password_reset")] == [(ADMIN, PERSON)]


def test_another_councils_admin_gets_404_for_our_staff(live: Live, admin: httpx.Client) -> None:
    add_council(live.platform, "other")
    other = signed_in(live, ["admin"], email="boss@other.example", council="other")
    try:
        listing = other.get("/studio/users")
        assert listing.status_code == 200
        assert PERSON not in listing.text
        assert other.get(f"/studio/users/{PERSON}").status_code == 404
        refused = other.post(
            f"/studio/users/{PERSON}/disable", data={"_csrf_token": csrf_from(listing.text)}
        )
        assert refused.status_code == 404
    finally:
        other.close()
    other_key = create_api_key(live.platform, "other", ["admin"])
    assert live.http.get("/api/v1/councils/demo/users", headers=auth(other_key)).status_code == 404
    assert (
        live.http.post(
            f"/api/v1/councils/demo/users/{PERSON}/disable", headers=auth(other_key)
        ).status_code
        == 404
    )
    assert _can_sign_in(live, PERSON, PASSWORD)


def test_a_designer_gets_403(live: Live) -> None:
    designer = signed_in(live, ["designer"])
    try:
        assert designer.get("/studio/users").status_code == 403
        assert designer.get("/studio/users/new").status_code == 403
        assert designer.get("/studio/users/designer@example.org").status_code == 403
    finally:
        designer.close()
    key = create_api_key(live.platform, "demo", ["designer"])
    refused = live.http.get("/api/v1/councils/demo/users", headers=auth(key))
    assert refused.status_code == 403
    assert refused.json()["status"] == 403


# The API


def test_api_does_everything_the_pages_do(live: Live) -> None:
    signed_in(live, ["designer"], email=PERSON).close()
    key = create_api_key(live.platform, "demo", ["admin"])
    base = "/api/v1/councils/demo/users"

    def call(path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return live.http.post(f"{base}{path}", json=body, headers=auth(key))

    added = call("", {"email": "api.person@example.org", "roles": ["finance"]})
    assert added.status_code == 201, added.text
    assert added.json()["user"]["roles"] == ["finance"]
    assert _can_sign_in(live, "api.person@example.org", added.json()["password"])
    listing = live.http.get(base, headers=auth(key)).json()["users"]
    assert [u["email"] for u in listing] == ["api.person@example.org", PERSON]
    assert listing[1] == {**listing[1], "roles": ["designer"], "disabled": False, "locked": False}

    roles = call(f"/{PERSON}/roles", {"roles": ["agent", "designer"]})
    assert roles.status_code == 200
    assert roles.json()["roles"] == ["agent", "designer"]
    assert call(f"/{PERSON}/disable").json()["disabled"] is True
    assert not _can_sign_in(live, PERSON, PASSWORD)
    assert call(f"/{PERSON}/enable").json()["disabled"] is False
    _lock_out(live, PERSON)
    assert live.http.get(base, headers=auth(key)).json()["users"][1]["locked"] is True
    assert call(f"/{PERSON}/unlock").json()["locked"] is False
    assert _can_sign_in(live, PERSON, PASSWORD)
    reset = call(f"/{PERSON}/reset-password")
    assert reset.status_code == 200
    assert _can_sign_in(live, PERSON, reset.json()["password"])
    assert not _can_sign_in(live, PERSON, PASSWORD)

    actor = f"api key {key[:12]}"
    for action in (
        "staff.created",
        "staff.roles_changed",
        "staff.disabled",
        "staff.enabled",
        "staff.unlocked",
        "staff.password_reset",
    ):
        assert actor in [e.actor for e in _audit(live, action)], action


def test_api_reports_bad_input_with_pointers(live: Live) -> None:
    signed_in(live, ["admin"], email=ADMIN).close()
    key = create_api_key(live.platform, "demo", ["admin"])
    base = "/api/v1/councils/demo/users"
    bad = live.http.post(base, json={"email": "nobody", "roles": ["emperor"]}, headers=auth(key))
    assert bad.status_code == 400
    assert [e["pointer"] for e in bad.json()["errors"]] == ["/email", "/roles"]
    assert "emperor" in bad.json()["errors"][1]["message"]
    missing = live.http.post(base, json={"email": "x@example.org"}, headers=auth(key))
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["pointer"] == "/roles"
    unknown = live.http.post(f"{base}/ghost@example.org/unlock", headers=auth(key))
    assert unknown.status_code == 404
    duplicate = live.http.post(base, json={"email": ADMIN, "roles": ["agent"]}, headers=auth(key))
    assert duplicate.status_code == 409
    assert duplicate.json()["errors"][0]["pointer"] == "/email"


# The command line


def test_users_create_makes_an_account_whose_password_signs_in(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed_in(live, ["admin"], email=ADMIN).close()
    monkeypatch.setenv("COUNTERFOIL_DATABASE_URL", live.settings.resolved_database_url)
    runner = CliRunner()
    made = runner.invoke(
        app,
        ["users", "create", "--council", "demo", "--email", "First@Example.org", "--roles",
         "designer,admin"],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    found = re.search(r"Password \(shown once[^)]*\): (\S+)", made.output)
    assert found, made.output
    client = _browser_for(live, "first@example.org", found.group(1))
    assert client is not None
    assert client.cookies.get(COOKIE)
    assert client.get("/studio/users").status_code == 200  # an admin
    client.close()
    again = runner.invoke(
        app, ["users", "create", "--council", "demo", "--email", "first@example.org", "--roles",
              "designer"],
    )  # fmt: skip
    assert again.exit_code == 1
    assert "already an account" in again.output
    assert "Traceback" not in again.output
