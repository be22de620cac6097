"""The ledger's errors.

LedgerError
├── UnknownVatCode       a fee line names a VAT code the council's table does not have
└── UnknownColumn        a configured CSV column names a field the ledger does not write
"""

from __future__ import annotations


class LedgerError(Exception):
    pass


class UnknownVatCode(LedgerError):
    pass


class UnknownColumn(LedgerError):
    pass
