"""The council's ledger: postings of paid lines and refunds, VAT split, daily distribution batches
grouped by fund code, and the ledger file."""

from counterfoil.platform.ledger.batch import Batch, BatchRow, DayPosting, build_batch
from counterfoil.platform.ledger.csv_file import (
    DEFAULT_COLUMNS,
    Column,
    columns_from,
    neutralise,
    render_csv,
    write_atomically,
)
from counterfoil.platform.ledger.dates import business_date, day_before
from counterfoil.platform.ledger.errors import LedgerError, UnknownColumn, UnknownVatCode
from counterfoil.platform.ledger.postings import (
    PostingLine,
    full_reversal,
    partial_refund,
    payment_lines,
)
from counterfoil.platform.ledger.store import (
    BatchResult,
    claim_postings,
    day_batch,
    distribute_day,
    ledger_path,
    post_failed_refund,
    post_full_refund,
    post_partial_refund,
    post_payment,
    recorded_file,
)
from counterfoil.platform.ledger.vat import DEFAULT_VAT_RATES, split_vat

__all__ = [
    "DEFAULT_COLUMNS",
    "DEFAULT_VAT_RATES",
    "Batch",
    "BatchResult",
    "BatchRow",
    "Column",
    "DayPosting",
    "LedgerError",
    "PostingLine",
    "UnknownColumn",
    "UnknownVatCode",
    "build_batch",
    "business_date",
    "claim_postings",
    "columns_from",
    "day_batch",
    "day_before",
    "distribute_day",
    "full_reversal",
    "ledger_path",
    "neutralise",
    "partial_refund",
    "payment_lines",
    "post_failed_refund",
    "post_full_refund",
    "post_partial_refund",
    "post_payment",
    "recorded_file",
    "render_csv",
    "split_vat",
    "write_atomically",
]
