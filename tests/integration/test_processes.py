"""The production topology for real: `counterfoil web` and `counterfoil worker` as separate OS
processes, configured only by environment variables, sharing one Temporal and one database. The
same load through one web and one worker, through two of each, and through two of each with a
worker killed part way, ends the same: every submission paid once and delivered once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlmodel import col, select
from temporalio.api.enums.v1 import EventType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

from counterfoil.platform import Platform, Settings
from counterfoil.platform.auth.keys import create_api_key
from counterfoil.platform.db.models import Delivery, InboxMessage, Payment, Submission
from counterfoil.platform.seed import seed_demo
from counterfoil.workflows.client import connect
from counterfoil.workflows.devserver import free_port
from tests.factories import valid_answers
from tests.integration.journeys import auth, pay_on_card_page, status_of, wait_for

COUNTERFOIL = str(Path(sys.executable).with_name("counterfoil"))
LOAD = 20
FORM = "bulky-waste"


@dataclass
class Processes:
    """Every subprocess a test starts, each logging to its own file; all stopped at teardown."""

    folder: Path
    env: dict[str, str]
    started: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    # the test's own handles on the database, closed with the processes
    platforms: list[Platform] = field(default_factory=list)

    def start(self, name: str, command: str, **env: str) -> subprocess.Popen[bytes]:
        with (self.folder / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                [COUNTERFOIL, command],
                env={**self.env, **env},
                cwd=self.folder,  # no stray .env from the repository
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.started.append((name, process))
        return process

    def alive(self) -> bool:
        """True while every server started is running; fails the test at once when one died."""
        for name, process in self.started:
            if name != "migrate" and process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}:\n{self.logs()}")
        return True

    def stop_all(self) -> None:
        # SIGTERM everything first so that they shut down side by side, then wait for each.
        for _, process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _, process in self.started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for platform in self.platforms:
            platform.close()

    def logs(self) -> str:
        return "\n".join(
            f"--- {name} (exit {process.returncode}) ---\n"
            + (self.folder / f"{name}.log").read_text(errors="replace")[-3000:]
            for name, process in self.started
        )


@dataclass
class Topology:
    webs: list[str]
    workers: list[subprocess.Popen[bytes]]
    web_processes: list[subprocess.Popen[bytes]]
    platform: Platform
    key: str


@pytest.fixture
def processes(tmp_path: Path, database_url: str, temporal_address: str) -> Iterator[Processes]:
    # Only what the environment gives: nothing of this test's own COUNTERFOIL_* leaks in.
    base = {k: v for k, v in os.environ.items() if not k.startswith("COUNTERFOIL_")}
    env = {
        **base,
        "COUNTERFOIL_DATABASE_URL": database_url,
        "COUNTERFOIL_TEMPORAL_ADDRESS": temporal_address,
        "COUNTERFOIL_TASK_QUEUE": f"procs-{uuid.uuid4().hex[:10]}",
        "COUNTERFOIL_SECRET_KEY": "shared-secret-key-for-every-web-0123",
        "COUNTERFOIL_VAR_DIR": str(tmp_path),
    }
    running = Processes(tmp_path, env)
    try:
        yield running
    finally:
        running.stop_all()
        print(running.logs())  # shown by pytest when the test failed


def start_topology(processes: Processes, webs: int, workers: int) -> Topology:
    migrate = processes.start("migrate", "migrate")
    assert migrate.wait(timeout=60) == 0, processes.logs()
    urls = [f"http://127.0.0.1:{free_port()}" for _ in range(webs)]
    settings = Settings(
        var_dir=processes.folder,
        database_url=processes.env["COUNTERFOIL_DATABASE_URL"],
        temporal_address=processes.env["COUNTERFOIL_TEMPORAL_ADDRESS"],
        public_url=urls[0],  # where the demo department's inbox is: the first web
    )
    platform = Platform.open(settings)
    processes.platforms.append(platform)
    seed_demo(platform)
    key = create_api_key(platform, "demo", ["admin", "agent", "finance"])
    # The first web's address stands for the load balancer's: every process has the same public
    # URL, as in production (a payment's return URL is built from it, and a retried payment must
    # send the provider the same request). Each worker calls the sandbox API through "its" web.
    web_processes = [
        processes.start(
            f"web{i}",
            "web",
            COUNTERFOIL_PORT=url.rsplit(":", 1)[1],
            COUNTERFOIL_PUBLIC_URL=urls[0],
        )
        for i, url in enumerate(urls)
    ]
    worker_processes = [
        processes.start(
            f"worker{i}",
            "worker",
            COUNTERFOIL_PUBLIC_URL=urls[0],
            COUNTERFOIL_SANDBOX_BASE_URL=f"{urls[i % webs]}/sandbox",
        )
        for i in range(workers)
    ]
    # generous: on a busy 2-core machine four interpreters importing everything take a while
    wait_for(lambda: processes.alive() and all(_ready(url) for url in urls), timeout=90)
    task_queue = processes.env["COUNTERFOIL_TASK_QUEUE"]
    pids = {p.pid for p in worker_processes}
    wait_for(lambda: processes.alive() and pids <= _poller_pids(settings, task_queue), timeout=90)
    return Topology(urls, worker_processes, web_processes, platform, key)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health/ready", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def _poller_pids(settings: Settings, task_queue: str) -> set[int]:
    """Pids of the processes polling the task queue (Temporal's default identity is pid@host)."""

    async def describe() -> set[int]:
        client = await connect(settings)
        answer = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=settings.temporal_namespace, task_queue=TaskQueue(name=task_queue)
            )
        )
        return {int(p.identity.split("@", 1)[0]) for p in answer.pollers}

    return asyncio.run(describe())


def journey(topology: Topology, i: int) -> str:
    """One resident's submission, made through one web and paid on another; returns its
    reference. A 503 (no worker answered in time: one was just killed) is retried with the same
    Idempotency-Key, as an API client should."""
    web = topology.webs[i % len(topology.webs)]
    payer = topology.webs[(i + 1) % len(topology.webs)]
    with httpx.Client(base_url=web, timeout=30) as http:
        for _ in range(5):
            created = http.post(
                f"/api/v1/councils/demo/forms/{FORM}/submissions",
                json={"answers": valid_answers(FORM)},
                headers={**auth(topology.key), "Idempotency-Key": f"load-{i}"},
            )
            if created.status_code != 503:
                break
        assert created.status_code == 201, created.text
    body = created.json()
    # the card page on another web than the one that made the payment: the sandbox keeps its
    # state in the database, not in the process
    next_url = payer + httpx.URL(body["payment"]["next_url"]).raw_path.decode()
    with httpx.Client(timeout=30) as http:
        assert pay_on_card_page(http, next_url, "4242424242424242").status_code == 303
    return str(body["reference"])


def run_load(topology: Topology, kill_worker_after: int | None = None) -> list[str]:
    references = []
    with ThreadPoolExecutor(max_workers=4) as pool:
        for done, future in enumerate(
            as_completed(pool.submit(journey, topology, i) for i in range(LOAD)), 1
        ):
            references.append(future.result())
            if done == kill_worker_after:
                topology.workers[0].send_signal(signal.SIGKILL)
    return references


def outcomes(topology: Topology, references: list[str]) -> dict[str, tuple[object, ...]]:
    """What each submission came to: its status (read through each web in turn), its payments,
    its delivery, and how many distinct messages the department received for it."""
    delivered = wait_for(lambda: _delivered(topology.platform) >= len(references), timeout=120)
    assert delivered
    seen: dict[str, tuple[object, ...]] = {}
    with topology.platform.session() as session:
        for n, reference in enumerate(references):
            submission = session.exec(
                select(Submission).where(Submission.reference == reference)
            ).one()
            payments = session.exec(
                select(Payment).where(Payment.submission_id == submission.id)
            ).all()
            deliveries = session.exec(
                select(Delivery).where(Delivery.submission_id == submission.id)
            ).all()
            received = session.exec(
                select(InboxMessage.webhook_id).where(
                    InboxMessage.reference == reference, col(InboxMessage.verified)
                )
            ).all()
            web = topology.webs[n % len(topology.webs)]
            with httpx.Client(base_url=web, timeout=30) as http:
                status = status_of(http, topology.key, reference)["status"]
            seen[reference] = (
                status,
                [(p.state, p.amount) for p in payments],
                [d.status for d in deliveries],
                len(set(received)),
            )
    return seen


def _delivered(platform: Platform) -> int:
    with platform.session() as session:
        return len(session.exec(select(Delivery).where(Delivery.status == "delivered")).all())


def activity_pids(topology: Topology, references: list[str]) -> set[int]:
    """The processes that ran the submissions' activities, from the workflows' histories."""

    async def read() -> set[int]:
        client = await connect(topology.platform.settings)
        pids: set[int] = set()
        for reference in references:
            history = await client.get_workflow_handle(reference).fetch_history()
            pids |= {
                int(e.activity_task_started_event_attributes.identity.split("@", 1)[0])
                for e in history.events
                if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
            }
        return pids

    return asyncio.run(read())


def expected(references: list[str]) -> dict[str, tuple[object, ...]]:
    total = 3500  # the bulky-waste test answers' fee
    return {r: ("delivered", [("success", total)], ["delivered"], 1) for r in references}


@pytest.mark.parametrize(("webs", "workers"), [(1, 1), (2, 2)])
def test_same_load_through_one_or_two_webs_and_workers_pays_and_delivers_each_once(
    processes: Processes, webs: int, workers: int
) -> None:
    topology = start_topology(processes, webs, workers)
    references = run_load(topology)
    assert len(set(references)) == LOAD
    assert outcomes(topology, references) == expected(references)
    ran = activity_pids(topology, references)
    # every worker took a share, and no web ran any workflow work
    assert ran == {p.pid for p in topology.workers}
    # docker stop: SIGTERM, then each process stops in order and exits 0, within the grace period
    processes.stop_all()
    assert {name: p.returncode for name, p in processes.started} == {
        name: 0 for name, _ in processes.started
    }


def test_a_worker_killed_part_way_leaves_the_other_to_finish_every_submission(
    processes: Processes,
) -> None:
    topology = start_topology(processes, webs=2, workers=2)
    references = run_load(topology, kill_worker_after=LOAD // 2)
    assert topology.workers[0].wait(timeout=5) == -signal.SIGKILL
    assert len(set(references)) == LOAD
    # a delivery interrupted by the kill may reach the department twice with the same webhook id
    # (at least once, deduplicated by id): still one distinct message per submission
    assert outcomes(topology, references) == expected(references)
    assert topology.workers[1].poll() is None
    assert all(web.poll() is None for web in topology.web_processes)
    processes.stop_all()
    assert [p.returncode for p in [topology.workers[1], *topology.web_processes]] == [0] * 3
