"""`counterfoil worker` as its own OS process, configured by environment variables: its metrics
port serves our counters and the Temporal SDK's own (workflow and activity latencies), and every
line it logs is one JSON object."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from counterfoil.workflows.devserver import free_port, wait_for_port
from tests.integration.journeys import wait_for

COUNTERFOIL = str(Path(sys.executable).with_name("counterfoil"))


def _sdk_metrics(url: str) -> str | None:
    text = httpx.get(url).text
    return text if "# TYPE temporal_" in text else None


def test_the_worker_process_serves_its_and_the_sdks_metrics_and_logs_json(
    tmp_path: Path, database_url: str, temporal_address: str
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "COUNTERFOIL_DATABASE_URL": database_url,
        "COUNTERFOIL_TEMPORAL_ADDRESS": temporal_address,
        "COUNTERFOIL_TASK_QUEUE": f"test-{uuid.uuid4().hex[:10]}",
        "COUNTERFOIL_HOST": "127.0.0.1",
        "COUNTERFOIL_WORKER_METRICS_PORT": str(port),
        "COUNTERFOIL_SECRET_KEY": "test-secret-key-0123456789",
    }
    log_file = tmp_path / "worker.log"
    with log_file.open("wb") as log:
        worker = subprocess.Popen(
            [COUNTERFOIL, "worker"], env=env, cwd=tmp_path, stdout=log, stderr=log
        )
    try:
        wait_for_port(port)
        text = wait_for(lambda: _sdk_metrics(f"http://127.0.0.1:{port}/metrics"), timeout=20)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    assert "# TYPE counterfoil_activity_duration_seconds histogram" in text
    assert "# TYPE counterfoil_delivery_attempts_total counter" in text
    lines = log_file.read_text().splitlines()
    assert lines, "the worker logged nothing"
    entries = [json.loads(line) for line in lines]
    assert all({"time", "level", "logger", "message"} <= set(entry) for entry in entries)
