"""The baseline for bench/e2e.py: a one-activity workflow, the least a Temporal workflow can do.

It lives in its own module (not in the script run as __main__) so that the workflow sandbox can
import it like any other workflow module.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow


@activity.defn(name="bench.echo")
async def echo(value: str) -> str:
    return value


@workflow.defn(name="BenchTrivialWorkflow")
class TrivialWorkflow:
    @workflow.run
    async def run(self, value: str) -> str:
        return await workflow.execute_activity(
            echo, value, start_to_close_timeout=timedelta(seconds=30)
        )
