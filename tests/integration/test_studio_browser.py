"""The designer studio in a real headless Chromium against the live platform (web, worker,
Temporal and the sandbox provider): a designer signs in, builds a two-page paid form from blank
with the studio's own pages (a conditional page, a per-item fee and a concession), previews it,
saves the preview as a test, runs the tests, publishes it, and a resident then completes and pays
it. Every page on the way, error states included, is checked with axe-core's WCAG 2.2 AA rules with
a console free of errors; a label typed with a script in it is shown as text and never runs.

Skipped, with the reason, when /usr/bin/chromium or frontend/node_modules/axe-core is missing."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator

from counterfoil.platform.seed import seed_demo
from tests.integration.browser_support import SANDBOX_CARD, Visitor, launch_chromium, pay, visitor
from tests.integration.conftest import Live
from tests.integration.studio_support import PASSWORD, add_staff

DESIGNER = "designer@example.org"
SLUG = "bag-collection"
TITLE = "Book a garden bag collection"
FORM = f"/studio/forms/{SLUG}"
# Typed by the designer as a question's label: it must be shown as these characters everywhere.
SCRIPTED = "Do you get a council tax reduction? <script>alert(1)</script>"
TEST_NAME = "Two bags with a reduction"
FEES = [
    "£3 per bag £6.00",
    "Council tax reduction (50% off) -£3.00",
    "Total to pay £3.00",
]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    yield from launch_chromium()


@pytest.fixture
def studio_demo(live: Live) -> Live:
    """The demo council (its "Waste services" department) and a designer who can sign in."""
    seed_demo(live.platform)
    add_staff(live, DESIGNER, ["designer"])
    return live


def test_designer_builds_previews_tests_publishes_and_a_resident_pays(
    chromium: Browser, studio_demo: Live
) -> None:
    with visitor(chromium, studio_demo.base_url) as designer:
        _sign_in(designer)
        _build_from_blank(designer)
        _preview_and_save_a_test(designer)
        _publish_refused_then_published(designer)
        designer.press(designer.button("Sign out"))
        assert designer.path() == "/studio/sign-in"
        studio_pages = len(designer.audited)
    with visitor(chromium, studio_demo.base_url) as resident:
        reference = _resident_completes_and_pays(resident)
    assert reference.startswith("BAG-")
    assert studio_pages >= 30, designer.audited


def _sign_in(d: Visitor) -> None:
    d.open("/studio/forms")  # signed out: sent to the sign-in page
    assert d.path() == "/studio/sign-in?next_path=/studio/forms"
    d.page.get_by_label("Council").select_option("demo")
    d.page.get_by_label("Email address").fill(DESIGNER)
    d.page.get_by_label("Password").fill("not the password")
    d.press(d.button("Sign in"), status=400)
    assert d.page.title().startswith("Error: ")
    assert "There is a problem" in d.text(".govuk-error-summary")
    d.page.get_by_label("Password").fill(PASSWORD)
    d.press(d.button("Sign in"))
    assert d.path() == "/studio/forms"
    assert f"signed in as {DESIGNER}" in d.text(".studio-bar")


def _section(d: Visitor, page_id: str) -> Locator:
    return d.page.locator(f"#page-{page_id}")


def _add_question(d: Visitor, page_id: str, kind: str, label: str, name: str) -> None:
    """From the overview: choose the kind of question on a page, fill in its editor, save."""
    section = _section(d, page_id)
    section.get_by_label("Kind of question").select_option(label=kind)
    d.press(section.get_by_role("button", name="Add a question"))
    d.page.get_by_label("Question", exact=True).fill(label)
    d.page.get_by_label("Field name").fill(name)
    d.page.get_by_label("Yes, required").check()


def _save_question(d: Visitor, name: str) -> None:
    d.press(d.button("Save question"))
    assert d.path() == f"{FORM}?saved=question#question-{name}"


def _build_from_blank(d: Visitor) -> None:
    d.press(d.link("Create a form"))
    d.press(d.button("Create form"), status=400)  # no name, no title: the error summary
    assert "Enter the form's title" in d.text(".govuk-error-summary")
    d.page.get_by_label("From blank").check()
    d.page.get_by_label("Web address name").fill(SLUG)
    d.page.get_by_label("Title").fill(TITLE)
    d.press(d.button("Create form"))
    assert d.path() == FORM
    assert TITLE in d.text("h1")

    # Page 1: rename it, and its two questions instead of the blank form's placeholder.
    d.press(_section(d, "first-page").get_by_role("link", name="Edit page"))
    d.page.get_by_label("Page title").fill("Your bags")
    d.press(d.button("Save page"))

    _add_question(d, "first-page", "Whole number", "How many bags?", "bags")
    d.page.get_by_label("Question", exact=True).fill("")
    d.press(d.button("Save question"), status=400)  # no label: the editor's error state
    assert d.page.title().startswith("Error: ")
    assert "Enter the question" in d.text(".govuk-error-summary")
    d.page.get_by_label("Question", exact=True).fill("How many bags?")
    d.page.get_by_label("Smallest (optional)").fill("0")
    d.page.get_by_label("Largest (optional)").fill("20")
    _save_question(d, "bags")

    _add_question(d, "first-page", "Yes or no", SCRIPTED, "reduction")
    _save_question(d, "reduction")
    assert SCRIPTED in d.text("#question-reduction")

    d.press(d.button("Delete question First question"))
    assert "First question" not in d.text()

    # Page 2, asked only when at least one bag is wanted.
    d.page.get_by_label("Page title").fill("Where should we collect?")
    d.press(d.button("Add page"))
    page_id = d.path().rsplit("/", 1)[1]
    d.page.get_by_label("When answers match the rows below").check()
    d.page.locator("#when-0-field").select_option("bags")
    d.page.locator("#when-0-operator").select_option("more_than")
    d.page.locator("#when-0-value").fill("0")
    d.press(d.button("Save page"))
    assert "asked only when its condition holds" in d.text(f"#page-{page_id}")

    _add_question(d, page_id, "Text (one line)", "Address line 1", "address_line1")
    _save_question(d, "address_line1")
    _add_question(d, page_id, "Text (one line)", "Postcode", "postcode")
    d.page.get_by_label("Answers must match").select_option(label="UK postcode")
    _save_question(d, "postcode")

    # Fees: £3 for each bag, then half off for a council tax reduction.
    d.press(d.link("Fees"))
    d.page.get_by_label("Kind of fee line").select_option("per_answer")
    d.press(d.button("Add a fee line"))
    d.page.get_by_label("What residents see").fill("£3 per bag")
    d.page.get_by_label("Line id").fill("bags")
    d.page.get_by_label("Amount in pounds for each one").fill("3")
    d.page.get_by_label("For each", exact=True).select_option("bags")
    d.page.get_by_label("Fund code").fill("GWB01")
    d.page.get_by_label("VAT code").select_option("OS")
    d.press(d.button("Save fee line"))
    assert d.path() == f"{FORM}/fees?saved=1"

    d.page.get_by_label("Kind of fee line").select_option("concession")
    d.press(d.button("Add a fee line"))
    d.page.get_by_label("What residents see").fill("Council tax reduction (50% off)")
    d.page.get_by_label("Line id").fill("reduction")
    d.page.get_by_label("Percentage off the lines above").fill("50")
    d.page.locator("#fee-0-field").select_option("reduction")
    d.page.locator("#fee-0-operator").select_option("equals")
    d.page.locator("#fee-0-value").fill("yes")
    d.page.get_by_label("Fund code").fill("GWB01")
    d.page.get_by_label("VAT code").select_option("OS")
    d.press(d.button("Save fee line"))
    fees = d.text()
    assert "fund GWB01 · VAT OS" in fees
    assert "A percentage off the lines above when a condition holds" in fees

    d.press(d.link("Back to the form"))
    d.press(d.link("Settings"))
    d.page.get_by_label("Department that receives submissions").select_option(
        label="Waste services"
    )
    d.page.get_by_label("Confirmation page title").fill("Collection booked")
    d.page.get_by_label("Payment reference prefix").fill("BAG")
    d.press(d.button("Save settings"))
    assert d.path() == f"{FORM}?saved=settings#settings"
    assert "problem(s) to fix" not in d.text()


def _no_script_ran(d: Visitor) -> None:
    """The scripted label is on the page as text, and no script element carries it."""
    assert SCRIPTED in d.text()
    assert d.page.locator("script", has_text="alert(1)").count() == 0


def _preview_and_save_a_test(d: Visitor) -> None:
    # The fee panel: no bags, so the collection page is skipped and nothing is charged.
    d.press(d.link("Fee panel"))
    _no_script_ran(d)
    d.page.get_by_label("How many bags?").fill("0")
    d.page.get_by_label("No", exact=True).check()
    d.press(d.button("Work out the fee"))
    assert "This page is skipped for these answers" in d.text()
    assert "Total to pay £0.00" in d.text("#quote")
    d.press(d.link("Back to the form"))

    d.press(d.link("Preview the draft"))
    assert "Preview — nothing is submitted and no payment is taken" in d.text(".govuk-phase-banner")
    d.press(d.button("Start now"))
    _answer_both_pages(d)
    assert d.path() == f"{FORM}/preview/check-answers"
    assert "Preview" in d.text(".govuk-phase-banner")
    _no_script_ran(d)
    assert _fee_rows(d) == FEES
    d.press(d.button("Submit"))
    assert d.path() == f"{FORM}/preview-result"
    assert "Preview finished: nothing was submitted" in d.text("h1")
    d.page.get_by_label("Test name").fill(TEST_NAME)
    assert d.page.get_by_label("Total to pay").input_value() == "3.00"
    d.press(d.button("Save these answers as a test"))
    assert d.path() == f"{FORM}/tests?done=saved"
    assert TEST_NAME in d.text("table")


def _answer_both_pages(r: Visitor) -> None:
    r.page.get_by_label("How many bags?").fill("2")
    r.page.get_by_label("Yes", exact=True).check()
    _no_script_ran(r)
    r.press(r.button("Continue"))
    assert "Where should we collect?" in r.text("h1")
    r.page.get_by_label("Address line 1").fill("1 High Street")
    r.page.get_by_label("Postcode").fill("NOT A POSTCODE")  # the UK postcode preset refuses it
    r.press(r.button("Continue"), status=400)
    assert "There is a problem" in r.text(".govuk-error-summary")
    r.page.get_by_label("Postcode").fill("RM17 6SL")
    r.press(r.button("Continue"))


def _fee_rows(r: Visitor) -> list[str]:
    rows = r.page.locator(".fee-summary .govuk-summary-list__row").all_inner_texts()
    return [" ".join(row.split()) for row in rows]


def _set_expected_total(d: Visitor, pounds: str) -> None:
    d.press(d.link(f"Edit {TEST_NAME}"))
    d.page.get_by_label("Total to pay").fill(pounds)
    d.press(d.button("Save the test"))
    assert d.path() == f"{FORM}/tests?done=changed"


def _publish_refused_then_published(d: Visitor) -> None:
    _set_expected_total(d, "99.00")  # a wrong expectation: publishing must refuse
    d.press(d.link("Back to the form"))
    d.press(d.button("Publish"), status=422)
    assert "The form was not published" in d.text("h1")
    assert "Failed" in d.text()
    assert TEST_NAME in d.text()

    d.press(d.link("The tests"))
    _set_expected_total(d, "3.00")
    d.press(d.button("Run all tests"))
    assert "Every test passed" in d.text("h1")
    assert f"Passed {TEST_NAME}" in d.text()
    d.press(d.button("Publish"))
    assert d.path() == f"{FORM}/versions?published=1"
    assert "Published as version 1" in d.text()
    assert "Version 1 Live" in d.text("table")
    d.press(d.link("View version 1"))
    assert SCRIPTED in d.text("pre")  # the definition as JSON, the label in it as text
    d.press(d.link("Back to the versions"))
    d.press(d.button("Show the changes"))
    assert "Changes from draft to version 1" in d.text("h1")
    d.press(d.link("Back to the versions"))


def _resident_completes_and_pays(r: Visitor) -> str:
    r.open("/demo/")
    r.press(r.link(TITLE))
    assert r.path() == f"/demo/{SLUG}/"
    r.press(r.button("Start now"))
    assert r.page.locator(".govuk-phase-banner").count() == 0  # the real thing, no preview
    _answer_both_pages(r)
    assert r.path() == f"/demo/{SLUG}/check-answers"
    _no_script_ran(r)
    assert _fee_rows(r) == FEES
    r.press(r.button("Submit and pay"))
    assert "/sandbox/pay/" in r.page.url
    assert "Total amount: £3.00" in r.text()
    pay(r, SANDBOX_CARD)
    assert r.path().startswith("/demo/confirmation/")
    reference = r.path().rsplit("/", 1)[1]
    panel = r.text(".govuk-panel")
    assert "Collection booked" in panel
    assert reference in panel
    assert re.fullmatch(r"[A-Z0-9]+-[A-Z0-9]{4}-[A-Z0-9]{4}", reference), reference
    assert "Total paid £3.00" in r.text()
    return reference
