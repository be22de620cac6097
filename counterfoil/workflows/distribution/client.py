"""Starting distributions: a day by hand (`counterfoil ledger run`), and each council's daily
schedule at 02:00 Europe/London (after midnight, so the previous day is complete), created once
at worker start."""

from __future__ import annotations

from counterfoil.workflows.daily import DailyJob
from counterfoil.workflows.distribution.types import DistributionInput, DistributionResult
from counterfoil.workflows.distribution.workflows import DistributionWorkflow

DISTRIBUTION: DailyJob[DistributionResult] = DailyJob(
    name="distribution",
    run=DistributionWorkflow.run,
    make_input=lambda council, day: DistributionInput(council=council, business_date=day),
    hour=lambda settings: 2,
)
