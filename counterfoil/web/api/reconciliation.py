"""Reconciliation API: finance reads a day's comparison of payments with the providers' lists, as
JSON or as a CSV file."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from litestar import Request, Response, Router, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from counterfoil.platform.auth import Principal
from counterfoil.platform.errors import NotFound
from counterfoil.platform.reconciliation import Report, recorded_report, render_csv
from counterfoil.web.api.auth import AUTH, platform_of


def _view(report: Report) -> dict[str, Any]:
    return {
        "council": report.council,
        "date": report.business_date.isoformat(),
        "ran_at": report.ran_at.isoformat(),
        "payments": {"ours": report.ours, "providers": report.theirs},
        "differences": [
            {
                "provider": d.provider,
                "kind": str(d.kind),
                "reference": d.reference,
                "provider_id": d.provider_id,
                "our_amount": d.our_amount,
                "their_amount": d.their_amount,
                "our_state": d.our_state,
                "their_state": d.their_state,
            }
            for d in report.differences
        ],
    }


@get("/councils/{council:str}/reconciliation/{day:str}")
async def reconciliation_report(
    council: FromPath[str],
    day: FromPath[str],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
) -> Response[Any]:
    """`.../reconciliation/2026-11-25` as JSON, `.../2026-11-25.csv` as a file; 404 until the day
    has been reconciled."""
    principal.require(council, "finance", "admin")
    stem, dot, extension = day.rpartition(".")
    as_csv = bool(dot) and extension == "csv"
    try:
        business_date = date.fromisoformat(stem if as_csv else day)
    except ValueError:
        raise NotFound(
            "Reconciliation reports are named like 2026-11-25 or 2026-11-25.csv"
        ) from None
    report = await asyncio.to_thread(recorded_report, platform_of(request), council, business_date)
    if not as_csv:
        return Response(_view(report))
    filename = f"{council}-reconciliation-{business_date.isoformat()}.csv"
    return Response(
        render_csv(report).encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


reconciliation_router = Router(
    path="/api/v1",
    route_handlers=[reconciliation_report],
    dependencies=AUTH,
    tags=["reconciliation"],
)
