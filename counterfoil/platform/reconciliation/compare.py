"""The daily comparison as a pure function: our payments and the provider's list in, every
difference out (missing at the provider, missing with us, a different amount, a different state).

Both lists are read over a window a little wider than the day, so a payment created a moment before
midnight at the provider and recorded a moment after it by us still pairs up. Each difference then
belongs to exactly one day: a matched pair to the day our row was created, an unmatched payment to
the day it was created on its own side.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

import msgspec

from counterfoil.platform.ledger.dates import LONDON
from counterfoil.platform.payments.base import PaymentState, ProviderPayment

# How far beyond the day both lists are read, for payments straddling midnight.
WINDOW_MARGIN = timedelta(minutes=15)


class DifferenceKind(StrEnum):
    MISSING_AT_PROVIDER = "missing_at_provider"
    MISSING_WITH_US = "missing_with_us"
    AMOUNT = "amount"
    STATE = "state"


_ORDER = {kind: number for number, kind in enumerate(DifferenceKind)}


class OurPayment(msgspec.Struct, frozen=True):
    """A `Payment` row as the comparison needs it."""

    provider_id: str
    reference: str
    amount: int
    state: str
    created: datetime


class Difference(msgspec.Struct, frozen=True):
    kind: DifferenceKind
    provider_id: str
    reference: str
    our_amount: int | None = None
    their_amount: int | None = None
    our_state: str | None = None
    their_state: str | None = None


def london_day(day: date) -> tuple[datetime, datetime]:
    """The business day's bounds in UTC, [midnight, next midnight) in Europe/London: 23 or 25
    hours long on the days the clocks change."""
    start = datetime.combine(day, time(0), LONDON)
    end = datetime.combine(day + timedelta(days=1), time(0), LONDON)
    return start.astimezone(UTC), end.astimezone(UTC)


def same_state(ours: str, theirs: str) -> bool:
    """Equal, or both unfinished: our row says `created` until its payment finishes, while the
    provider may already say `started` or `submitted`; neither is a difference in money."""
    if ours == theirs:
        return True
    try:
        return not PaymentState(ours).finished and not PaymentState(theirs).finished
    except ValueError:  # a state we do not know is never quietly equal to another
        return False


def compare(
    ours: Iterable[OurPayment],
    theirs: Iterable[ProviderPayment],
    start: datetime,
    end: datetime,
) -> list[Difference]:
    """The differences of the day [start, end), sorted by reference, provider id and kind.
    Payments are matched by the provider's id."""
    mine = {p.provider_id: p for p in ours}
    provider = {p.provider_id: p for p in theirs}
    found: list[Difference] = []
    for provider_id, our in mine.items():
        their = provider.get(provider_id)
        if not start <= our.created < end:
            continue
        if their is None:
            found.append(
                Difference(
                    DifferenceKind.MISSING_AT_PROVIDER,
                    provider_id,
                    our.reference,
                    our_amount=our.amount,
                    our_state=our.state,
                )
            )
            continue
        if our.amount != their.amount:
            found.append(
                Difference(
                    DifferenceKind.AMOUNT,
                    provider_id,
                    our.reference,
                    our_amount=our.amount,
                    their_amount=their.amount,
                )
            )
        if not same_state(our.state, str(their.state)):
            found.append(
                Difference(
                    DifferenceKind.STATE,
                    provider_id,
                    our.reference,
                    our_state=our.state,
                    their_state=str(their.state),
                )
            )
    for provider_id, their in provider.items():
        if provider_id not in mine and start <= their.created < end:
            found.append(
                Difference(
                    DifferenceKind.MISSING_WITH_US,
                    provider_id,
                    their.reference,
                    their_amount=their.amount,
                    their_state=str(their.state),
                )
            )
    return sorted(found, key=lambda d: (d.reference, d.provider_id, _ORDER[d.kind]))
