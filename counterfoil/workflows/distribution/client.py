"""Starting distributions: a day by hand (`counterfoil ledger run`), and each council's daily
schedule, created once at worker start."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlmodel import select
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    WorkflowFailureError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from counterfoil.platform import Platform, Settings
from counterfoil.platform.db.models import Council
from counterfoil.platform.errors import NotFound
from counterfoil.workflows.distribution.types import DistributionInput, DistributionResult
from counterfoil.workflows.distribution.workflows import DistributionWorkflow


def distribution_id(settings: Settings, council: str, day: date) -> str:
    return f"distribution-{council}-{day.isoformat()}{_deployment(settings)}"


def schedule_id(settings: Settings, council: str) -> str:
    return f"distribution-{council}{_deployment(settings)}"


def _deployment(settings: Settings) -> str:
    # The default deployment gets the plain ids; another task queue on the same Temporal namespace
    # (a second deployment, each integration test) keeps its own, or it would see another's batch.
    default = Settings.model_fields["task_queue"].default
    return "" if settings.task_queue == default else f"@{settings.task_queue}"


async def run_distribution(
    client: Client, settings: Settings, council: str, day: date
) -> DistributionResult:
    """Run one day's batch and wait for it. A run in progress is joined (USE_EXISTING); a day
    already completed is not started again (reuse only after a failure): its result is returned."""
    workflow_id = distribution_id(settings, council, day)
    try:
        handle = await client.start_workflow(
            DistributionWorkflow.run,
            DistributionInput(council=council, business_date=day),
            id=workflow_id,
            task_queue=settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        )
    except WorkflowAlreadyStartedError:
        handle = client.get_workflow_handle_for(DistributionWorkflow.run, workflow_id)
    try:
        return await handle.result()
    except WorkflowFailureError as exc:
        cause = exc.cause
        message = str(getattr(cause, "message", None) or cause or exc)
        if getattr(cause, "type", None) == "NotFound":
            raise NotFound(message) from exc
        raise


def daily_schedule(settings: Settings, council: str) -> Schedule:
    """02:00 every day in Europe/London (after midnight, so the previous day is complete); a run
    still going when the next is due is skipped rather than queued."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            DistributionWorkflow.run,
            DistributionInput(council=council),
            id=f"{schedule_id(settings, council)}-run",
            task_queue=settings.task_queue,
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    hour=[ScheduleRange(2)],
                    minute=[ScheduleRange(0)],
                    second=[ScheduleRange(0)],
                )
            ],
            time_zone_name="Europe/London",
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_schedules(client: Client, platform: Platform) -> list[str]:
    """Create each council's schedule unless it exists; returns the ids created now."""
    councils = await asyncio.to_thread(_council_slugs, platform)
    created = []
    for council in councils:
        sid = schedule_id(platform.settings, council)
        try:
            await client.create_schedule(sid, daily_schedule(platform.settings, council))
        except ScheduleAlreadyRunningError:
            continue
        created.append(sid)
    return created


def _council_slugs(platform: Platform) -> list[str]:
    with platform.session() as session:
        return list(session.exec(select(Council.slug).order_by(Council.slug)).all())
