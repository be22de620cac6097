"""Connecting to Temporal the same way from web, worker and tests."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from counterfoil.platform import Settings
from counterfoil.workflows.tracing import tracing_interceptors


async def connect(settings: Settings, address: str | None = None) -> Client:
    target = address or settings.temporal_address or f"127.0.0.1:{settings.temporal_dev_port}"
    return await Client.connect(
        target,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        interceptors=tracing_interceptors(settings),
    )
