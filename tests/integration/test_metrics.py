"""Prometheus metrics over real HTTP: after a paid, delivered journey, GET /metrics counts the
requests under their route templates and the submission, payment and delivery counters moved."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from prometheus_client.parser import text_string_to_metric_families

from counterfoil.platform import Settings
from counterfoil.platform.observability.metrics import worker_metrics_server
from counterfoil.workflows.devserver import free_port
from tests.integration.conftest import Live
from tests.integration.journeys import (
    Browser,
    auth,
    pay_for_bulky_waste,
    seeded,
    wait_for_status,
)

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
CONTACT = {
    "name": "Sam Resident",
    "email": "sam@example.org",
    "phone": "07700 900123",
    "address_line1": "1 High Street",
    "postcode": "RM17 6SL",
    "location_notes": "",
}


def samples(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def scrape(live: Live) -> Samples:
    response = live.http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def test_a_paid_journey_moves_the_request_submission_payment_and_delivery_counters(
    make_live: Callable[..., Live],
) -> None:
    live = make_live(metrics_enabled=True)
    key = seeded(live)
    before = scrape(live)
    browser = Browser(live)
    try:
        reference = pay_for_bulky_waste(browser, CONTACT, "4242424242424242")
    finally:
        browser.http.close()
    wait_for_status(live.http, key, reference, "delivered")
    assert live.http.get("/api/v1/submissions/" + reference, headers=auth(key)).status_code == 200
    assert live.http.get("/no/such/page/at/all/here/x").status_code == 404
    after = scrape(live)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "counterfoil_http_requests_total"
    route = "/api/v1/submissions/{reference}"
    assert moved(requests, route=route, method="GET", status="200") >= 1
    assert moved(requests, route="<unmatched>", method="GET", status="404") == 1
    assert not any(
        name == requests and reference in dict(labels)["route"] for name, labels in after
    ), "a raw path became a label"
    durations = "counterfoil_http_request_duration_seconds_count"
    assert moved(durations, route=route, method="GET") >= 1
    for status in ("submitted", "awaiting_payment", "paid", "delivering", "delivered"):
        assert moved("counterfoil_submission_transitions_total", status=status) >= 1, status
    assert moved("counterfoil_submission_age_seconds_count", status="delivered") >= 1
    assert moved("counterfoil_payment_outcomes_total", provider="sandbox", outcome="success") >= 1
    assert moved("counterfoil_delivery_attempts_total", outcome="delivered") >= 1
    activity = "counterfoil_activity_duration_seconds_count"
    assert moved(activity, activity="submission.deliver", outcome="ok") >= 1
    assert moved(activity, activity="submission.create_payment", outcome="ok") >= 1


def test_metrics_are_off_unless_enabled(live: Live) -> None:
    assert live.http.get("/metrics").status_code == 404


def test_a_metrics_token_is_required_when_set(make_live: Callable[..., Live]) -> None:
    live = make_live(metrics_enabled=True, metrics_token="scrape-token-0123")
    assert live.http.get("/metrics").status_code == 401
    wrong = live.http.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    right = live.http.get("/metrics", headers={"Authorization": "Bearer scrape-token-0123"})
    assert right.status_code == 200
    assert "counterfoil_http_requests_total" in right.text


def test_the_worker_serves_its_metrics_on_its_own_port() -> None:
    port = free_port()
    settings = Settings(worker_metrics_port=port, host="127.0.0.1")
    with worker_metrics_server(settings):
        response = httpx.get(f"http://127.0.0.1:{port}/metrics")
    assert response.status_code == 200
    assert "counterfoil_activity_duration_seconds" in response.text
    assert "counterfoil_delivery_attempts_total" in response.text
