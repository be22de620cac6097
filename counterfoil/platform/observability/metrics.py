"""The platform's Prometheus metrics, in the process-wide registry of prometheus-client.

Each process (web, worker) counts what it does and exposes its own registry: the web app at
`GET /metrics`, the worker on `COUNTERFOIL_WORKER_METRICS_PORT`. Labels hold route templates,
states and names, never a reference or anything a resident typed (one series each would not scale,
and would leak).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Histogram, start_http_server

from counterfoil.platform.settings import Settings

HTTP_REQUESTS = Counter(
    "counterfoil_http_requests",
    "HTTP requests answered, by route template, method and status code",
    ["route", "method", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "counterfoil_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method",
    ["route", "method"],
)
SUBMISSION_TRANSITIONS = Counter(
    "counterfoil_submission_transitions",
    "Submissions entering each status (recorded where the status changes)",
    ["status"],
)
SUBMISSION_AGE = Histogram(
    "counterfoil_submission_age_seconds",
    "Time from a submission's creation to its reaching each status (the workflow's latency)",
    ["status"],
    buckets=(1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 86400, 7 * 86400, float("inf")),
)
PAYMENT_OUTCOMES = Counter(
    "counterfoil_payment_outcomes",
    "Payments reaching a final state, by provider and outcome",
    ["provider", "outcome"],
)
DELIVERY_ATTEMPTS = Counter(
    "counterfoil_delivery_attempts",
    "Attempts to deliver a submission to its department, by outcome (delivered or failed)",
    ["outcome"],
)
ACTIVITY_DURATION = Histogram(
    "counterfoil_activity_duration_seconds",
    "Time an activity took on this worker, by activity type and outcome (ok or error)",
    ["activity", "outcome"],
)


@contextmanager
def worker_metrics_server(settings: Settings) -> Iterator[None]:
    """The worker process's registry over HTTP on `worker_metrics_port` (none when 0)."""
    if not settings.worker_metrics_port:
        yield
        return
    server, thread = start_http_server(settings.worker_metrics_port, addr=settings.host)
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
