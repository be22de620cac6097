"""DistributionWorkflow: one council's ledger batch for one business date.

Started by hand with the id `distribution-<council>-<date>`, or by the council's schedule, which
gives no date: the workflow takes the day before its `TemporalScheduledStartTime` (Europe/London).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    from counterfoil.platform.ledger.dates import day_before
    from counterfoil.workflows.distribution.activities import DistributionActivities
    from counterfoil.workflows.distribution.types import (
        BuildBatch,
        DistributionInput,
        DistributionResult,
    )

SCHEDULED_START = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")
# Database and file work: keep retrying (every step is idempotent) until the day is written.
BATCH_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5)
)


@workflow.defn(name="DistributionWorkflow")
class DistributionWorkflow:
    @workflow.run
    async def run(self, start: DistributionInput) -> DistributionResult:
        day = start.business_date
        if day is None:
            scheduled = workflow.info().typed_search_attributes.get(SCHEDULED_START)
            day = day_before(scheduled or workflow.now())
        result: DistributionResult = await workflow.execute_activity_method(
            DistributionActivities.build_batch,
            BuildBatch(council=start.council, business_date=day),
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=BATCH_RETRY,
        )
        return result
