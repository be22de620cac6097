"""OpenTelemetry, when enabled: one paid submission gives spans from the web request, the
workflow's start and run, and its activities, all in one trace (web -> Temporal -> worker)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.factories import valid_answers
from tests.integration.conftest import Live
from tests.integration.journeys import pay_on_card_page, seeded, submit, wait_for_status

_EXPORTER = InMemorySpanExporter()


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """The process's tracer provider (OTel allows one) keeping spans in memory."""
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
        trace.set_tracer_provider(provider)
    _EXPORTER.clear()
    yield _EXPORTER
    _EXPORTER.clear()


def test_one_submission_is_one_trace_from_web_request_to_activities(
    spans: InMemorySpanExporter, make_live: Callable[..., Live]
) -> None:
    live = make_live(otel_enabled=True)
    key = seeded(live)
    body = submit(live, key, "bulky-waste", valid_answers("bulky-waste", 1))
    reference = body["reference"]
    pay_on_card_page(live.http, body["payment"]["next_url"], "4242424242424242")
    wait_for_status(live.http, key, reference, "delivered")

    names = {span.name: span for span in spans.get_finished_spans()}
    web = names["POST /api/v1/councils/{council}/forms/{slug}/submissions"]
    trace_id = web.context.trace_id
    wanted = [
        "StartUpdateWithStartWorkflow:SubmissionWorkflow",
        "RunWorkflow:SubmissionWorkflow",
        "StartActivity:submission.create_payment",
        "RunActivity:submission.create_payment",
        "RunActivity:submission.deliver",
    ]
    missing = [name for name in wanted if name not in names]
    assert not missing, f"no spans {missing}; saw {sorted(names)}"
    for name in wanted:
        assert names[name].context.trace_id == trace_id, name
    start = names["StartUpdateWithStartWorkflow:SubmissionWorkflow"]
    assert start.parent is not None
    assert start.parent.span_id in {s.context.span_id for s in spans.get_finished_spans()}


def test_tracing_is_off_by_default(spans: InMemorySpanExporter, live: Live) -> None:
    seeded(live)
    assert live.http.get("/health/live").status_code == 200
    assert spans.get_finished_spans() == ()
