"""Starting reconciliations: a day by hand (`counterfoil reconcile run`), and each council's daily
schedule, created once at worker start."""

from __future__ import annotations

from datetime import date

from temporalio.client import Client, Schedule, ScheduleActionStartWorkflow
from temporalio.common import WorkflowIDReusePolicy

from counterfoil.platform import Platform, Settings
from counterfoil.workflows.daily import (
    daily_at,
    deployment_suffix,
    ensure_council_schedules,
    run_day,
)
from counterfoil.workflows.reconciliation.types import ReconciliationInput, ReconciliationResult
from counterfoil.workflows.reconciliation.workflows import ReconciliationWorkflow


def reconciliation_id(settings: Settings, council: str, day: date) -> str:
    return f"reconciliation-{council}-{day.isoformat()}{deployment_suffix(settings)}"


def schedule_id(settings: Settings, council: str) -> str:
    return f"reconciliation-{council}{deployment_suffix(settings)}"


async def run_reconciliation(
    client: Client, settings: Settings, council: str, day: date
) -> ReconciliationResult:
    """Reconcile one day and wait for it. A run in progress is joined; a day done before is
    compared afresh (ALLOW_DUPLICATE): its report is replaced, and differences already flagged
    are not flagged again."""
    result: ReconciliationResult = await run_day(
        client,
        settings,
        ReconciliationWorkflow.run,
        ReconciliationInput(council=council, business_date=day),
        reconciliation_id(settings, council, day),
        reuse=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )
    return result


def daily_schedule(settings: Settings, council: str) -> tuple[str, Schedule]:
    """At `reconciliation_hour` (Europe/London), once every payment of the day before has finished
    (an unfinished payment expires after 90 minutes)."""
    sid = schedule_id(settings, council)
    action = ScheduleActionStartWorkflow(
        ReconciliationWorkflow.run,
        ReconciliationInput(council=council),
        id=f"{sid}-run",
        task_queue=settings.task_queue,
    )
    return sid, daily_at(action, settings.reconciliation_hour)


async def ensure_schedules(client: Client, platform: Platform) -> list[str]:
    """Create each council's schedule unless it exists; returns the ids created now."""
    return await ensure_council_schedules(
        client, platform, lambda council: daily_schedule(platform.settings, council)
    )
