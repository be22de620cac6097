"""OpenTelemetry tracing across web -> workflow -> activities, only when `otel_enabled`.

temporalio's TracingInterceptor on the client carries the web request's span into the workflow's
headers; the worker (which takes the client's interceptors) continues it in RunWorkflow and
RunActivity spans, so one submission's spans share one trace id. Off, nothing is imported or
installed: no tracer, no interceptor, no middleware.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from counterfoil.platform import Settings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from temporalio.client import Interceptor


def tracing_interceptors(settings: Settings) -> list[Interceptor]:
    """The client interceptors for tracing (none when off); a worker built on the client takes
    them too, so they are never given to the Worker a second time."""
    if not settings.otel_enabled:
        return []
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor()]


def configure_tracing(settings: Settings, service: str) -> TracerProvider | None:
    """Install the process's tracer provider: spans batched to OTLP/HTTP when
    OTEL_EXPORTER_OTLP_ENDPOINT is set (the standard OTel variables configure it), else printed."""
    if not settings.otel_enabled:
        return None
    from opentelemetry import trace
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SpanExporter,
    )

    exporter: SpanExporter
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    else:
        exporter = ConsoleSpanExporter()
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return provider
