"""Daily reconciliation: our payments of a business day compared with each provider's list, every
difference stored in the day's report and flagged to finance."""

from counterfoil.platform.reconciliation.compare import (
    WINDOW_MARGIN,
    Difference,
    DifferenceKind,
    OurPayment,
    compare,
    london_day,
    same_state,
)
from counterfoil.platform.reconciliation.report import (
    Report,
    ReportedDifference,
    describe,
    email_text,
    render_csv,
    reported,
)
from counterfoil.platform.reconciliation.store import (
    Recorded,
    council_id_of,
    finance_recipients,
    our_payments,
    record_run,
    recorded_report,
    set_finance_email,
)

__all__ = [
    "WINDOW_MARGIN",
    "Difference",
    "DifferenceKind",
    "OurPayment",
    "Recorded",
    "Report",
    "ReportedDifference",
    "compare",
    "council_id_of",
    "describe",
    "email_text",
    "finance_recipients",
    "london_day",
    "our_payments",
    "record_run",
    "recorded_report",
    "render_csv",
    "reported",
    "same_state",
    "set_finance_email",
]
