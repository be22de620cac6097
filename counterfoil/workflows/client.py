"""Connecting to Temporal the same way from web, worker and tests."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from counterfoil.platform import Settings
from counterfoil.workflows.tracing import tracing_interceptors


async def connect(settings: Settings, address: str | None = None, *, lazy: bool = False) -> Client:
    """A client for the platform's namespace. `lazy` connects at the first call instead, so a web
    process starts (and its readiness probe answers 503) while Temporal is down; a worker needs
    the connection up front."""
    target = address or settings.temporal_address or f"127.0.0.1:{settings.temporal_dev_port}"
    return await Client.connect(
        target,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        interceptors=tracing_interceptors(settings),
        lazy=lazy,
    )
