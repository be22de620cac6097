"""Starting reconciliations: a day by hand (`counterfoil reconcile run`), and each council's daily
schedule at `reconciliation_hour` (Europe/London), once every payment of the day before has
finished (an unfinished payment expires after 90 minutes).

A day done before is compared afresh (ALLOW_DUPLICATE): its report is replaced, and differences
already flagged are not flagged again."""

from __future__ import annotations

from temporalio.common import WorkflowIDReusePolicy

from counterfoil.workflows.daily import DailyJob
from counterfoil.workflows.reconciliation.types import ReconciliationInput, ReconciliationResult
from counterfoil.workflows.reconciliation.workflows import ReconciliationWorkflow

RECONCILIATION: DailyJob[ReconciliationResult] = DailyJob(
    name="reconciliation",
    run=ReconciliationWorkflow.run,
    make_input=lambda council, day: ReconciliationInput(council=council, business_date=day),
    hour=lambda settings: settings.reconciliation_hour,
    reuse=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
)
