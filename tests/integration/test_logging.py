"""Log lines of a whole journey: every line is one JSON object, none holds what the resident typed,
the card number, an email address or an API key, and lines carry their request id and reference.

All records of every logger (ours, uvicorn, temporalio, httpx, SQLAlchemy) are captured at DEBUG
through the production set-up (`configure_logging`), while web, worker and sandbox run for real."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from counterfoil.platform import Settings
from counterfoil.platform.departments.demo_inbox import demo_key
from counterfoil.platform.observability import configure_logging
from tests.integration.conftest import Live
from tests.integration.journeys import (
    Browser,
    answer_as_department,
    auth,
    pay_for_bulky_waste,
    seeded,
    wait_for_status,
)

TYPED = {
    "name": "Zebediah Quartermaine",
    "email": "zeb.quartermaine@example.org",
    "phone": "07700 900461",
    "address_line1": "17 Quillfeather Row",
    "postcode": "QX9 4ZZ",
    "location_notes": "Behind the quince hedge",
}
CARD = "4242424242424242"


class Captured:
    """The formatted lines, and the raw records (to check what log calls were given)."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.records: list[logging.LogRecord] = []

    def lines(self) -> list[dict[str, Any]]:
        text = self.stream.getvalue()
        return [json.loads(line) for line in text.splitlines() if line]


class _Keep(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__(logging.DEBUG)
        self._records = records

    def emit(self, record: logging.LogRecord) -> None:
        self._records.append(record)


@pytest.fixture
def captured() -> Iterator[Captured]:
    capture = Captured()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging(
        Settings(log_level="DEBUG", log_format="json"), stream=capture.stream
    )
    keep = _Keep(capture.records)
    root.addHandler(keep)
    try:
        yield capture
    finally:
        root.removeHandler(handler)
        root.removeHandler(keep)
        root.setLevel(level)


def test_a_paid_journey_logs_json_lines_without_what_was_typed(
    captured: Captured, make_live: Callable[..., Live]
) -> None:
    live = make_live()
    admin_key = seeded(live)
    browser = Browser(live)
    try:
        reference = pay_for_bulky_waste(browser, TYPED, CARD)
    finally:
        browser.http.close()
    wait_for_status(live.http, admin_key, reference, "delivered")
    assert answer_as_department(live, reference, "completed").status_code == 200
    wait_for_status(live.http, admin_key, reference, "completed")
    department_key = demo_key(live.platform, "demo", "waste-services")
    assert department_key
    seen = live.http.get("/api/v1/submissions/" + reference, headers=auth(admin_key))
    assert seen.headers["x-request-id"]

    lines = captured.lines()  # each line parses as one JSON object, or this fails
    assert len(lines) == len(captured.stream.getvalue().splitlines())
    secrets = [*TYPED.values(), CARD, "4242 4242", admin_key, department_key]
    secrets.append(admin_key.split("_", 2)[2])  # the key's secret part on its own
    text = captured.stream.getvalue()
    for value in secrets:
        holding = [line for line in text.splitlines() if value in line]
        assert not holding, f"log lines hold {value!r}: {holding[:3]}"
    # what the log calls themselves were given (before the redaction safety net)
    raw = "\n".join(
        record.getMessage() + str(record.__dict__.get("exc_text") or "")
        for record in captured.records
    )
    for value in [*TYPED.values(), CARD, admin_key, department_key]:
        assert value not in raw, f"a log call was given {value!r}"

    loggers = {line["logger"] for line in lines}
    assert {"uvicorn.access", "counterfoil.workflows.submission.activities"} <= loggers
    ours = [line for line in lines if line.get("reference") == reference]
    statuses = {line["message"] for line in ours if line["logger"].endswith("activities")}
    assert {"submission is now paid", "submission is now delivered"} <= statuses
    requests = [line for line in lines if line["logger"] == "uvicorn.access"]
    assert requests
    assert all(line.get("request_id") for line in requests)
    assert any(line.get("request_id") == seen.headers["x-request-id"] for line in requests)
    assert all("?" not in line["message"] for line in requests)


def test_a_sane_request_id_is_kept_and_an_odd_one_replaced(live: Live) -> None:
    kept = live.http.get("/health/live", headers={"X-Request-ID": "trace-abc-12345"})
    assert kept.headers["x-request-id"] == "trace-abc-12345"
    replaced = live.http.get("/health/live", headers={"X-Request-ID": '{"level":"ERROR"}'})
    assert replaced.headers["x-request-id"] != '{"level":"ERROR"}'
    assert len(replaced.headers["x-request-id"]) == 32
