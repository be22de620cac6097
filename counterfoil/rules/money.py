"""Money in whole pence: rounding a computed amount once, and showing it as pounds."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

# Binary floats put 1.005 * 100 at 100.49999999999999; snapping to a micro-penny first gives the
# answer a person working it out on paper expects before the half-up rounding to whole pence.
_MICRO = Decimal("0.000001")


def round_half_up(amount: float | int) -> int:
    """Whole pence, halves rounded away from zero (2.5 -> 3, -2.5 -> -3)."""
    if isinstance(amount, int):
        return amount
    if amount.is_integer():  # the common case, and far cheaper than Decimal
        return int(amount)
    snapped = Decimal(repr(amount)).quantize(_MICRO, rounding=ROUND_HALF_EVEN)
    return int(snapped.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_pence(pence: int) -> str:
    """£12.50 style, with a leading minus for credits: -£17.50."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{rest:02d}"
