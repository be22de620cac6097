"""The ledger file: CSV with the columns a council configures, safe to open in a spreadsheet.

Fields a column may name: `date` (ISO), `batch_id`, `council`, `fund`, `vat_code`, `count`, `net`,
`vat`, `gross` (whole pence), `net_pounds`, `vat_pounds`, `gross_pounds` (e.g. -12.50).

Formula injection (OWASP "CSV injection"): a text cell starting `=`, `+`, `-`, `@`, tab or CR is
prefixed with `'` so a spreadsheet shows it instead of running it. Whether a cell is neutralised
depends on its type, not its look: amounts are numbers we produce ourselves (`-350` is a credit that
must stay summable, and cannot carry a formula), so they are never prefixed; every text cell is,
including a fund code that happens to read `-5` and the council's own column headers.
"""

from __future__ import annotations

import csv
import io
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from counterfoil.platform.ledger.batch import Batch, BatchRow
from counterfoil.platform.ledger.errors import UnknownColumn

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    header: str
    field: str


DEFAULT_COLUMNS: tuple[Column, ...] = tuple(
    Column(name, name)
    for name in ("date", "batch_id", "fund", "vat_code", "count", "net", "vat", "gross")
)

Cell = str | int | Decimal


def _pounds(pence: int) -> Decimal:
    return Decimal(pence).scaleb(-2)


def _cell(batch: Batch, row: BatchRow, field: str) -> Cell:
    values: dict[str, Cell] = {
        "date": batch.business_date.isoformat(),
        "batch_id": batch.batch_id,
        "council": batch.council,
        "fund": row.fund,
        "vat_code": row.vat_code,
        "count": row.count,
        "net": row.net,
        "vat": row.vat,
        "gross": row.gross,
        "net_pounds": _pounds(row.net),
        "vat_pounds": _pounds(row.vat),
        "gross_pounds": _pounds(row.gross),
    }
    return values[field]


FIELDS = frozenset(
    {"date", "batch_id", "council", "fund", "vat_code", "count", "net", "vat", "gross"}
    | {"net_pounds", "vat_pounds", "gross_pounds"}
)


def columns_from(config: Sequence[Mapping[str, object]] | None) -> tuple[Column, ...]:
    """The council's configured columns (`[{"header": ..., "field": ...}]`), or the defaults."""
    if not config:
        return DEFAULT_COLUMNS
    columns = tuple(Column(str(c["header"]), str(c["field"])) for c in config)
    unknown = sorted({c.field for c in columns} - FIELDS)
    if unknown:
        raise UnknownColumn(
            f"ledger columns name unknown fields {unknown}; known: {sorted(FIELDS)}"
        )
    return columns


def neutralise(value: Cell) -> str:
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return str(value)


def render_csv(batch: Batch, columns: Sequence[Column] = DEFAULT_COLUMNS) -> str:
    """The file's text: a header row, then one row per fund and VAT code (CRLF, RFC 4180)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(c.header) for c in columns])
    for row in batch.rows:
        writer.writerow([neutralise(_cell(batch, row, c.field)) for c in columns])
    return out.getvalue()


def write_atomically(path: Path, content: str) -> None:
    """Readers see the old file or the new one, never half of one: write beside, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(content.encode())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
