"""Splitting a VAT-inclusive amount into net and VAT by the council's VAT code table."""

from __future__ import annotations

from collections.abc import Mapping

from counterfoil.platform.ledger.errors import UnknownVatCode

# VAT code -> rate in basis points (2000 = 20%). Exempt and outside-scope carry no VAT, like zero
# rate, but stay distinct codes because the ledger reports them separately.
DEFAULT_VAT_RATES: Mapping[str, int] = {"S": 2000, "Z": 0, "E": 0, "OS": 0}
_WHOLE = 10_000


def split_vat(gross: int, vat_code: str, rates: Mapping[str, int]) -> tuple[int, int]:
    """(net, vat) in pence for a VAT-inclusive `gross`: VAT = gross x rate / (1 + rate), halves
    rounded away from zero so that a credit is the exact mirror of the charge; net = gross - VAT."""
    if vat_code not in rates:
        raise UnknownVatCode(f"the council's VAT table has no code {vat_code!r}")
    rate = rates[vat_code]
    # integer arithmetic only: round(n / d) half up is (2n + d) // 2d for n, d >= 0
    numerator = abs(gross) * rate
    denominator = _WHOLE + rate
    vat = (2 * numerator + denominator) // (2 * denominator)
    if gross < 0:
        vat = -vat
    return gross - vat, vat
