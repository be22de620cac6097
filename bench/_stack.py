"""One running Counterfoil for the benchmarks: a fresh database, a Temporal dev server on a state
file, a department endpoint, `counterfoil web` and `counterfoil worker` processes (several behind a
round-robin proxy), and the demo council seeded with its department pointed at the endpoint."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from _department import Department, serve_hooks
from _procs import PlatformConfig, TemporalServer, Web, WorkerProcess, fresh_database, wait_ready
from _proxy import TcpProxy
from sqlmodel import select

from counterfoil.platform import Platform, Settings
from counterfoil.platform.auth.keys import create_api_key
from counterfoil.platform.db.models import Department as DepartmentRow
from counterfoil.platform.seed import DEMO_COUNCIL, DEMO_DEPARTMENT, seed_demo

ALERT_EMAIL = "waste-team@demo.example"


@dataclass
class Stack:
    platform: Platform  # the bench's own view of the database (never through the fault proxy)
    temporal: TemporalServer
    webs: list[Web]
    workers: list[WorkerProcess]
    department: Department
    front_url: str
    key: str
    db_proxy: TcpProxy | None = None


@contextlib.contextmanager
def running(
    database: str,
    work: Path,
    *,
    webs: int = 1,
    workers: int = 1,
    db_proxy: bool = False,
    department_status: int = 200,
    retry_schedule: list[timedelta] | None = None,
) -> Iterator[Stack]:
    """Database, Temporal dev server, department endpoint, then `webs` web and `workers` worker
    processes (behind a round-robin proxy when more than one web); stopped in reverse order."""
    work.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        database_url = stack.enter_context(fresh_database(database, work))
        platform = Platform.open(
            Settings(var_dir=work, database_url=database_url, secret_key="bench-secret")
        )
        stack.callback(platform.close)
        proxy = None
        processes_url = database_url
        if db_proxy:
            proxy = TcpProxy([("127.0.0.1", 5432)]).start()
            stack.callback(proxy.close)
            processes_url = database_url.replace(":5432/", f":{proxy.port}/")
        department = Department(department_status)
        hook_url = stack.enter_context(serve_hooks(department, "department"))
        key = seed(platform, hook_url)

        temporal = TemporalServer(work)
        temporal.start()
        stack.callback(temporal.stop)
        config = PlatformConfig(
            work=work,
            database_url=processes_url,
            temporal_address=temporal.address,
            delivery_retry_schedule=retry_schedule,
        )
        web_processes = [Web(config, i + 1) for i in range(webs)]
        if webs > 1:  # a round-robin load balancer is the public address
            front = TcpProxy([("127.0.0.1", w.port) for w in web_processes]).start()
            stack.callback(front.close)
            config.public_url = f"http://127.0.0.1:{front.port}"
            web_processes = [Web(config, i + 1, port=w.port) for i, w in enumerate(web_processes)]
        else:
            config.public_url = web_processes[0].url
            web_processes = [Web(config, 1, port=web_processes[0].port)]
        worker_processes = [WorkerProcess(config, i + 1) for i in range(workers)]
        for process in [*web_processes, *worker_processes]:
            process.start()
            stack.callback(process.stop)
        for web in web_processes:
            wait_ready(web.url)
        yield Stack(
            platform,
            temporal,
            web_processes,
            worker_processes,
            department,
            config.public_url,
            key,
            proxy,
        )


def seed(platform: Platform, hook_url: str) -> str:
    """The demo council, its department pointed at our endpoint (with a contact for alerts);
    returns an admin API key."""
    seed_demo(platform)
    with platform.session() as session:
        row = session.exec(select(DepartmentRow).where(DepartmentRow.slug == DEMO_DEPARTMENT)).one()
        row.webhook_url = hook_url
        row.email = ALERT_EMAIL
        session.add(row)
    return create_api_key(platform, DEMO_COUNCIL, ["admin", "designer", "agent", "finance"])
