"""Temporal's errors become the platform's: no answer in time is Unavailable (503), never a 500."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from counterfoil.platform import Settings
from counterfoil.platform.errors import NotFound, Unavailable
from counterfoil.workflows.submission.client import _answer


async def _raise(exc: BaseException) -> None:
    raise exc


async def _never() -> None:
    await asyncio.sleep(60)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: _raise(WorkflowUpdateRPCTimeoutOrCancelledError()), Unavailable),
        (lambda: _raise(RPCError("down", RPCStatusCode.UNAVAILABLE, b"")), Unavailable),
        (lambda: _raise(RPCError("gone", RPCStatusCode.NOT_FOUND, b"")), NotFound),
        (_never, Unavailable),
    ],
    ids=["update-rpc-timeout", "server-unavailable", "not-found", "no-answer-in-time"],
)
def test_temporal_failures_become_domain_errors(call, expected) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(update_timeout=timedelta(milliseconds=50))
    with pytest.raises(expected):
        asyncio.run(_answer(settings, call()))
