"""Real processes for the benchmarks and the fault runner: a fresh database (SQLite file or a new
PostgreSQL database), a Temporal dev server on a state file that can be stopped and started again
on the same port, and `counterfoil web` / `counterfoil worker` subprocesses that can be killed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO

import httpx
import psycopg

from counterfoil.platform.db import migrate
from counterfoil.workflows.devserver import free_port, port_open, temporal_cli, wait_for_port

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SECRET_KEY = "bench-secret-key-0123456789abcdef"


def counterfoil_cli() -> str:
    return str(Path(sys.executable).with_name("counterfoil"))


@contextlib.contextmanager
def fresh_database(kind: str, work: Path) -> Iterator[str]:
    """A migrated, empty database; yields its URL. `kind`: sqlite, or postgres (a new database on
    the local server, dropped afterwards)."""
    if kind == "sqlite":
        url = f"sqlite:///{work / 'counterfoil.db'}"
        migrate(url)
        yield url
        return
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        migrate(url)
        yield url
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rss_mb(pid: int) -> float:
    """Resident set size of a process in MiB, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Process:
    """One subprocess in its own session, its output appended to a log file."""

    def __init__(self, name: str, command: list[str], log: Path, env: Mapping[str, str]) -> None:
        self.name = name
        self.command = command
        self.log_path = log
        self.env = dict(env)
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> None:
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=self.env,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def rss_mb(self) -> float:
        return rss_mb(self.pid) if self.running else float("nan")

    def tail(self, lines: int = 15) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def wait_for_port(self, port: int) -> None:
        assert self.process is not None
        try:
            wait_for_port(port, process=self.process)
        except RuntimeError as exc:
            raise RuntimeError(f"{self.name}: {exc}; its log ends:\n{self.tail()}") from None

    def kill(self) -> None:
        """SIGKILL: no shutdown at all, as a crashed machine."""
        if self.running:
            assert self.process is not None
            self.process.kill()
            self.process.wait()
        self._close_log()

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM, then SIGKILL if it has not gone within `timeout`."""
        if self.running:
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


class TemporalServer(Process):
    """`temporal server start-dev` on a fixed port and state file: a restart resumes its state."""

    def __init__(self, work: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.db_file = work / "temporal.db"
        command = [
            temporal_cli(), "server", "start-dev", "--headless", "--ip", "127.0.0.1",
            "--port", str(self.port), "--db-filename", str(self.db_file), "--log-level", "error",
        ]  # fmt: skip
        super().__init__("temporal", command, work / "temporal.log", os.environ)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        super().start()
        self.wait_for_port(self.port)


@dataclass
class PlatformConfig:
    """What every web and worker process of one run shares (COUNTERFOIL_* variables)."""

    work: Path
    database_url: str
    temporal_address: str
    public_url: str = ""
    task_queue: str = field(default_factory=lambda: f"bench-{uuid.uuid4().hex[:8]}")
    delivery_retry_schedule: list[timedelta] | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def env(self, port: int) -> dict[str, str]:
        env = {
            **os.environ,
            "COUNTERFOIL_VAR_DIR": str(self.work),
            "COUNTERFOIL_DATABASE_URL": self.database_url,
            "COUNTERFOIL_TEMPORAL_ADDRESS": self.temporal_address,
            "COUNTERFOIL_TASK_QUEUE": self.task_queue,
            "COUNTERFOIL_PORT": str(port),
            "COUNTERFOIL_PUBLIC_URL": self.public_url or f"http://127.0.0.1:{port}",
            "COUNTERFOIL_SECRET_KEY": SECRET_KEY,
            # one load generator is one client IP: its submissions must not meet the rate limit
            "COUNTERFOIL_SUBMISSION_RATE_LIMIT": str(10**9),
            "PYTHONFAULTHANDLER": "1",  # a crashed process leaves its stacks in its log
            **self.extra,
        }
        if self.delivery_retry_schedule is not None:
            seconds = [d.total_seconds() for d in self.delivery_retry_schedule]
            env["COUNTERFOIL_DELIVERY_RETRY_SCHEDULE"] = str(seconds)
        return env


class Web(Process):
    def __init__(self, config: PlatformConfig, index: int = 1, port: int | None = None) -> None:
        self.port = port or free_port()
        super().__init__(
            f"web{index}",
            [counterfoil_cli(), "web"],
            config.work / f"web{index}.log",
            config.env(self.port),
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        super().start()
        self.wait_for_port(self.port)


class WorkerProcess(Process):
    def __init__(self, config: PlatformConfig, index: int = 1) -> None:
        # the worker reaches the sandbox provider through the web's public URL
        super().__init__(
            f"worker{index}",
            [counterfoil_cli(), "worker"],
            config.work / f"worker{index}.log",
            config.env(0),
        )


def wait_ready(url: str, timeout: float = 60) -> None:
    """Until `url`/health/ready answers 200 (database and Temporal reachable)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/health/ready", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} is not ready after {timeout:.0f} s")
        time.sleep(0.2)


__all__ = [
    "PlatformConfig",
    "Process",
    "TemporalServer",
    "Web",
    "WorkerProcess",
    "counterfoil_cli",
    "free_port",
    "fresh_database",
    "port_open",
    "rss_mb",
    "wait_ready",
]
