"""Pages for development only (`counterfoil dev` turns them on): the email outbox."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from counterfoil.platform.notifications import recent
from counterfoil.web.api.auth import platform_of


@get("/dev/outbox", sync_to_thread=True)
def outbox(request: Request[Any, Any, Any]) -> Template:
    with platform_of(request).session() as session:
        messages = recent(session)
    return Template("dev/outbox.html", context={"messages": messages})
