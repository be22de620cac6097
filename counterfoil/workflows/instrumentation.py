"""What every activity run on this worker reports: its submission reference on each log line, and
its duration in the `counterfoil_activity_duration_seconds` histogram."""

from __future__ import annotations

import time
from typing import Any

from temporalio import activity
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from counterfoil.platform.observability import log_context
from counterfoil.platform.observability.logs import SUBMISSION_WORKFLOW
from counterfoil.platform.observability.metrics import ACTIVITY_DURATION


class ActivityInstrumentation(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _InstrumentedActivity(next)


class _InstrumentedActivity(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        # a submission's workflow id is its reference; other workflows' ids are not
        reference = info.workflow_id if info.workflow_type == SUBMISSION_WORKFLOW else None
        started = time.perf_counter()
        outcome = "error"
        try:
            with log_context(reference_of=reference):
                result = await self.next.execute_activity(input)
            outcome = "ok"
            return result
        finally:
            ACTIVITY_DURATION.labels(info.activity_type, outcome).observe(
                time.perf_counter() - started
            )
