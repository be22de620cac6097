"""Retention: submissions past their form version's `retention_days` lose their personal data
(answers, delivery bodies, emails, provider payloads) while payment and ledger rows stay."""

from counterfoil.platform.retention.selection import (
    FINISHED_STATUSES,
    REFERENCE_LIST_MAX,
    anonymised_document,
    retention_cutoff,
    run_id_for,
    version_cutoffs,
)
from counterfoil.platform.retention.store import (
    AUDIT_ACTION,
    RunReport,
    anonymise_batch,
    record_run,
)

__all__ = [
    "AUDIT_ACTION",
    "FINISHED_STATUSES",
    "REFERENCE_LIST_MAX",
    "RunReport",
    "anonymise_batch",
    "anonymised_document",
    "record_run",
    "retention_cutoff",
    "run_id_for",
    "version_cutoffs",
]
