"""Starting retention runs: a day by hand (`counterfoil retention run`, as if it were that day),
and each council's daily schedule at `retention_hour`, created once at worker start."""

from __future__ import annotations

from counterfoil.workflows.daily import DailyJob
from counterfoil.workflows.retention.types import RetentionInput, RetentionResult
from counterfoil.workflows.retention.workflows import RetentionWorkflow

RETENTION: DailyJob[RetentionResult] = DailyJob(
    name="retention",
    run=RetentionWorkflow.run,
    make_input=lambda council, day: RetentionInput(council=council, today=day),
    hour=lambda settings: settings.retention_hour,
)
