"""The worker: runs SubmissionWorkflow, DistributionWorkflow, RetentionWorkflow,
ReconciliationWorkflow and their activities on the configured task queue."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from counterfoil.platform import Platform
from counterfoil.platform.payments.accounts import PaymentAccounts
from counterfoil.workflows.distribution.activities import DistributionActivities
from counterfoil.workflows.distribution.workflows import DistributionWorkflow
from counterfoil.workflows.instrumentation import ActivityInstrumentation
from counterfoil.workflows.reconciliation.activities import ReconciliationActivities
from counterfoil.workflows.reconciliation.workflows import ReconciliationWorkflow
from counterfoil.workflows.retention.activities import RetentionActivities
from counterfoil.workflows.retention.workflows import RetentionWorkflow
from counterfoil.workflows.submission.activities import SubmissionActivities
from counterfoil.workflows.submission.workflows import SubmissionWorkflow

# Our pure packages and the libraries the workflow's types use are deterministic to import; passing
# them through saves re-importing them into every workflow's sandbox (~0.4 s a start otherwise).
PASSTHROUGH = (
    "counterfoil",
    "datalogic_py",
    "jsonschema_rs",
    "msgspec",
    "pydantic",
    "sqlalchemy",
    "sqlmodel",
    "httpx",
)


def build_worker(
    client: Client,
    platform: Platform,
    accounts: PaymentAccounts,
    http: httpx.AsyncClient,
    executor: ThreadPoolExecutor,
) -> Worker:
    activities = SubmissionActivities(platform, accounts, http)
    return Worker(
        client,
        task_queue=platform.settings.task_queue,
        workflows=[
            SubmissionWorkflow,
            DistributionWorkflow,
            RetentionWorkflow,
            ReconciliationWorkflow,
        ],
        activities=activities.all()
        + DistributionActivities(platform).all()
        + RetentionActivities(platform).all()
        + ReconciliationActivities(platform, accounts.council_gateways).all(),
        activity_executor=executor,
        workflow_runner=SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)
        ),
        graceful_shutdown_timeout=timedelta(seconds=10),
        # tracing comes with the client's interceptors; this adds log context and timings
        interceptors=[ActivityInstrumentation()],
    )
