"""Starting retention runs: a day by hand (`counterfoil retention run`), and each council's daily
schedule, created once at worker start."""

from __future__ import annotations

from datetime import date

from temporalio.client import Client, Schedule, ScheduleActionStartWorkflow

from counterfoil.platform import Platform, Settings
from counterfoil.workflows.daily import (
    daily_at,
    deployment_suffix,
    ensure_council_schedules,
    run_day,
)
from counterfoil.workflows.retention.types import RetentionInput, RetentionResult
from counterfoil.workflows.retention.workflows import RetentionWorkflow


def retention_id(settings: Settings, council: str, day: date) -> str:
    return f"retention-{council}-{day.isoformat()}{deployment_suffix(settings)}"


def schedule_id(settings: Settings, council: str) -> str:
    return f"retention-{council}{deployment_suffix(settings)}"


async def run_retention(
    client: Client, settings: Settings, council: str, day: date
) -> RetentionResult:
    """Run one council's retention for `day` (as if it were today) and wait for it; a day
    already completed is not run again: its result is returned."""
    result: RetentionResult = await run_day(
        client,
        settings,
        RetentionWorkflow.run,
        RetentionInput(council=council, today=day),
        retention_id(settings, council, day),
    )
    return result


def daily_schedule(settings: Settings, council: str) -> Schedule:
    return daily_at(
        ScheduleActionStartWorkflow(
            RetentionWorkflow.run,
            RetentionInput(council=council),
            id=f"{schedule_id(settings, council)}-run",
            task_queue=settings.task_queue,
        ),
        hour=settings.retention_hour,
    )


async def ensure_schedules(client: Client, platform: Platform) -> list[str]:
    """Create each council's retention schedule unless it exists; returns the ids created now."""
    return await ensure_council_schedules(
        client,
        platform,
        lambda council: (
            schedule_id(platform.settings, council),
            daily_schedule(platform.settings, council),
        ),
    )
