"""What the headless Chromium journeys share: launching Debian's `chromium` (Python playwright's
sync API) and making sure none of its processes outlive the module, and a person in a browser
context whose every page is checked with axe-core's WCAG 2.2 AA rules, with a console free of
errors (CSP violations, script errors, failed loads) and no JavaScript dialog ever opened.

A journey module's `chromium` fixture is `yield from launch_chromium()`: it skips, with the
reason, when /usr/bin/chromium or frontend/node_modules/axe-core is missing."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Dialog,
    Locator,
    Page,
    Response,
    sync_playwright,
)

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
SANDBOX_CARD = "4242424242424242"


def launch_chromium() -> Iterator[Browser]:
    """One headless Chromium; every process it started is gone afterwards (or killed, and the
    test fails). Skips when Chromium or axe-core is not installed."""
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
class Visitor:
    """A person in a browser context of their own: each page they reach is audited with axe."""

    page: Page
    base_url: str
    console: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
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
        # evaluated through the DevTools protocol, which the page's CSP does not govern (a
        # <script> tag would be blocked: it has no nonce)
        self.page.evaluate(AXE.read_text())
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
        assert not self.dialogs, f"a JavaScript dialog opened on {url}: {self.dialogs}"
        self.audited.append(url)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console.append(f"{message.location.get('url', '')}: {message.text}")

    def _on_dialog(self, dialog: Dialog) -> None:
        # never expected (a script typed into a label that ran): noted, dismissed, failed on
        self.dialogs.append(f"{self.page.url}: {dialog.type} {dialog.message!r}")
        dialog.dismiss()


@contextmanager
def visitor(browser: Browser, base_url: str) -> Iterator[Visitor]:
    """A new browser context (no cookies) with its console, page errors and dialogs watched."""
    context = browser.new_context()
    page = context.new_page()
    person = Visitor(page, base_url)
    page.on("console", person._on_console)
    page.on("pageerror", lambda error: person.console.append(f"{page.url}: {error}"))
    page.on("dialog", person._on_dialog)
    try:
        yield person
    finally:
        context.close()


def pay(person: Visitor, card: str) -> None:
    """Fill in the sandbox provider's card page and press Continue."""
    person.page.get_by_label("Card number").fill(card)
    person.page.get_by_label("Month").fill("12")
    person.page.get_by_label("Year").fill("2035")
    person.page.get_by_label("Name on card").fill("Sam Resident")
    person.page.get_by_label("Card security code").fill("123")
    person.press(person.button("Continue"))


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
