"""Log lines: redaction, the JSON formatter and its context, uvicorn's access line."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from counterfoil.platform import Settings
from counterfoil.platform.observability import JsonFormatter, Redactor, log_context
from counterfoil.platform.observability.logs import (
    AccessLogFilter,
    ConsoleFormatter,
    request_id,
    settings_secrets,
)

KEY = "cf_ab12cd34_" + "Q" * 43


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        ("card 4242424242424242 declined", "4242424242424242", "card [card] declined"),
        ("card 4242 4242 4242 4242", "4242 4242", "[card]"),
        ("card 4000-0000-0000-0002", "4000-0000", "[card]"),
        ("wrote to sam.resident+bins@example.org", "example.org", "[email]"),
        (f"key {KEY} used", "QQQQ", "cf_ab12cd34_[redacted]"),
        ("Authorization: Bearer abc.def", "abc.def", "Bearer [redacted]"),
        ("GET http://x.test/pay/1?token=zz&a=b", "token=zz", "http://x.test/pay/1?[query]"),
        ("GET /riverside/pay?name=Sam HTTP/1.1", "name=Sam", "/riverside/pay?[query]"),
        ("postgresql://app:hunter22@db/cf", "hunter22", "app:[redacted]@db"),
        ("stripe sk_test_51Habc and whsec_abc", "51Habc", "stripe [redacted]"),
        ("password=letmein; next", "letmein", "password=[redacted]"),
    ],
)
def test_redactor_masks_what_looks_secret_or_personal(text: str, gone: str, kept: str) -> None:
    masked = Redactor()(text)
    assert gone not in masked
    assert kept in masked


@pytest.mark.parametrize(
    "text",
    [
        "submission BW-2026-000123-7 paid 4700 pence",
        "timestamp 1732621234567 is no card",  # 13 digits failing the Luhn check
        "GET /api/v1/submissions/BW-26-000001-4 HTTP/1.1 200",
    ],
)
def test_redactor_leaves_references_amounts_and_paths(text: str) -> None:
    assert Redactor()(text) == text


def test_configured_secrets_are_masked_by_value() -> None:
    settings = Settings(secret_key="a-long-session-secret", metrics_token="scrape-token-1")
    secrets = settings_secrets(settings)
    assert {"a-long-session-secret", "scrape-token-1"} <= set(secrets)
    masked = Redactor(secrets)("signing with a-long-session-secret, scraping scrape-token-1")
    assert "a-long-session-secret" not in masked
    assert "scrape-token-1" not in masked


def _record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("counterfoil.test", logging.INFO, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return record


def test_json_line_carries_context_and_redacts() -> None:
    token = request_id.set("req-12345678")
    try:
        with log_context(reference_of="BW-26-000001-4", council_of="riverside"):
            line = JsonFormatter().format(_record("mail %s", "sam@example.org"))
    finally:
        request_id.reset(token)
    entry = json.loads(line)
    assert entry["message"] == "mail [email]"
    assert entry["request_id"] == "req-12345678"
    assert entry["reference"] == "BW-26-000001-4"
    assert entry["council"] == "riverside"
    assert entry["level"] == "INFO"
    assert entry["logger"] == "counterfoil.test"
    assert entry["time"].endswith("+00:00")


def test_json_line_outside_any_context_has_no_context_keys() -> None:
    entry = json.loads(JsonFormatter().format(_record("plain")))
    assert set(entry) == {"time", "level", "logger", "message"}


def test_workflow_records_take_the_reference_from_temporalio_details() -> None:
    details = {"workflow_type": "SubmissionWorkflow", "workflow_id": "BW-26-000002-2"}
    entry = json.loads(JsonFormatter().format(_record("x", temporal_workflow=details)))
    assert entry["reference"] == "BW-26-000002-2"
    other = {"workflow_type": "DistributionWorkflow", "workflow_id": "ledger-riverside"}
    entry = json.loads(JsonFormatter().format(_record("x", temporal_activity=other)))
    assert "reference" not in entry


def test_exception_text_is_redacted_into_one_line() -> None:
    try:
        raise ValueError("bad card 4242424242424242")
    except ValueError:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert "ValueError: bad card [card]" in entry["exc_info"]


def test_console_line_is_redacted_too() -> None:
    line = ConsoleFormatter().format(_record("to %s", "sam@example.org"))
    assert "sam@example.org" not in line
    assert "counterfoil.test: to [email]" in line


def test_access_line_drops_client_address_and_query_string() -> None:
    record = _record(
        '%s - "%s %s HTTP/%s" %d', "203.0.113.9:5555", "GET", "/pay?card=1", "1.1", 200
    )
    assert AccessLogFilter().filter(record)
    assert record.getMessage() == "GET /pay HTTP/1.1 200"
