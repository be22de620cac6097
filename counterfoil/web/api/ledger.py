"""Ledger API: finance downloads a day's distribution file as it was written."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from litestar import Request, Response, Router, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from counterfoil.platform.auth import Principal
from counterfoil.platform.errors import NotFound
from counterfoil.platform.ledger import recorded_file
from counterfoil.web.api.auth import AUTH, platform_of


@get("/councils/{council:str}/ledger/{filename:str}")
async def download(
    council: FromPath[str],
    filename: FromPath[str],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
) -> Response[bytes]:
    """`GET .../ledger/2026-11-26.csv`: the file's exact bytes; 404 until the day is distributed."""
    principal.require(council, "finance")
    stem, dot, extension = filename.rpartition(".")
    try:
        day = date.fromisoformat(stem) if dot and extension == "csv" else None
    except ValueError:
        day = None
    if day is None:
        raise NotFound("Ledger files are named like 2026-11-26.csv")
    content = await asyncio.to_thread(recorded_file, platform_of(request), council, day)
    return Response(
        content.encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{council}-{filename}"'},
    )


ledger_router = Router(
    path="/api/v1", route_handlers=[download], dependencies=AUTH, tags=["ledger"]
)
