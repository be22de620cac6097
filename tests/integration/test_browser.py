"""The important resident journeys in a real headless Chromium (Debian's `chromium`, driven by
Python playwright's sync API) against the live platform: web, worker, Temporal and the sandbox
provider. Every page, error states included, is checked with axe-core's WCAG 2.2 AA rules, and
the browser console must stay free of errors (CSP violations, script errors, failed loads).

Skipped, with the reason, when /usr/bin/chromium or frontend/node_modules/axe-core is missing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from counterfoil.platform.seed import seed_demo
from tests.integration.browser_support import SANDBOX_CARD, Visitor, launch_chromium, pay, visitor
from tests.integration.conftest import Live

SESSION_COOKIE = "counterfoil-session"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    yield from launch_chromium()


@pytest.fixture
def demo(live: Live) -> Live:
    seed_demo(live.platform)
    return live


@pytest.fixture
def resident(chromium: Browser, demo: Live) -> Iterator[Visitor]:
    with visitor(chromium, demo.base_url) as person:
        yield person


def test_bulky_waste_declined_card_then_good_card_every_page_accessible(
    resident: Visitor,
) -> None:
    r = resident
    r.open("/demo/")
    r.press(r.link("Book a bulky waste collection"))
    assert r.path() == "/demo/bulky-waste/"
    r.press(r.button("Start now"))

    r.page.get_by_label("Furniture and other bulky items").check()
    r.press(r.button("Continue"))

    assert r.path() == "/demo/bulky-waste/items"
    for row in range(4):
        if row:
            r.press(r.button("Add another item"))
        r.page.locator(f'select[name="items-{row}-kind"]').select_option("sofa")
        r.page.locator(f'input[name="items-{row}-quantity"]').fill("1")
    r.press(r.button("Continue"))

    assert r.path() == "/demo/bulky-waste/concession"
    r.page.get_by_label("Yes").check()
    r.press(r.button("Continue"))

    assert r.path() == "/demo/bulky-waste/contact"
    r.press(r.button("Continue"), status=400)  # nothing filled in: the error summary
    assert r.page.title().startswith("Error: ")
    summary = r.text(".govuk-error-summary")
    assert "There is a problem" in summary
    links = r.page.locator(".govuk-error-summary a")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == ["#name", "#email"]
    r.page.get_by_label("Full name").fill("Sam Resident")
    r.page.get_by_label("Email address").fill("sam@example.org")
    r.press(r.button("Continue"))

    assert r.path() == "/demo/bulky-waste/address"
    r.page.get_by_label("Address line 1").fill("1 High Street")
    r.page.get_by_label("Postcode").fill("RM17 6SL")
    r.press(r.button("Continue"))

    assert r.path() == "/demo/bulky-waste/check-answers"
    assert r.text().count("Sofa") == 4
    # bulky-waste.json: £35 for the first 3 items, £12 for the 4th, then half off both.
    fee_rows = r.page.locator(".fee-summary .govuk-summary-list__row").all_inner_texts()
    assert [" ".join(row.split()) for row in fee_rows] == [
        "Collection of up to 3 items £35.00",
        "Each item after the third £12.00",
        "Council tax reduction (50% off) -£23.50",
        "Total to pay £23.50",
    ]

    r.press(r.button("Submit and pay"))
    assert "/sandbox/pay/" in r.page.url
    assert "Total amount: £23.50" in r.text()
    first_card_page = r.page.url
    r.press(r.button("Continue"), status=400)  # an empty card form: the card page's errors
    assert "Enter a valid card number" in r.text(".govuk-error-summary")
    pay(r, "4000000000000002")

    assert r.path().startswith("/pay/return/")
    assert "Your payment did not go through" in r.text()
    r.press(r.button("Try again"))
    assert "/sandbox/pay/" in r.page.url
    assert r.page.url != first_card_page
    pay(r, SANDBOX_CARD)

    assert r.path().startswith("/demo/confirmation/")
    panel = r.text(".govuk-panel")
    reference = r.path().rsplit("/", 1)[1]
    assert "Collection booked" in panel
    assert reference in panel
    assert "Total paid £23.50" in r.text()

    r.press(r.link("Check the progress of book a bulky waste collection"))
    assert r.path() == f"/demo/submissions/{reference}"
    assert f"Submission {reference}" in r.text("h1")
    assert "£23.50" in r.text()


def test_garden_waste_delivery_page_only_for_a_new_customer(resident: Visitor) -> None:
    r = resident
    r.open("/demo/garden-waste/")
    r.press(r.button("Start now"))
    r.page.get_by_label("How many bins do you want emptied?").fill("2")
    r.press(r.button("Continue"))
    r.page.get_by_label("No").check()
    r.press(r.button("Continue"))
    assert r.path() == "/demo/garden-waste/delivery"
    assert "How many new bins should we deliver?" in r.text("h1")

    # Another person, who already has bins: straight from "existing" to "details".
    r.page.context.clear_cookies()
    r.open("/demo/garden-waste/bins")
    r.page.get_by_label("How many bins do you want emptied?").fill("1")
    r.press(r.button("Continue"))
    r.page.get_by_label("Yes").check()
    r.press(r.button("Continue"))
    assert r.path() == "/demo/garden-waste/details"
    r.page.get_by_label("Full name").fill("Ali Resident")
    r.page.get_by_label("Email address").fill("ali@example.org")
    r.page.get_by_label("Address line 1").fill("2 Park Road")
    r.page.get_by_label("Postcode").fill("RM17 6SL")
    r.press(r.button("Continue"))
    assert r.path() == "/demo/garden-waste/check-answers"
    assert "How many new bins" not in r.text()
    assert "Delivery of new bins" not in r.text()
    assert "Total to pay £45.00" in r.text()

    # The 3-D Secure test card shows the sandbox's challenge page before the confirmation.
    r.press(r.button("Submit and pay"))
    pay(r, "4000002500003155")
    assert "Confirm your payment" in r.text("h1")
    r.press(r.button("Approve"))
    assert r.path().startswith("/demo/confirmation/")
    assert "Subscription confirmed" in r.text(".govuk-panel")


def test_not_found_and_session_ended_pages_are_accessible(resident: Visitor) -> None:
    r = resident
    r.open("/demo/no-such-service/", status=404)
    assert "Page not found" in r.text("h1")

    r.open("/demo/bulky-waste/collection-type")
    r.page.context.clear_cookies(name=SESSION_COOKIE)
    r.page.get_by_label("Furniture and other bulky items").check()
    r.press(r.button("Continue"))
    assert "Your session has ended" in r.text("h1")
    assert r.link("Start again").get_attribute("href") == "/demo/bulky-waste/"
