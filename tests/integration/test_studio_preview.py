"""The studio's preview, fee panel, tests, publishing and versions over real HTTP, posting forms as
a browser does, against the live platform (demo council, a draft of the garden-waste demo form)."""

from __future__ import annotations

import re
from contextlib import closing
from html import unescape

import httpx
from sqlmodel import select

from counterfoil.platform import forms_store
from counterfoil.platform.db.models import Council, Payment, Submission
from counterfoil.platform.seed import demo_definitions, seed_demo
from tests.integration.conftest import Live
from tests.integration.journeys import auth, seeded
from tests.integration.studio_support import csrf_from, post_form, signed_in

SLUG = "garden-waste"
FORM = f"/studio/forms/{SLUG}"
TEST_NAME = "two bins, new customer, one delivered"


def _save_draft(live: Live) -> None:
    definition = next(d for d in demo_definitions() if d["slug"] == SLUG)
    with live.platform.session() as session:
        council = forms_store.council_by_slug(session, "demo")
        assert council.id is not None
        forms_store.save_draft(session, council.id, dict(definition), actor="test")


def _text(response: httpx.Response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text)))


def _answer(client: httpx.Client, page: str, data: dict[str, str]) -> httpx.Response:
    response = post_form(client, f"{FORM}/preview/{page}", data)
    assert response.status_code == 303, _text(response)
    return response


def _rows(live: Live, model: type[Submission] | type[Payment]) -> int:
    with live.platform.session() as session:
        return len(session.exec(select(model)).all())


def test_preview_save_test_run_publish_and_republish(live: Live) -> None:
    with closing(signed_in(live, ["designer"])) as client:
        _save_draft(live)

        start = client.get(f"{FORM}/preview/?restart=yes")
        assert "Preview — nothing is submitted and no payment is taken" in _text(start)
        assert 'href="/studio/forms/garden-waste/preview/bins"' in start.text
        # the resident pages' own validation and flow, on the draft
        wrong = post_form(client, f"{FORM}/preview/bins", {"bins": "9"})
        assert wrong.status_code == 400
        assert "There is a problem" in wrong.text
        _answer(client, "bins", {"bins": "2"})
        assert (
            _answer(client, "existing", {"existing_customer": "no"})
            .headers["location"]
            .endswith("/preview/delivery")
        )
        _answer(client, "delivery", {"bins_to_deliver": "1"})
        details = {"name": "Ali", "email": "ali@example.org", "address_line1": "2 Park Road",
                   "postcode": "RM17 6SL"}  # fmt: skip
        _answer(client, "details", details)
        check = client.get(f"{FORM}/preview/check-answers")
        assert "Check your answers" in check.text
        assert "£105.00" in _text(check)

        submitted = post_form(client, f"{FORM}/preview/check-answers", {})
        assert submitted.status_code == 303
        result = client.get(submitted.headers["location"])
        words = _text(result)
        assert "nothing was submitted" in words
        assert "£105.00" in words
        assert "waste-services" in words
        assert 'value="105.00"' in result.text
        assert 'name="line-delivery"' in result.text
        assert _rows(live, Submission) == 0
        assert _rows(live, Payment) == 0
        # the resident's own journey is untouched: it never started
        assert client.get("/demo/garden-waste/check-answers").status_code in (303, 302)

        saved = client.post(
            f"{FORM}/preview-result",
            data={"_csrf_token": csrf_from(result.text), "name": TEST_NAME, "valid": "yes",
                  "total": "105.00", "line-subscription": "90", "line-delivery": "£15",
                  "department": "waste-services",
                  "revision": re.search(r'name="revision" value="(\d+)"', result.text)[1]},  # type: ignore[index]
        )  # fmt: skip
        assert saved.status_code == 303, _text(saved)
        listed = client.get(f"{FORM}/tests")
        assert TEST_NAME in listed.text
        report = client.get(f"{FORM}/tests/report")
        assert "Every test passed" in report.text

        # a wrong expected total fails the run and the publish, naming the test
        index = _text(listed).count("Edit") - 1  # the new test is the last one
        edit_page = f"{FORM}/tests/{index}"
        page = client.get(edit_page)
        revision = re.search(r'name="revision" value="(\d+)"', page.text)[1]  # type: ignore[index]
        changed = post_form(client, edit_page, {"name": TEST_NAME, "valid": "yes", "total": "99",
                                                "revision": revision})  # fmt: skip
        assert changed.status_code == 303, _text(changed)
        failing = _text(client.get(f"{FORM}/tests/report"))
        assert TEST_NAME in failing
        assert "expected a total of £99.00, got £105.00" in failing
        refused = post_form(client, f"{FORM}/publish", {}, page=f"{FORM}/tests")
        assert refused.status_code == 422
        assert TEST_NAME in _text(refused)
        assert "£99.00" in _text(refused)

        page = client.get(edit_page)
        revision = re.search(r'name="revision" value="(\d+)"', page.text)[1]  # type: ignore[index]
        fixed = post_form(client, edit_page, {"name": TEST_NAME, "valid": "yes", "total": "105",
                                              "revision": revision})  # fmt: skip
        assert fixed.status_code == 303
        published = post_form(client, f"{FORM}/publish", {}, page=f"{FORM}/tests")
        assert published.status_code == 303
        versions = client.get(published.headers["location"])
        assert "Published as version 2" in versions.text
        assert "designer@example.org" in versions.text

        diff = _text(client.get(f"{FORM}/versions/diff?old=1&new=2"))
        assert f'+ "name": "{TEST_NAME}"' in diff.replace("  ", " ")
        assert TEST_NAME in _text(client.get(f"{FORM}/versions/2"))

        again = post_form(client, f"{FORM}/versions/1/republish", {}, page=f"{FORM}/versions")
        assert again.status_code == 303
        assert again.headers["location"].endswith("published=3")
        with live.platform.session() as session:
            council = session.exec(select(Council).where(Council.slug == "demo")).one()
            assert council.id is not None
            one = forms_store.version(session, council.id, SLUG, 1).definition
            three = forms_store.version(session, council.id, SLUG, 3).definition
        assert three == one
        assert TEST_NAME not in str(three)


def test_saving_a_test_after_the_draft_changed_is_refused_and_keeps_it(live: Live) -> None:
    with closing(signed_in(live, ["designer"])) as client:
        _save_draft(live)
        client.get(f"{FORM}/preview/?restart=yes")
        _answer(client, "bins", {"bins": "1"})
        _answer(client, "existing", {"existing_customer": "yes"})
        details = {"name": "Bo", "email": "bo@example.org", "address_line1": "1 Road",
                   "postcode": "RM17 6SL"}  # fmt: skip
        _answer(client, "details", details)
        result = client.get(f"{FORM}/preview-result")
        _save_draft(live)  # someone else saves the draft meanwhile
        token = csrf_from(result.text)
        revision = re.search(r'name="revision" value="(\d+)"', result.text)[1]  # type: ignore[index]
        data = {"_csrf_token": token, "name": "one bin", "valid": "yes", "total": "45",
                "revision": revision}  # fmt: skip
        refused = client.post(f"{FORM}/preview-result", data=data)
        assert refused.status_code == 409
        assert "Your changes were not saved" in _text(refused)
        assert 'value="one bin"' in refused.text
        current = re.search(r'name="revision" value="(\d+)"', refused.text)[1]  # type: ignore[index]
        saved = client.post(f"{FORM}/preview-result", data={**data, "revision": current})
        assert saved.status_code == 303


def test_fee_panel_quotes_typed_answers_or_lists_every_error(live: Live) -> None:
    with closing(signed_in(live, ["designer"])) as client:
        _save_draft(live)
        answers = {"bins": "3", "existing_customer": "no", "bins_to_deliver": "2",
                   "name": "Cy", "email": "cy@example.org", "address_line1": "3 Lane",
                   "postcode": "RM17 6SL"}  # fmt: skip
        quoted = post_form(client, f"{FORM}/fees-panel", answers)
        assert quoted.status_code == 200
        words = _text(quoted)
        assert "£135.00" in words
        assert "£30.00" in words
        assert "£165.00" in words
        invalid = post_form(client, f"{FORM}/fees-panel", {**answers, "bins": "9", "email": "x"})
        assert invalid.status_code == 400
        assert "These answers are not valid" in invalid.text
        assert invalid.text.count("govuk-error-message") >= 2


def test_a_finance_member_cannot_preview_test_or_publish(live: Live) -> None:
    with closing(signed_in(live, ["finance"], email="finance@example.org")) as client:
        _save_draft(live)
        for path in ("/preview/", "/fees-panel", "/tests", "/versions"):
            assert client.get(f"{FORM}{path}").status_code == 403
        publish = client.post(f"{FORM}/publish", data={"_csrf_token": csrf_from(
            client.get("/studio/sign-in").text)})  # fmt: skip
        assert publish.status_code == 403


def test_another_councils_designer_gets_not_found(live: Live) -> None:
    seed_demo(live.platform)
    _save_draft(live)
    with live.platform.session() as session:
        session.add(Council(slug="elsewhere", name="Elsewhere Council", brand_colour="#000000",
                            logo_text="Elsewhere"))  # fmt: skip
    other = signed_in(live, ["designer", "admin"], email="other@example.org", council="elsewhere")
    with closing(other) as client:
        for path in ("/preview/", "/preview/bins", "/fees-panel", "/tests", "/tests/0",
                     "/versions", "/versions/1", "/versions/diff?old=0&new=1"):  # fmt: skip
            assert client.get(f"{FORM}{path}").status_code == 404, path


def test_the_api_quotes_the_draft_for_designers(live: Live) -> None:
    key = seeded(live)
    _save_draft(live)
    answers = {"bins": 1, "existing_customer": False, "bins_to_deliver": 1, "name": "Di",
               "email": "di@example.org", "address_line1": "4 Row",
               "postcode": "RM17 6SL"}  # fmt: skip
    quoted = live.http.post(
        f"/api/v1/councils/demo/forms/{SLUG}/draft/quote",
        json={"answers": answers},
        headers=auth(key),
    )
    assert quoted.status_code == 200
    assert quoted.json()["total"] == 6000
