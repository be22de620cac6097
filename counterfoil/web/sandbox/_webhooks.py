"""Signed webhooks from the sandbox to a payment's callback URL, sent in the background so the
resident's redirect never waits on the platform, retried briefly on failure."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable, Sequence

import httpx

from counterfoil.platform.payments.sandbox import SIGNATURE_HEADER, sign
from counterfoil.web.sandbox._store import Notification

log = logging.getLogger(__name__)

# Short on purpose: a sandbox should show a retry within seconds, not GOV.UK Pay's hours.
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0)


class WebhookSender:
    def __init__(
        self,
        secret: str,
        client: httpx.AsyncClient | None = None,
        retry_delays: Sequence[float] = RETRY_DELAYS,
    ) -> None:
        self._secret = secret
        self._client = client or httpx.AsyncClient(timeout=5.0)
        self._retry_delays = tuple(retry_delays)
        # Strong references: the event loop only keeps weak ones, and a collected task never runs.
        self._tasks: set[asyncio.Task[None]] = set()

    def send(self, notifications: Iterable[Notification]) -> None:
        """Start delivering; must be called on the event loop's thread."""
        for notification in notifications:
            body = json.dumps(notification.event, separators=(",", ":")).encode()
            task = asyncio.create_task(self._deliver(notification.url, body))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, url: str, body: bytes) -> None:
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(self._secret, body)}
        for attempt, delay in enumerate((0.0, *self._retry_delays), start=1):
            if delay:
                await asyncio.sleep(delay)
            try:
                response = await self._client.post(url, content=body, headers=headers)
            except httpx.TransportError as exc:
                log.warning("sandbox webhook to %s failed (attempt %d): %r", url, attempt, exc)
                continue
            if response.is_success:
                return
            log.warning(
                "sandbox webhook to %s answered %d (attempt %d)", url, response.status_code, attempt
            )
        log.error("sandbox webhook to %s abandoned after %d attempts", url, attempt)

    async def aclose(self, grace: float = 1.0) -> None:
        """Give deliveries in flight `grace` seconds, cancel the rest, close the client."""
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self._client.aclose()
