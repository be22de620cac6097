"""The RetentionWorkflow's activities: one bounded batch of anonymisation, and the run's audit
entry. Both are safe to repeat (counterfoil.platform.retention)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from counterfoil.platform import Platform
from counterfoil.platform.errors import NotFound
from counterfoil.platform.retention import anonymise_batch, record_run
from counterfoil.workflows.retention.types import (
    AnonymiseBatch,
    BatchDone,
    RecordRun,
    RetentionResult,
)


class RetentionActivities:
    def __init__(self, platform: Platform) -> None:
        self._platform = platform

    @activity.defn(name="retention.anonymise_batch")
    def anonymise_batch(self, request: AnonymiseBatch) -> BatchDone:
        # the batch size is the worker's setting: bounded work per transaction on this database
        limit = self._platform.settings.retention_batch_size
        try:
            done = anonymise_batch(
                self._platform, request.council, request.today, request.run_id, limit
            )
        except NotFound as exc:  # no such council: retrying will not create it
            raise ApplicationError(str(exc), type="NotFound", non_retryable=True) from exc
        return BatchDone(anonymised=len(done), more=len(done) == limit)

    @activity.defn(name="retention.record_run")
    def record_run(self, request: RecordRun) -> RetentionResult:
        try:
            report = record_run(self._platform, request.council, request.today, request.run_id)
        except NotFound as exc:
            raise ApplicationError(str(exc), type="NotFound", non_retryable=True) from exc
        return RetentionResult(
            council=report.council,
            today=report.business_date,
            run_id=report.run_id,
            anonymised=report.anonymised,
            forms=report.forms,
            references=report.references,
        )

    def all(self) -> list[Callable[..., Any]]:
        return [self.anonymise_batch, self.record_run]
