"""Log lines: one JSON object a line in production (or readable console lines under
`counterfoil dev`), each carrying the request id, submission reference and council of the work that
wrote it, every message passed through the redaction safety net.

The context lives in contextvars: the web sets them per request, the worker per activity; a
workflow's own lines carry its id through temporalio's `temporal_workflow` extra.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

from counterfoil.platform.observability.redaction import Redactor
from counterfoil.platform.settings import Settings

request_id: ContextVar[str | None] = ContextVar("counterfoil_request_id", default=None)
reference: ContextVar[str | None] = ContextVar("counterfoil_reference", default=None)
council: ContextVar[str | None] = ContextVar("counterfoil_council", default=None)

# The workflow whose id is a submission reference (field-notes: workflow id = reference).
SUBMISSION_WORKFLOW = "SubmissionWorkflow"
_SECRET_SUFFIXES = ("key", "keys", "secret", "token", "password")


@contextmanager
def log_context(
    *, reference_of: str | None = None, council_of: str | None = None
) -> Iterator[None]:
    """Lines written inside carry this submission reference and council."""
    tokens = [
        (var, var.set(value))
        for var, value in ((reference, reference_of), (council, council_of))
        if value is not None
    ]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def _record_reference(record: logging.LogRecord) -> str | None:
    current = reference.get()
    if current is not None:
        return current
    # temporalio's workflow and activity loggers attach the run's details to each record
    for extra in ("temporal_workflow", "temporal_activity"):
        details = record.__dict__.get(extra)
        if isinstance(details, dict) and details.get("workflow_type") == SUBMISSION_WORKFLOW:
            workflow_id = details.get("workflow_id")
            return workflow_id if isinstance(workflow_id, str) else None
    return None


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, context and exception, redacted."""

    def __init__(self, redact: Redactor | None = None) -> None:
        super().__init__()
        self._redact = redact or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self._redact(record.getMessage()),
        }
        for key, value in (
            ("request_id", request_id.get()),
            ("reference", _record_reference(record)),
            ("council", council.get()),
        ):
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self._redact(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack_info"] = self._redact(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False)


class ConsoleFormatter(logging.Formatter):
    """A readable line for a person at a terminal, redacted the same way."""

    def __init__(self, redact: Redactor | None = None) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        self._redact = redact or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        context = " ".join(
            f"{key}={value}"
            for key, value in (
                ("request", request_id.get()),
                ("ref", _record_reference(record)),
                ("council", council.get()),
            )
            if value is not None
        )
        line = super().format(record)
        return self._redact(f"{line} [{context}]" if context else line)


class AccessLogFilter(logging.Filter):
    """uvicorn's access line without the client address (personal data) or the query string
    (it can carry answers or tokens): `GET /path HTTP/1.1 200`."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:
            _client, method, path, version, status = args
            record.msg = "%s %s HTTP/%s %d"
            record.args = (method, str(path).split("?", 1)[0], version, status)
        return True


def settings_secrets(settings: Settings) -> list[str]:
    """The values of settings whose names say they are secret (keys, secrets, tokens)."""
    return [
        value
        for name, value in settings.model_dump().items()
        if name.endswith(_SECRET_SUFFIXES) and isinstance(value, str) and value
    ]


def formatter_for(settings: Settings, default_format: str) -> logging.Formatter:
    redact = Redactor(settings_secrets(settings))
    chosen = settings.log_format or default_format
    return JsonFormatter(redact) if chosen == "json" else ConsoleFormatter(redact)


def configure_logging(
    settings: Settings, *, default_format: str = "json", stream: IO[str] | None = None
) -> logging.Handler:
    """Send every logger's records (ours, uvicorn's, temporalio's, httpx's) to one handler on the
    root logger, at `settings.log_level`; returns the handler (remove it to undo)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter_for(settings, default_format))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "counterfoil", False)]:
        root.removeHandler(old)
    handler.counterfoil = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    level = logging.getLevelNamesMapping().get(settings.log_level.upper())
    if level is None:
        raise ValueError(f"COUNTERFOIL_LOG_LEVEL {settings.log_level!r} is not a logging level")
    root.setLevel(level)
    # SQLAlchemy logs each statement at INFO (parameters hidden: db/engine.py) and each result
    # row at DEBUG, answers included: statements only when debugging, rows never.
    logging.getLogger("sqlalchemy").setLevel(
        logging.INFO if level <= logging.DEBUG else logging.WARNING
    )
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, AccessLogFilter) for f in access.filters):
        access.addFilter(AccessLogFilter())
    return handler
