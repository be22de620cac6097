"""Fake payment providers speaking each provider's documented API on loopback, and the receiving
end of their webhooks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from _departments_support import serving
from litestar import Litestar, Request, Response, post


@dataclass
class WebhookInbox:
    """The service's webhook endpoint at `path`: keeps each post's headers and raw body."""

    path: str
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    def app(self, base_url: str) -> Litestar:
        self.url = f"{base_url}{self.path}"

        @post(self.path)
        async def hook(request: Request[Any, Any, Any]) -> Response[bytes]:
            self.received.append((dict(request.headers), await request.body()))
            return Response(b"", status_code=200)

        return Litestar([hook])


@contextmanager
def webhook_inbox(path: str) -> Iterator[WebhookInbox]:
    inbox = WebhookInbox(path)
    with serving(inbox.app):
        yield inbox
