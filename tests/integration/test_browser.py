"""The important resident journeys in a real headless Chromium (Debian's `chromium`, driven by
Python playwright's sync API) against the live platform: web, worker, Temporal and the sandbox
provider. Every page, error states included, is checked with axe-core's WCAG 2.2 AA rules, and
the browser console must stay free of errors (CSP violations, script errors, failed loads).

Skipped, with the reason, when /usr/bin/chromium or frontend/node_modules/axe-core is missing."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, Response, sync_playwright

from counterfoil.platform.seed import seed_demo
from tests.integration.conftest import Live

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RUN_AXE = "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
# Chromium logs a document's own 4xx as a console error; expected on error pages, nowhere else.
FAILED_LOAD = "Failed to load resource: the server responded with a status of"
SESSION_COOKIE = "counterfoil-session"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One headless Chromium for the module; every process it started is gone afterwards."""
    if not CHROMIUM.exists():
        pytest.skip(f"no {CHROMIUM}: apt-get install chromium")
    if not AXE.exists():
        pytest.skip(f"no {AXE}: npm ci --prefix frontend")
    started: dict[int, str] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            started = _chromium_processes(os.getpid())
            browser.close()
    left = _wait_gone(started, timeout=10)
    for pid in left:  # ours, by pid: never leave them running, but fail loudly
        os.kill(pid, signal.SIGKILL)
    assert not left, f"Chromium processes left behind: {left}"


@dataclass
class Resident:
    """A person in a fresh browser context: each page they reach is audited with axe."""

    page: Page
    base_url: str
    console: list[str] = field(default_factory=list)
    audited: list[str] = field(default_factory=list)

    def open(self, path: str, status: int = 200) -> None:
        response = self.page.goto(self.base_url + path)
        self._arrived(response, status)

    def press(self, target: Locator, status: int = 200) -> None:
        """Click a button or link that loads a new page, then audit that page."""
        with self.page.expect_navigation() as navigation:
            target.click()
        self._arrived(navigation.value, status)

    def button(self, name: str) -> Locator:
        return self.page.get_by_role("button", name=name, exact=True)

    def link(self, name: str) -> Locator:
        return self.page.get_by_role("link", name=name, exact=True)

    def text(self, selector: str = "main") -> str:
        return " ".join(self.page.locator(selector).inner_text().split())

    def path(self) -> str:
        return self.page.url.removeprefix(self.base_url)

    def _arrived(self, response: Response | None, status: int) -> None:
        assert response is not None, f"no response for {self.page.url}"
        assert response.status == status, f"{self.page.url}: {response.status}, not {status}"
        self._audit(expected_failure=status >= 400)

    def _audit(self, expected_failure: bool) -> None:
        url = self.page.url
        self.page.add_script_tag(path=str(AXE))
        result: dict[str, Any] = self.page.evaluate(RUN_AXE, AXE_TAGS)
        violations = result["violations"]
        assert not violations, f"axe on {url}:\n" + _describe(violations)
        errors = [
            line
            for line in self.console
            if not (expected_failure and line.startswith(f"{url}: {FAILED_LOAD}"))
        ]
        self.console.clear()
        assert not errors, f"browser console on {url}:\n" + "\n".join(errors)
        self.audited.append(url)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console.append(f"{message.location.get('url', '')}: {message.text}")


@pytest.fixture
def demo(live: Live) -> Live:
    seed_demo(live.platform)
    return live


@pytest.fixture
def resident(chromium: Browser, demo: Live) -> Iterator[Resident]:
    context = chromium.new_context()
    page = context.new_page()
    person = Resident(page, demo.base_url)
    page.on("console", person._on_console)
    page.on("pageerror", lambda error: person.console.append(f"{page.url}: {error}"))
    try:
        yield person
    finally:
        context.close()


def test_bulky_waste_declined_card_then_good_card_every_page_accessible(
    resident: Resident,
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
    _pay(r, "4000000000000002")

    assert r.path().startswith("/pay/return/")
    assert "Your payment did not go through" in r.text()
    r.press(r.button("Try again"))
    assert "/sandbox/pay/" in r.page.url
    assert r.page.url != first_card_page
    _pay(r, "4242424242424242")

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


def test_garden_waste_delivery_page_only_for_a_new_customer(resident: Resident) -> None:
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
    _pay(r, "4000002500003155")
    assert "Confirm your payment" in r.text("h1")
    r.press(r.button("Approve"))
    assert r.path().startswith("/demo/confirmation/")
    assert "Subscription confirmed" in r.text(".govuk-panel")


def test_not_found_and_session_ended_pages_are_accessible(resident: Resident) -> None:
    r = resident
    r.open("/demo/no-such-service/", status=404)
    assert "Page not found" in r.text("h1")

    r.open("/demo/bulky-waste/collection-type")
    r.page.context.clear_cookies(name=SESSION_COOKIE)
    r.page.get_by_label("Furniture and other bulky items").check()
    r.press(r.button("Continue"))
    assert "Your session has ended" in r.text("h1")
    assert r.link("Start again").get_attribute("href") == "/demo/bulky-waste/"


def _pay(r: Resident, card: str) -> None:
    r.page.get_by_label("Card number").fill(card)
    r.page.get_by_label("Month").fill("12")
    r.page.get_by_label("Year").fill("2035")
    r.page.get_by_label("Name on card").fill("Sam Resident")
    r.page.get_by_label("Card security code").fill("123")
    r.press(r.button("Continue"))


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {node['target']}: {node.get('failureSummary', '')!r}")
    return "\n".join(lines)


def _chromium_processes(root: int) -> dict[int, str]:
    """Chromium processes below `root` (the playwright driver's children), by pid."""
    children: dict[int, list[tuple[int, str]]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(parent, []).append((int(entry.name), name))
    found: dict[int, str] = {}
    pending = [root]
    while pending:
        for pid, name in children.get(pending.pop(), []):
            pending.append(pid)
            if "chrom" in name:
                found[pid] = name
    return found


def _wait_gone(processes: dict[int, str], timeout: float) -> dict[int, str]:
    """Those of `processes` still alive (same pid, same name, not a zombie) after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        alive = {pid: name for pid, name in processes.items() if _alive(pid, name)}
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def _alive(pid: int, name: str) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    state = stat[stat.rindex(")") + 2 :].split()[0]
    return re.search(rf"\({re.escape(name)}\)", stat) is not None and state not in ("Z", "X")
