"""The Temporal SDK's own metrics in the worker's registry: workflow end-to-end and task latencies,
activity execution and schedule-to-start latencies, slots, polls and failures.

The SDK core serves them as Prometheus text on a loopback port of its own; a collector reads that
page at each scrape of the worker's metrics port, so one port shows ours and the SDK's.
"""

from __future__ import annotations

import logging
import socket
import urllib.request
from collections.abc import Iterator

from prometheus_client import REGISTRY
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from counterfoil.platform import Settings

log = logging.getLogger(__name__)


class SdkMetrics(Collector):
    """Re-exposes the SDK core's Prometheus page; nothing (and a warning) when it cannot be read."""

    def __init__(self, url: str) -> None:
        self._url = url

    def collect(self) -> Iterator[Metric]:
        try:
            with urllib.request.urlopen(self._url, timeout=2) as response:
                text = response.read().decode()
        except OSError as exc:
            log.warning("the Temporal SDK's metrics could not be read: %s", exc)
            return
        yield from text_string_to_metric_families(text)


def _free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def install_sdk_metrics(settings: Settings) -> None:
    """Make the process's default Temporal runtime export metrics, when the worker has a metrics
    port; call before the first client connects."""
    if not settings.worker_metrics_port:
        return
    address = f"127.0.0.1:{_free_loopback_port()}"
    metrics = PrometheusConfig(
        bind_address=address, counters_total_suffix=True, durations_as_seconds=True
    )
    Runtime.set_default(Runtime(telemetry=TelemetryConfig(metrics=metrics)))
    REGISTRY.register(SdkMetrics(f"http://{address}/metrics"))
