"""ReconciliationWorkflow: one council's payments of one business date against its providers'.

Started by hand with the id `reconciliation-<council>-<date>`, or by the council's schedule, which
gives no date: the workflow takes the day before its `TemporalScheduledStartTime` (Europe/London).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    from counterfoil.platform.ledger.dates import day_before
    from counterfoil.workflows.reconciliation.activities import ReconciliationActivities
    from counterfoil.workflows.reconciliation.types import (
        ReconcileDay,
        ReconciliationInput,
        ReconciliationResult,
    )

SCHEDULED_START = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")
# Providers and the database: keep retrying (the comparison and its record are idempotent) until
# the day is reconciled; a provider down for a while only delays the report.
RECONCILE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5)
)
SEND_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    maximum_interval=timedelta(minutes=10),
    maximum_attempts=20,
)


@workflow.defn(name="ReconciliationWorkflow")
class ReconciliationWorkflow:
    @workflow.run
    async def run(self, start: ReconciliationInput) -> ReconciliationResult:
        day = start.business_date
        if day is None:
            scheduled = workflow.info().typed_search_attributes.get(SCHEDULED_START)
            day = day_before(scheduled or workflow.now())
        result: ReconciliationResult = await workflow.execute_activity_method(
            ReconciliationActivities.reconcile_day,
            ReconcileDay(council=start.council, business_date=day),
            start_to_close_timeout=timedelta(minutes=10),
            retry_policy=RECONCILE_RETRY,
        )
        for key in result.emails:
            await workflow.execute_activity_method(
                ReconciliationActivities.send_report,
                key,
                start_to_close_timeout=timedelta(minutes=1),
                retry_policy=SEND_RETRY,
            )
        return result
