"""A department's webhook endpoint on loopback (uvicorn in a thread): it records every delivery
(reference, webhook-id, body) and answers `status`, which a scenario may change while it runs."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn

from counterfoil.workflows.devserver import free_port, wait_for_port


@dataclass(frozen=True)
class Arrival:
    reference: str
    webhook_id: str
    body: bytes
    status: int
    at: float


class Department:
    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.arrivals: list[Arrival] = []
        self._lock = threading.Lock()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        webhook_id = dict(scope["headers"]).get(b"webhook-id", b"").decode()
        try:
            reference = str(json.loads(body).get("reference", ""))
        except ValueError:
            reference = ""
        status = self.status
        with self._lock:
            self.arrivals.append(Arrival(reference, webhook_id, body, status, time.monotonic()))
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def snapshot(self) -> list[Arrival]:
        with self._lock:
            return list(self.arrivals)

    def delivered(self) -> set[str]:
        """References the department has accepted (answered 2xx)."""
        return {a.reference for a in self.snapshot() if 200 <= a.status < 300}


@contextlib.contextmanager
def serve_hooks(app: Any, name: str) -> Iterator[str]:
    """Serve the ASGI `app` (a department's webhook endpoint) on loopback in a thread; yields its
    webhook URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}/hooks"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
