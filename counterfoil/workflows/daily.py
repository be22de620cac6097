"""What the daily per-council workflows (distribution, retention, reconciliation) share: ids that
keep one deployment's runs apart from another's, running one day by hand, and each council's
schedule."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Generic, TypeVar

from sqlmodel import select
from temporalio.client import (
    Client,
    Schedule,
    ScheduleAction,
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

R = TypeVar("R")
log = logging.getLogger(__name__)


def deployment_suffix(settings: Settings) -> str:
    """ "" for the default deployment; `@<task queue>` for another on the same Temporal namespace
    (a second deployment, each integration test), which would otherwise see another's runs."""
    default = Settings.model_fields["task_queue"].default
    return "" if settings.task_queue == default else f"@{settings.task_queue}"


async def run_day(
    client: Client,
    settings: Settings,
    run: Callable[..., Any],
    arg: Any,
    workflow_id: str,
    reuse: WorkflowIDReusePolicy = WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
) -> Any:
    """Run one day's workflow and wait for it. A run in progress is joined (USE_EXISTING); by
    default a day already completed is not started again (reuse only after a failure or
    termination): its result is returned. A missing council comes back as NotFound."""
    try:
        handle = await client.start_workflow(
            run,
            arg,
            id=workflow_id,
            task_queue=settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=reuse,
        )
    except WorkflowAlreadyStartedError:
        handle = client.get_workflow_handle_for(run, workflow_id)
    try:
        return await handle.result()
    except WorkflowFailureError as exc:
        cause = exc.cause
        message = str(getattr(cause, "message", None) or cause or exc)
        if getattr(cause, "type", None) == "NotFound":
            raise NotFound(message) from exc
        raise


def daily_at(action: ScheduleAction, hour: int) -> Schedule:
    """Every day at `hour`:00 in Europe/London; a run still going when the next is due is
    skipped rather than queued."""
    return Schedule(
        action=action,
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    hour=[ScheduleRange(hour)],
                    minute=[ScheduleRange(0)],
                    second=[ScheduleRange(0)],
                )
            ],
            time_zone_name="Europe/London",
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_council_schedules(
    client: Client, platform: Platform, schedule_for: Callable[[str], tuple[str, Schedule]]
) -> list[str]:
    """Create each council's schedule (`schedule_for(council)` -> id, schedule) unless it exists;
    returns the ids created now."""
    councils = await asyncio.to_thread(council_slugs, platform)
    created = []
    for council in councils:
        sid, schedule = schedule_for(council)
        try:
            await client.create_schedule(sid, schedule)
        except ScheduleAlreadyRunningError:
            continue
        created.append(sid)
    return created


def council_slugs(platform: Platform) -> list[str]:
    with platform.session() as session:
        return list(session.exec(select(Council.slug).order_by(Council.slug)).all())


@dataclass(frozen=True)
class DailyJob(Generic[R]):
    """One kind of daily per-council workflow: `name` prefixes its ids, `make_input(council, day)`
    builds the workflow's input (day None: the schedule's run, which works out its own day),
    `hour(settings)` is when its schedule runs, and `reuse` whether a day done can run again."""

    name: str
    run: Callable[..., Awaitable[R]]
    make_input: Callable[[str, date | None], Any]
    hour: Callable[[Settings], int]
    reuse: WorkflowIDReusePolicy = WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY

    def run_id(self, settings: Settings, council: str, day: date) -> str:
        return f"{self.name}-{council}-{day.isoformat()}{deployment_suffix(settings)}"

    def schedule_id(self, settings: Settings, council: str) -> str:
        return f"{self.name}-{council}{deployment_suffix(settings)}"

    async def run_day(self, client: Client, settings: Settings, council: str, day: date) -> R:
        """Run one council's day by hand and wait for it (see `run_day`)."""
        result: R = await run_day(
            client,
            settings,
            self.run,
            self.make_input(council, day),
            self.run_id(settings, council, day),
            self.reuse,
        )
        return result

    def schedule(self, settings: Settings, council: str) -> Schedule:
        action = ScheduleActionStartWorkflow(
            self.run,
            self.make_input(council, None),
            id=f"{self.schedule_id(settings, council)}-run",
            task_queue=settings.task_queue,
        )
        return daily_at(action, self.hour(settings))

    async def ensure_schedules(self, client: Client, platform: Platform) -> list[str]:
        """Create each council's schedule unless it exists; returns the ids created now."""
        settings = platform.settings
        return await ensure_council_schedules(
            client,
            platform,
            lambda council: (self.schedule_id(settings, council), self.schedule(settings, council)),
        )


async def keep_schedules(
    client: Client, platform: Platform, jobs: Sequence[DailyJob[Any]], every: timedelta
) -> None:
    """Every `every`, create the schedules of councils added since (a worker runs this for as long
    as it runs); a round that fails (Temporal away) is tried again at the next."""
    while True:
        await asyncio.sleep(every.total_seconds())
        try:
            for job in jobs:
                await job.ensure_schedules(client, platform)
        except Exception:
            log.warning(
                "could not create the councils' daily schedules; trying again later", exc_info=True
            )
