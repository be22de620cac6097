"""RetentionWorkflow: one council's anonymisation run for one day.

Started by hand with the id `retention-<council>-<date>`, or by the council's schedule, which gives
no date: the workflow takes the day of its `TemporalScheduledStartTime` (Europe/London). It calls
bounded batches until one comes back short, then writes the run's audit entry.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    from counterfoil.platform.ledger.dates import business_date
    from counterfoil.platform.retention.selection import run_id_for
    from counterfoil.workflows.retention.activities import RetentionActivities
    from counterfoil.workflows.retention.types import (
        AnonymiseBatch,
        BatchDone,
        RecordRun,
        RetentionInput,
        RetentionResult,
    )

SCHEDULED_START = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")
# Database work only, each step idempotent: keep retrying (an outage included) until done.
RETENTION_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5)
)
# A very large backlog continues as a new run (same day, same run id) to keep histories short.
BATCHES_PER_HISTORY = 500


@workflow.defn(name="RetentionWorkflow")
class RetentionWorkflow:
    @workflow.run
    async def run(self, start: RetentionInput) -> RetentionResult:
        today = start.today
        if today is None:
            scheduled = workflow.info().typed_search_attributes.get(SCHEDULED_START)
            today = business_date(scheduled or workflow.now())
        run_id = run_id_for(start.council, today)
        for _ in range(BATCHES_PER_HISTORY):
            done: BatchDone = await workflow.execute_activity_method(
                RetentionActivities.anonymise_batch,
                AnonymiseBatch(start.council, today, run_id),
                start_to_close_timeout=timedelta(minutes=5),
                retry_policy=RETENTION_RETRY,
            )
            if not done.more:
                break
        else:
            workflow.continue_as_new(RetentionInput(start.council, today))
        result: RetentionResult = await workflow.execute_activity_method(
            RetentionActivities.record_run,
            RecordRun(start.council, today, run_id),
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=RETENTION_RETRY,
        )
        return result
