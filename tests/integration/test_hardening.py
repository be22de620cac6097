"""Hardening over real HTTP against the live platform: security headers and the CSP nonce, no-store
on personal data, cookie flags, 413 for oversized bodies, and rate limits (429) on creating
submissions and on staff sign-in."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest

from counterfoil.platform.seed import seed_demo
from tests.factories import valid_answers
from tests.integration.conftest import Live
from tests.integration.journeys import auth, csrf_token, seeded
from tests.integration.studio_support import PASSWORD, add_staff

QUESTION = "/demo/bulky-waste/collection-type"
CREATE = "/api/v1/councils/demo/forms/bulky-waste/submissions"
_NONCE = re.compile(r"'nonce-([^']+)'")


def _policy(response: httpx.Response) -> dict[str, str]:
    directives = response.headers["content-security-policy"].split(";")
    return {d.strip().split(" ", 1)[0]: d.strip().split(" ", 1)[1] for d in directives}


def _assert_hardened(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response.headers["permissions-policy"]
    assert response.headers["cache-control"] == "no-store"
    policy = _policy(response)
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]


def test_pages_carry_the_headers_and_a_fresh_nonce_on_their_script(live: Live) -> None:
    seed_demo(live.platform)
    nonces = []
    for _ in range(2):
        page = live.http.get(QUESTION)
        assert page.status_code == 200
        _assert_hardened(page)
        policy = _policy(page)
        found = _NONCE.search(policy["script-src"])
        assert found
        nonce = found.group(1)
        assert policy["script-src"] == f"'self' 'nonce-{nonce}'"
        # every script tag carries this response's nonce, and there is no inline script
        scripts = re.findall(r"<script\b[^>]*>", page.text)
        assert scripts
        assert all(f'nonce="{nonce}"' in tag and "src=" in tag for tag in scripts)
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    assert "strict-transport-security" not in page.headers  # plain http here


def test_sandbox_card_page_style_carries_the_nonce(live: Live) -> None:
    key = seeded(live)
    created = live.http.post(
        CREATE, json={"answers": valid_answers("bulky-waste")}, headers=auth(key)
    )
    assert created.status_code == 201, created.text
    card = live.http.get(created.json()["payment"]["next_url"])
    assert card.status_code == 200
    _assert_hardened(card)
    nonce = _NONCE.search(_policy(card)["style-src"])
    assert nonce
    assert f'<style nonce="{nonce.group(1)}">' in card.text
    # the API's read of a submission (personal data) is not cached either
    read = live.http.get(f"/api/v1/submissions/{created.json()['reference']}", headers=auth(key))
    assert read.status_code == 200
    _assert_hardened(read)


def test_api_answers_studio_errors_and_unknown_pages_carry_the_headers(live: Live) -> None:
    key = seeded(live)
    for path, status in [
        ("/api/v1/councils/demo/forms/bulky-waste", 200),
        ("/api/v1/submissions/NOPE-NOPE-NOPE", 404),
        ("/no/such/page/anywhere", 404),
        ("/studio/sign-in", 200),
    ]:
        response = live.http.get(path, headers=auth(key))
        assert response.status_code == status, (path, response.text)
        _assert_hardened(response)


def test_static_assets_keep_their_own_caching(live: Live) -> None:
    seed_demo(live.platform)
    css = live.http.get("/assets/brand/demo.css")
    assert css.status_code == 200
    assert css.headers["cache-control"] == "public, max-age=300"
    assert css.headers["x-content-type-options"] == "nosniff"


def test_form_action_allows_the_card_pages_residents_are_sent_to(
    make_live: Callable[..., Live],
) -> None:
    live = make_live(sandbox_base_url="http://127.0.0.1:9/sandbox")
    seed_demo(live.platform)
    allowed = _policy(live.http.get(QUESTION))["form-action"].split()
    assert allowed[0] == "'self'"
    assert {"http://127.0.0.1:9", "https://card.payments.service.gov.uk"} <= set(allowed)


def _cookie_flags(response: httpx.Response, name: str) -> set[str]:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return {part.strip().lower() for part in header.split(";")[1:]}
    raise AssertionError(f"no {name} cookie in {response.headers.get_list('set-cookie')}")


def test_cookies_are_httponly_and_samesite_lax_and_not_secure_over_http(live: Live) -> None:
    seed_demo(live.platform)
    page = live.http.get(QUESTION)
    assert {"httponly", "samesite=lax"} <= _cookie_flags(page, "csrftoken")
    assert "secure" not in _cookie_flags(page, "csrftoken")
    answered = live.http.post(
        QUESTION, data={"collection_type": "bulky", "_csrf_token": csrf_token(page.text)}
    )
    assert answered.status_code == 303
    session = _cookie_flags(answered, "counterfoil-session")
    assert {"httponly", "samesite=lax"} <= session
    assert "secure" not in session


def test_behind_tls_cookies_are_secure_and_hsts_is_sent(make_live: Callable[..., Live]) -> None:
    live = make_live(cookie_secure=True)
    seed_demo(live.platform)
    page = live.http.get(QUESTION)
    _assert_hardened(page)
    assert page.headers["strict-transport-security"].startswith("max-age=31536000")
    assert {"secure", "httponly", "samesite=lax"} <= _cookie_flags(page, "csrftoken")


def test_oversized_bodies_get_a_clear_413_on_the_api_and_on_pages(
    make_live: Callable[..., Live],
) -> None:
    live = make_live(max_body_bytes=4000)
    key = seeded(live)
    api = live.http.post(CREATE, json={"answers": {"name": "x" * 5000}}, headers=auth(key))
    assert api.status_code == 413
    assert api.json()["status"] == 413
    assert "4000 bytes" in api.json()["detail"]
    _assert_hardened(api)
    page = live.http.get(QUESTION)
    posted = live.http.post(
        QUESTION, data={"_csrf_token": csrf_token(page.text), "collection_type": "x" * 5000}
    )
    assert posted.status_code == 413
    assert posted.headers["content-type"].startswith("text/html")
    assert "What you sent is too large" in posted.text
    assert "4000 bytes" in posted.text


def test_creating_submissions_through_the_api_is_rate_limited_per_client(
    make_live: Callable[..., Live],
) -> None:
    live = make_live(submission_rate_limit=2, rate_limit_window=timedelta(minutes=5))
    key = seeded(live)
    statuses = [
        live.http.post(CREATE, json={"answers": {}}, headers=auth(key)).status_code
        for _ in range(2)
    ]
    assert statuses == [422, 422]  # counted even when refused for another reason
    limited = live.http.post(CREATE, json={"answers": {}}, headers=auth(key))
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 300
    assert limited.json()["status"] == 429
    _assert_hardened(limited)
    # reading is not limited
    assert live.http.get("/api/v1/councils/demo/forms/bulky-waste", headers=auth(key)).is_success


def test_submitting_check_answers_is_rate_limited_with_a_govuk_page(
    make_live: Callable[..., Live],
) -> None:
    live = make_live(submission_rate_limit=1, rate_limit_window=timedelta(minutes=5))
    seed_demo(live.platform)
    page = live.http.get(QUESTION)
    data = {"_csrf_token": csrf_token(page.text)}
    first = live.http.post("/demo/bulky-waste/check-answers", data=data)
    assert first.status_code == 200  # nothing answered yet: "your session has ended"
    limited = live.http.post("/demo/bulky-waste/check-answers", data=data)
    assert limited.status_code == 429
    assert limited.headers["content-type"].startswith("text/html")
    assert "<title>Too many requests</title>" in limited.text
    assert "govuk-heading-l" in limited.text
    assert int(limited.headers["retry-after"]) >= 1


def _client(live: Live, source_ip: str) -> httpx.Client:
    """A browser on another address of the loopback network: another client IP."""
    return httpx.Client(
        base_url=live.base_url,
        timeout=30,
        transport=httpx.HTTPTransport(local_address=source_ip),
    )


def _sign_in(client: httpx.Client, email: str, password: str) -> httpx.Response:
    page = client.get("/studio/sign-in")
    return client.post(
        "/studio/sign-in",
        data={
            "_csrf_token": csrf_token(page.text),
            "council": "demo",
            "email": email,
            "password": password,
            "next": "/studio/forms",
        },
    )


@pytest.fixture
def limited_sign_in(make_live: Callable[..., Live]) -> Live:
    live = make_live(
        sign_in_rate_limit=2,
        rate_limit_window=timedelta(minutes=5),
        sign_in_attempts=50,  # the account lock-out stays out of the way
    )
    seed_demo(live.platform)
    for email in ("ann@example.org", "bob@example.org", "cat@example.org"):
        add_staff(live, email, ["designer"])
    return live


def test_sign_in_is_rate_limited_per_account_whatever_the_address(limited_sign_in: Live) -> None:
    live = limited_sign_in
    with _client(live, "127.0.0.2") as one, _client(live, "127.0.0.3") as two:
        assert _sign_in(one, "ann@example.org", "wrong").status_code == 400
        assert _sign_in(two, "ANN@example.org", "wrong").status_code == 400
        with _client(live, "127.0.0.4") as three:
            refused = _sign_in(three, "ann@example.org", PASSWORD)
            assert refused.status_code == 429
            assert "<title>Too many requests</title>" in refused.text
            assert int(refused.headers["retry-after"]) >= 1
            # another account from a fresh address is not held back
            assert _sign_in(three, "bob@example.org", PASSWORD).status_code == 303


def test_sign_in_is_rate_limited_per_address_whatever_the_account(limited_sign_in: Live) -> None:
    live = limited_sign_in
    with _client(live, "127.0.0.5") as one:
        assert _sign_in(one, "ann@example.org", "wrong").status_code == 400
        assert _sign_in(one, "bob@example.org", "wrong").status_code == 400
        assert _sign_in(one, "cat@example.org", PASSWORD).status_code == 429
    with _client(live, "127.0.0.6") as other:
        assert _sign_in(other, "cat@example.org", PASSWORD).status_code == 303
