"""Health endpoints for orchestrators: `/health/live` (the process answers) and `/health/ready`
(it can do its work: the database and Temporal both answer), 503 with the failed check if not."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from litestar import Request, Response, Router, get
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from sqlalchemy import text
from temporalio.client import Client

from counterfoil.platform import Platform

log = logging.getLogger(__name__)

# A probe must answer before the orchestrator's own timeout (compose and Kubernetes default to a
# few seconds), even when a dependency hangs rather than refuses.
CHECK_TIMEOUT = timedelta(seconds=2)
# How long a load balancer should wait before asking a not-ready process again.
RETRY_AFTER_SECONDS = 5


@get("/health/live", sync_to_thread=False)
def live() -> dict[str, str]:
    return {"status": "ok"}


@get("/health/ready")
async def ready(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    platform: Platform = request.app.state.platform
    temporal: Client | None = request.app.state.get("temporal")
    database, workflows = await asyncio.gather(_check_database(platform), _check_temporal(temporal))
    checks = {"database": database, "temporal": workflows}
    if all(result == "ok" for result in checks.values()):
        return Response({"status": "ready", "checks": checks}, status_code=HTTP_200_OK)
    return Response(
        {"status": "unavailable", "checks": checks},
        status_code=HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _select_one(platform: Platform) -> None:
    with platform.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


async def _check_database(platform: Platform) -> str:
    try:
        await asyncio.wait_for(
            asyncio.to_thread(_select_one, platform), CHECK_TIMEOUT.total_seconds()
        )
    except TimeoutError:
        return "timeout"
    except Exception:
        # The reason goes to the log, not to whoever can reach the probe (it may name hosts).
        log.warning("readiness: the database check failed", exc_info=True)
        return "unreachable"
    return "ok"


async def _check_temporal(client: Client | None) -> str:
    if client is None:
        return "not connected"
    try:
        healthy = await asyncio.wait_for(
            client.service_client.check_health(timeout=CHECK_TIMEOUT),
            CHECK_TIMEOUT.total_seconds() + 1,
        )
    except TimeoutError:
        return "timeout"
    except Exception:
        log.warning("readiness: the Temporal check failed", exc_info=True)
        return "unreachable"
    return "ok" if healthy else "not serving"


# No session: a probe needs none, and the session store is the database, which liveness must not
# depend on (nor should every probe write a session row).
health_router = Router(path="/", route_handlers=[live, ready], opt={"skip_session": True})
