"""The resident pages over real HTTP, posting forms as a browser does (CSRF token from the page,
redirects followed), against the live platform: web, worker, Temporal and the sandbox provider.

The council here, "riverside", is made by the tests with the demo forms published to it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import httpx
import pytest
from sqlmodel import select

from counterfoil.platform import forms_store
from counterfoil.platform.db.models import Council, Submission
from counterfoil.platform.seed import demo_definitions
from counterfoil.web.resident.assets import BUILD_DIR
from tests.integration.conftest import Live
from tests.integration.journeys import Browser, FormData, pay_on_card_page

COUNCIL = "riverside"
COUNCIL_NAME = "Riverside Borough Council"
DASH = " \u2013 "  # page titles join their parts with an en dash

# One page with every widget, so a single error re-render shows each value coming back.
WIDGETS_FORM: dict[str, Any] = {
    "slug": "widgets",
    "title": "Every widget",
    "schema": {
        "type": "object",
        "properties": {
            "notice": {"type": "null"},
            "name": {"type": "string", "minLength": 1},
            "email": {"type": "string", "format": "email"},
            "phone": {"type": "string"},
            "story": {"type": "string"},
            "count": {"type": "integer", "minimum": 1},
            "when": {"type": "string", "format": "date"},
            "colour": {"type": "string", "enum": ["red", "green"]},
            "extras": {"type": "array", "items": {"type": "string", "enum": ["a", "b", "c"]}},
            "size": {"type": "string", "enum": ["s", "m", "l"]},
            "agree": {"type": "boolean"},
            "donation": {"type": "integer"},
            "home": {
                "type": "object",
                "properties": {"line1": {"type": "string"}, "postcode": {"type": "string"}},
            },
            "pets": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"kind": {"type": "string"}, "age": {"type": "integer"}},
                    "required": ["kind"],
                },
            },
            "required_last": {"type": "string"},
        },
        "required": ["name", "required_last"],
        "additionalProperties": False,
    },
    "pages": [
        {
            "id": "all",
            "title": "All the widgets",
            "fields": [
                "/notice",
                "/name",
                "/email",
                "/phone",
                "/story",
                "/count",
                "/when",
                "/colour",
                "/extras",
                "/size",
                "/agree",
                "/donation",
                "/home",
                "/pets",
                "/required_last",
            ],
        }
    ],
    "ui": {
        "/notice": {"widget": "content", "content": "Read this <b>first</b>."},
        "/name": {"label": "Your name", "autocomplete": "name"},
        "/email": {"widget": "email", "label": "Email"},
        "/phone": {"widget": "phone", "label": "Phone"},
        "/story": {"widget": "textarea", "label": "Story"},
        "/count": {"widget": "number", "label": "Count"},
        "/when": {"widget": "date", "label": "When"},
        "/colour": {
            "widget": "radios",
            "label": "Colour",
            "options": {"red": "Red", "green": "Green"},
        },
        "/extras": {"widget": "checkboxes", "label": "Extras"},
        "/size": {"widget": "select", "label": "Size"},
        "/agree": {"widget": "yesno", "label": "Agree?"},
        "/donation": {"widget": "money", "label": "Donation"},
        "/home": {"widget": "address", "label": "Home"},
        "/pets": {"widget": "repeater", "label": "Pets", "add_label": "Add another pet"},
        "/required_last": {"label": "Last thing"},
    },
    "fulfilment": {"department": "waste-services"},
}


@pytest.fixture
def demo(live: Live) -> Live:
    """The live platform with a council whose services are the three demo forms."""
    with live.platform.session() as session:
        council = Council(
            slug=COUNCIL,
            name="Riverside Borough Council",
            brand_colour="#6c2c91",
            logo_text="Riverside",
        )
        session.add(council)
        session.flush()
        assert council.id is not None
        for definition in demo_definitions():
            row, report = forms_store.publish(session, council.id, definition)
            assert row is not None, report
    return live


@pytest.fixture
def browser(demo: Live) -> Iterator[Browser]:
    opened = Browser(demo)
    yield opened
    opened.http.close()


def _publish(live: Live, definition: dict[str, Any]) -> None:
    with live.platform.session() as session:
        council = session.exec(select(Council).where(Council.slug == COUNCIL)).one()
        assert council.id is not None
        row, report = forms_store.publish(session, council.id, definition)
        assert row is not None, report


def _text(response: httpx.Response) -> str:
    """The page's text without tags, whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def _title(response: httpx.Response) -> str:
    found = re.search(r"<title>(.*?)</title>", response.text, re.S)
    assert found
    return unescape(found.group(1)).strip()


def _value(response: httpx.Response, name: str) -> str | None:
    found = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', response.text)
    return unescape(found.group(1)) if found else None


def _bulky_answers(browser: Browser, *, quantity: int = 4, concession: str = "yes") -> None:
    browser.answer("/riverside/bulky-waste/collection-type", {"collection_type": "bulky"})
    browser.answer(
        "/riverside/bulky-waste/items", {"items-0-kind": "sofa", "items-0-quantity": str(quantity)}
    )
    browser.answer("/riverside/bulky-waste/concession", {"concession": concession})
    browser.answer(
        "/riverside/bulky-waste/contact", {"name": "Sam Resident", "email": "sam@example.org"}
    )
    browser.answer(
        "/riverside/bulky-waste/address", {"address_line1": "1 High Street", "postcode": "rm17 6sl"}
    )


def _submissions(live: Live) -> list[Submission]:
    with live.platform.session() as session:
        return list(session.exec(select(Submission)).all())


def test_services_list_links_each_published_form_with_council_branding(browser: Browser) -> None:
    page = browser.get("/riverside/")
    assert page.status_code == 200
    text = _text(page)
    for title in ("Book a bulky waste collection", "Report a missed bin collection"):
        assert title in text
    assert 'href="/riverside/bulky-waste/"' in page.text
    assert "Riverside" in text
    assert 'href="/assets/brand/riverside.css"' in page.text
    assert "style=" not in page.text
    assert "<script>" not in page.text
    brand = browser.get("/assets/brand/riverside.css")
    assert brand.headers["content-type"].startswith("text/css")
    assert "#6c2c91" in brand.text
    if (BUILD_DIR / "counterfoil.css").exists():
        css = browser.get("/assets/counterfoil.css")
        assert css.status_code == 200
        assert "GDS Transport" not in css.text
        assert browser.get("/assets/init.mjs").status_code == 200


def test_start_page_shows_description_and_start_button(browser: Browser) -> None:
    page = browser.get("/riverside/bulky-waste/")
    assert _title(page) == f"Book a bulky waste collection{DASH}Riverside Borough Council"
    assert "The first 3 items cost £35" in _text(page)
    assert re.search(r'href="/riverside/bulky-waste/collection-type"[^>]*>\s*Start now', page.text)


def test_every_widget_keeps_its_value_after_an_error_elsewhere(
    demo: Live, browser: Browser
) -> None:
    _publish(demo, WIDGETS_FORM)
    posted: FormData = {
        "name": "Ada", "email": "ada@example.org", "phone": "01632 960 001",
        "story": "Line one\r\nLine two", "count": "3", "when-day": "7", "when-month": "3",
        "when-year": "2027", "colour": "green", "extras": ["", "a", "c"], "size": "m",
        "agree": "yes", "donation": "£12.50", "home-line1": "1 Road", "home-postcode": "rm17 6sl",
        "pets": "", "pets-0-kind": "Cat", "pets-0-age": "4", "required_last": "",
    }  # fmt: skip
    page = browser.answer("/riverside/widgets/all", posted)
    assert _title(page).startswith(
        f"Error: All the widgets{DASH}Every widget{DASH}Riverside Borough Council"
    )
    assert 'href="#required_last"' in page.text
    for name, value in [
        ("name", "Ada"), ("email", "ada@example.org"), ("phone", "01632 960 001"), ("count", "3"),
        ("when-day", "07"), ("when-month", "03"), ("when-year", "2027"), ("donation", "12.50"),
        ("home-line1", "1 Road"), ("home-postcode", "RM17 6SL"), ("pets-0-kind", "Cat"),
        ("pets-0-age", "4"),
    ]:  # fmt: skip
        assert _value(page, name) == value, name
    assert re.search(r"<textarea[^>]*>Line one\nLine two</textarea>", page.text)
    assert re.search(r'value="green"\s+checked', page.text)
    assert re.search(r'value="yes"\s+checked', page.text)
    assert re.search(r'value="a"\s+checked', page.text)
    assert re.search(r'value="c"\s+checked', page.text)
    assert not re.search(r'value="b"\s+checked', page.text)
    assert re.search(r'value="m"\s+selected', page.text)
    assert 'autocomplete="name"' in page.text
    assert 'type="email"' in page.text
    assert 'type="tel"' in page.text
    assert "govuk-input__prefix" in page.text
    assert "Read this &lt;b&gt;first&lt;/b&gt;." in page.text  # display-only, escaped
    assert "pets-1-kind" in page.text  # one blank row after the answered one

    done = browser.submit(page, {**posted, "required_last": "ok"})
    assert done.url.path == "/riverside/widgets/check-answers"
    text = _text(done)
    shown_values = ("Ada", "7 March 2027", "Green", "A", "C", "Yes", "£12.50", "RM17 6SL")
    for shown in (*shown_values, "Kind: Cat, Age: 4"):
        assert shown in text, shown
    assert "Line one<br>Line two" in done.text
    assert "Submit" in text
    assert "Submit and pay" not in text


def test_add_another_and_remove_rows_without_javascript(browser: Browser) -> None:
    browser.answer("/riverside/bulky-waste/collection-type", {"collection_type": "bulky"})
    page = browser.get("/riverside/bulky-waste/items")
    assert "items-0-kind" in page.text
    assert "items-1-kind" not in page.text
    page = browser.submit(
        page, {"items": "", "items-0-kind": "sofa", "items-0-quantity": "2", "add-row": "items"}
    )
    assert page.url.path == "/riverside/bulky-waste/items"
    assert "There is a problem" not in page.text
    assert "items-1-kind" in page.text
    assert "items-2-kind" not in page.text
    page = browser.submit(page, {
        "items": "", "items-0-kind": "sofa", "items-0-quantity": "2",
        "items-1-kind": "table", "items-1-quantity": "1", "add-row": "items",
    })  # fmt: skip
    assert "items-2-kind" in page.text
    page = browser.submit(page, {
        "items": "", "items-0-kind": "sofa", "items-0-quantity": "2",
        "items-1-kind": "table", "items-1-quantity": "1", "remove-row": "items-0",
    })  # fmt: skip
    assert re.search(r'value="table"\s+selected', page.text)
    assert not re.search(r'value="sofa"\s+selected', page.text)
    assert browser.submit(
        page, {"items": "", "items-0-kind": "table", "items-0-quantity": "1"}
    ).url.path == ("/riverside/bulky-waste/concession")


def test_empty_required_page_shows_error_summary_and_messages(browser: Browser) -> None:
    browser.answer("/riverside/bulky-waste/collection-type", {"collection_type": "bulky"})
    page = browser.answer("/riverside/bulky-waste/contact", {})
    assert page.url.path == "/riverside/bulky-waste/contact"
    assert (
        _title(page)
        == f"Error: Your contact details{DASH}Book a bulky waste collection{DASH}{COUNCIL_NAME}"
    )
    summary = page.text.split('class="govuk-error-summary', 1)[1].split("</div>\n</div>", 1)[0]
    assert 'href="#name"' in summary
    assert 'href="#email"' in summary
    assert page.text.count("govuk-error-message") == 2
    assert 'id="name-error"' in page.text
    assert 'id="email-error"' in page.text


def test_skipped_conditional_page_is_never_shown_and_its_answer_dropped(browser: Browser) -> None:
    browser.answer("/riverside/garden-waste/bins", {"bins": "2"})
    page = browser.answer("/riverside/garden-waste/existing", {"existing_customer": "no"})
    assert page.url.path == "/riverside/garden-waste/delivery"
    browser.submit(page, {"bins_to_deliver": "2"})
    page = browser.answer("/riverside/garden-waste/existing", {"existing_customer": "yes"})
    assert page.url.path == "/riverside/garden-waste/details"
    assert (
        browser.get("/riverside/garden-waste/delivery").url.path
        == "/riverside/garden-waste/details"
    )
    details = {"name": "Ali", "email": "ali@example.org", "address_line1": "2 Park Road"}
    page = browser.submit(page, {**details, "postcode": "RM17 6SL"})
    assert page.url.path == "/riverside/garden-waste/check-answers"
    text = _text(page)
    assert "How many new bins" not in text
    assert "Delivery of new bins" not in text
    assert "Total to pay £90.00" in text
    # The back link of the details page skips the delivery page too.
    assert (
        'href="/riverside/garden-waste/existing"'
        in browser.get("/riverside/garden-waste/details").text
    )


def test_change_link_goes_to_the_page_and_returns_to_check_answers(browser: Browser) -> None:
    _bulky_answers(browser)
    check = browser.get("/riverside/bulky-waste/check-answers")
    change = re.search(r'href="(/riverside/bulky-waste/concession\?change=yes[^"]*)"', check.text)
    assert change
    page = browser.get(unescape(change.group(1)))
    assert 'href="/riverside/bulky-waste/check-answers"' in page.text  # the back link
    back = browser.submit(page, {"concession": "no"})
    assert back.url.path == "/riverside/bulky-waste/check-answers"
    assert "Council tax reduction (50% off)" not in _text(back)


def test_check_answers_shows_fee_lines_and_total_for_bulky_waste(browser: Browser) -> None:
    _bulky_answers(browser, quantity=4, concession="yes")
    text = _text(browser.get("/riverside/bulky-waste/check-answers"))
    assert "Collection of up to 3 items £35.00" in text
    assert "Each item after the third £12.00" in text
    assert "Council tax reduction (50% off) -£23.50" in text
    assert "Total to pay £23.50" in text
    assert "Submit and pay" in text
    _bulky_answers(browser, quantity=1, concession="no")
    text = _text(browser.get("/riverside/bulky-waste/check-answers"))
    assert "Total to pay £35.00" in text
    assert "Each item after the third" not in text
    assert "(50% off)" not in text


def test_tampered_posts_change_nothing_they_should_not(demo: Live, browser: Browser) -> None:
    _bulky_answers(browser, quantity=1, concession="no")
    browser.answer("/riverside/bulky-waste/collection-type", {
        "collection_type": "bulky", "concession": "yes", "items-0-quantity": "9",
        "amount": "1", "total": "1",
    })  # fmt: skip
    check = browser.get("/riverside/bulky-waste/check-answers")
    assert "Total to pay £35.00" in _text(check)
    submitted = browser.submit(check, {"amount": "1", "total": "1"})
    assert "/sandbox/" in str(submitted.url)
    (row,) = _submissions(demo)
    assert row.total == 3500
    assert row.answers
    assert row.answers["concession"] is False


def test_html_in_an_answer_is_escaped_on_check_answers(browser: Browser) -> None:
    _bulky_answers(browser)
    browser.answer(
        "/riverside/bulky-waste/contact",
        {"name": "<script>alert(1)</script>", "email": "sam@example.org"},
    )
    page = browser.get("/riverside/bulky-waste/check-answers")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert" not in page.text


def test_a_post_after_the_session_ended_shows_a_kind_page(browser: Browser) -> None:
    page = browser.get("/riverside/bulky-waste/collection-type")
    browser.http.cookies.delete("counterfoil-session")
    ended = browser.submit(page, {"collection_type": "bulky"})
    assert ended.status_code == 200
    assert "Your session has ended" in _text(ended)
    assert 'href="/riverside/bulky-waste/"' in ended.text


def test_free_form_submits_once_and_shows_confirmation_and_status(
    demo: Live, browser: Browser
) -> None:
    browser.answer("/riverside/missed-bin/bins", {
        "bin_types": ["", "recycling"], "collection_date-day": "20", "collection_date-month": "11",
        "collection_date-year": "2026", "bin_out_by_7am": "yes",
    })  # fmt: skip
    browser.answer(
        "/riverside/missed-bin/address", {"address_line1": "3 Mill Lane", "postcode": "RM17 6SL"}
    )
    check = browser.answer("/riverside/missed-bin/more", {})
    assert check.url.path == "/riverside/missed-bin/check-answers"
    assert "Submit and pay" not in check.text
    first = browser.submit(check)
    second = browser.submit(check)  # a double click
    assert first.url.path == second.url.path
    (row,) = _submissions(demo)
    assert first.url.path == f"/riverside/confirmation/{row.reference}"
    text = _text(first)
    assert "Missed bin reported" in text
    assert row.reference in text
    assert "We will collect it within 2 working days." in text
    status = browser.get(f"/riverside/submissions/{row.reference}")
    assert status.status_code == 200
    assert row.reference in _text(status)
    with demo.platform.session() as session:
        session.add(Council(slug="other", name="Other Council", logo_text="Other"))
    assert browser.get(f"/other/submissions/{row.reference}").status_code == 404
    assert browser.get(f"/other/confirmation/{row.reference}").status_code == 404


def test_card_payment_in_the_sandbox_lands_on_the_confirmation(
    demo: Live, browser: Browser
) -> None:
    _bulky_answers(browser, quantity=4, concession="no")
    card_page = browser.submit(browser.get("/riverside/bulky-waste/check-answers"))
    assert "/sandbox/" in str(card_page.url)
    done = pay_on_card_page(browser.http, str(card_page.url), "4242424242424242")
    (row,) = _submissions(demo)
    assert done.url.path == f"/riverside/confirmation/{row.reference}"
    text = _text(done)
    assert "Collection booked" in text
    assert row.reference in text
    assert "Total paid £47.00" in text


def test_declined_card_then_try_again_pays(demo: Live, browser: Browser) -> None:
    _bulky_answers(browser, quantity=1, concession="no")
    card_page = browser.submit(browser.get("/riverside/bulky-waste/check-answers"))
    failed = pay_on_card_page(browser.http, str(card_page.url), "4000000000000002")
    assert "Your payment did not go through" in _text(failed)
    again = browser.submit(failed)
    assert "/sandbox/" in str(again.url)
    assert again.url != card_page.url
    done = pay_on_card_page(browser.http, str(again.url), "4242424242424242")
    assert "Total paid £35.00" in _text(done)
