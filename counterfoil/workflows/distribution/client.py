"""Starting distributions: a day by hand (`counterfoil ledger run`), and each council's daily
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
from counterfoil.workflows.distribution.types import DistributionInput, DistributionResult
from counterfoil.workflows.distribution.workflows import DistributionWorkflow


def distribution_id(settings: Settings, council: str, day: date) -> str:
    return f"distribution-{council}-{day.isoformat()}{deployment_suffix(settings)}"


def schedule_id(settings: Settings, council: str) -> str:
    return f"distribution-{council}{deployment_suffix(settings)}"


async def run_distribution(
    client: Client, settings: Settings, council: str, day: date
) -> DistributionResult:
    """Run one day's batch and wait for it; a day already completed returns its result."""
    result: DistributionResult = await run_day(
        client,
        settings,
        DistributionWorkflow.run,
        DistributionInput(council=council, business_date=day),
        distribution_id(settings, council, day),
    )
    return result


def daily_schedule(settings: Settings, council: str) -> Schedule:
    """02:00 every day in Europe/London (after midnight, so the previous day is complete)."""
    return daily_at(
        ScheduleActionStartWorkflow(
            DistributionWorkflow.run,
            DistributionInput(council=council),
            id=f"{schedule_id(settings, council)}-run",
            task_queue=settings.task_queue,
        ),
        hour=2,
    )


async def ensure_schedules(client: Client, platform: Platform) -> list[str]:
    """Create each council's schedule unless it exists; returns the ids created now."""
    return await ensure_council_schedules(
        client,
        platform,
        lambda council: (
            schedule_id(platform.settings, council),
            daily_schedule(platform.settings, council),
        ),
    )
