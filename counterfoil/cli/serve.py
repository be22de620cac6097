"""`counterfoil dev`, `web`, `worker` and `migrate`: running the platform."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator

import typer

from counterfoil.platform import Platform, Settings
from counterfoil.platform.db import migrate as apply_migrations
from counterfoil.platform.observability import configure_logging
from counterfoil.workflows.devserver import dev_server, port_open


@contextlib.contextmanager
def dev_temporal(settings: Settings) -> Iterator[None]:
    """The Temporal dev server, state under var/, unless an address is configured."""
    if settings.temporal_address:
        typer.echo(f"Temporal: using {settings.temporal_address}")
        yield
        return
    port = settings.temporal_dev_port
    if port_open(port):
        raise typer.BadParameter(
            f"port {port} is taken: stop the other Temporal server"
            " or set COUNTERFOIL_TEMPORAL_DEV_PORT"
        )
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(
                dev_server(
                    port,
                    ui_port=settings.temporal_ui_port,
                    db_file=settings.var_dir / "temporal.db",
                )
            )
        except RuntimeError as exc:
            typer.echo(f"The Temporal dev server did not start: {exc}", err=True)
            raise typer.Exit(1) from exc
        typer.echo(
            f"Temporal: dev server on 127.0.0.1:{port},"
            f" UI http://127.0.0.1:{settings.temporal_ui_port}"
        )
        yield


def _interrupt(_signum: int, _frame: object) -> None:
    # Handled exactly as Ctrl-C: while the event loop runs, asyncio's runner cancels only the main
    # task, which stops web and worker in order. A KeyboardInterrupt raised here instead escapes
    # the loop, and the runner then cancels every task at once, Temporal's worker task among them:
    # the worker's shutdown then sometimes waited forever (a process needing SIGKILL).
    signal.raise_signal(signal.SIGINT)


def _serve(settings: Settings, *, web: bool, worker: bool) -> None:
    from counterfoil.web.serve import PlatformServer, run_blocking
    from counterfoil.workflows.sdk_metrics import install_sdk_metrics
    from counterfoil.workflows.tracing import configure_tracing

    # SIGTERM (docker stop, `timeout`) must stop things in order like Ctrl-C does: uvicorn re-raises
    # the signal once it has shut down, and the default handler would kill us before the worker
    # and the dev Temporal server are stopped.
    signal.signal(signal.SIGTERM, _interrupt)
    # A shell starting us in the background ignores SIGINT, which would then swallow SIGTERM too.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    service = {(True, True): "counterfoil", (True, False): "counterfoil-web"}.get(
        (web, worker), "counterfoil-worker"
    )
    tracer = configure_tracing(settings, service)
    if worker:
        install_sdk_metrics(settings)  # before the first Temporal client connects
    platform = Platform.open(settings)
    server = PlatformServer(platform, web=web, worker=worker)
    try:
        run_blocking(server)
    except KeyboardInterrupt:
        pass
    finally:
        platform.close()
        if tracer is not None:
            tracer.shutdown()  # sends the spans still batched


def _finish(code: int = 0) -> None:
    # temporalio's threads can abort a clean interpreter exit (field-notes.md): leave directly.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def dev() -> None:
    """The embedded default: dev Temporal server, migrations, demo council, worker and web."""
    from counterfoil.platform.seed import seed_demo

    settings = Settings(dev_pages=True, metrics_enabled=True)
    configure_logging(settings, default_format="console")
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    try:
        with dev_temporal(settings):
            apply_migrations(settings.resolved_database_url)
            platform = Platform.open(settings)
            for line in seed_demo(platform):
                typer.echo(line)
            platform.close()
            typer.echo(
                f"Counterfoil: {settings.resolved_public_url}/demo/  (Ctrl-C stops everything)"
            )
            _serve(settings, web=True, worker=True)
    except KeyboardInterrupt:
        pass
    _finish()


def web() -> None:
    """The web process alone (production: scale these out)."""
    settings = Settings()
    configure_logging(settings)
    typer.echo(f"Counterfoil web on {settings.resolved_public_url}")
    _serve(settings, web=True, worker=False)
    _finish()


def worker() -> None:
    """The worker process alone (production: scale these out)."""
    settings = Settings()
    configure_logging(settings)
    _serve(settings, web=False, worker=True)
    _finish()


def migrate() -> None:
    """Apply database migrations."""
    settings = Settings()
    apply_migrations(settings.resolved_database_url)
    typer.echo("Database is up to date.")
