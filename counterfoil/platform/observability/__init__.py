"""Observability: structured, redacted log lines with their context, and Prometheus metrics."""

from counterfoil.platform.observability import metrics
from counterfoil.platform.observability.logs import (
    JsonFormatter,
    configure_logging,
    log_context,
    request_id,
)
from counterfoil.platform.observability.redaction import Redactor

__all__ = [
    "JsonFormatter",
    "Redactor",
    "configure_logging",
    "log_context",
    "metrics",
    "request_id",
]
