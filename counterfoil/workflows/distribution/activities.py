"""The DistributionWorkflow's one activity: build, write and record a day's batch. It is safe to
run any number of times, whole or cut short (counterfoil.platform.ledger.distribute_day)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from counterfoil.platform import Platform
from counterfoil.platform.errors import NotFound
from counterfoil.platform.ledger import LedgerError, distribute_day
from counterfoil.workflows.distribution.types import BuildBatch, DistributionResult


class DistributionActivities:
    def __init__(self, platform: Platform) -> None:
        self._platform = platform

    @activity.defn(name="distribution.build_batch")
    def build_batch(self, request: BuildBatch) -> DistributionResult:
        try:
            result = distribute_day(self._platform, request.council, request.business_date)
        except (NotFound, LedgerError) as exc:
            # a missing council or a bad ledger configuration will not fix itself by retrying
            raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from exc
        return DistributionResult(
            council=request.council,
            business_date=request.business_date,
            batch_id=result.batch_id,
            path=result.path,
            postings=result.postings,
            sha256=result.sha256,
        )

    def all(self) -> list[Callable[..., Any]]:
        return [self.build_batch]
