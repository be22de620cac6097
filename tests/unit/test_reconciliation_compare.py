"""The daily reconciliation's pure comparison: examples of each kind of difference, and properties
(identical lists agree; every difference is explained by the inputs; consecutive days split the
differences of their span without loss or repeat)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from counterfoil.platform.payments import PaymentState
from counterfoil.platform.payments.base import ProviderPayment
from counterfoil.platform.reconciliation.compare import (
    Difference,
    DifferenceKind,
    OurPayment,
    compare,
    london_day,
    same_state,
)

DAY = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
NEXT = DAY + timedelta(days=1)
NOON = DAY + timedelta(hours=12)


def ours(pid: str, amount: int = 1250, state: str = "success", at: datetime = NOON) -> OurPayment:
    return OurPayment(pid, f"REF-{pid}", amount, state, at)


def theirs(
    pid: str, amount: int = 1250, state: str = "success", at: datetime = NOON
) -> ProviderPayment:
    return ProviderPayment(pid, f"REF-{pid}", amount, PaymentState(state), at)


def test_each_kind_of_difference_is_found_once() -> None:
    found = compare(
        [ours("a"), ours("b", amount=999), ours("c", state="failed"), ours("d")],
        [theirs("a"), theirs("b"), theirs("c"), theirs("e", amount=40, state="success")],
        DAY,
        NEXT,
    )
    assert found == [
        Difference(DifferenceKind.AMOUNT, "b", "REF-b", our_amount=999, their_amount=1250),
        Difference(DifferenceKind.STATE, "c", "REF-c", our_state="failed", their_state="success"),
        Difference(
            DifferenceKind.MISSING_AT_PROVIDER, "d", "REF-d", our_amount=1250, our_state="success"
        ),
        Difference(
            DifferenceKind.MISSING_WITH_US, "e", "REF-e", their_amount=40, their_state="success"
        ),
    ]


def test_amount_and_state_both_differing_are_two_differences() -> None:
    found = compare([ours("a", 100, "failed")], [theirs("a", 200, "success")], DAY, NEXT)
    assert [d.kind for d in found] == [DifferenceKind.AMOUNT, DifferenceKind.STATE]


def test_unfinished_states_are_not_a_difference_but_finished_ones_are() -> None:
    assert same_state("created", "started")
    assert same_state("created", "capturable")
    assert not same_state("created", "success")
    assert not same_state("failed", "cancelled")
    assert not same_state("mystery", "created")


def test_a_payment_straddling_midnight_pairs_up_on_our_day() -> None:
    # created at the provider just before midnight, recorded by us just after
    mine = [ours("a", at=NEXT + timedelta(milliseconds=20))]
    provider = [theirs("a", at=NEXT - timedelta(milliseconds=5))]
    assert compare(mine, provider, DAY, NEXT) == []
    assert compare(mine, provider, NEXT, NEXT + timedelta(days=1)) == []


# ----- properties -----

STATES = st.sampled_from([s.value for s in PaymentState])
TIMES = st.integers(0, 3 * 24 * 3600 - 1).map(lambda s: DAY + timedelta(seconds=s))


@st.composite
def payment_lists(draw: st.DrawFn) -> tuple[list[OurPayment], list[ProviderPayment]]:
    """Both sides over three days: some payments on both (possibly differing), some on one."""
    ids = draw(st.lists(st.text("abcdef0123", min_size=1, max_size=6), unique=True, max_size=25))
    mine, provider = [], []
    for pid in ids:
        where = draw(st.sampled_from(["both", "ours", "theirs"]))
        at = draw(TIMES)
        amount, state = draw(st.integers(1, 10_000)), draw(STATES)
        if where in ("both", "ours"):
            mine.append(OurPayment(pid, f"R-{pid}", amount, state, at))
        if where in ("both", "theirs"):
            # the provider made it a moment before we recorded it (never outside the span alone)
            skew = timedelta(milliseconds=draw(st.integers(-2000, 0)) if where == "both" else 0)
            their_amount = draw(st.one_of(st.just(amount), st.integers(1, 10_000)))
            their_state = draw(st.one_of(st.just(state), STATES))
            provider.append(
                ProviderPayment(pid, f"R-{pid}", their_amount, PaymentState(their_state), at + skew)
            )
    return mine, provider


@given(payment_lists())
@settings(max_examples=300)
def test_a_list_compared_with_itself_has_no_differences(
    lists: tuple[list[OurPayment], list[ProviderPayment]],
) -> None:
    mine, _ = lists
    mirror = [
        ProviderPayment(p.provider_id, p.reference, p.amount, PaymentState(p.state), p.created)
        for p in mine
    ]
    assert compare(mine, mirror, DAY, DAY + timedelta(days=3)) == []


@given(payment_lists())
@settings(max_examples=300)
def test_every_difference_is_explained_by_the_lists(
    lists: tuple[list[OurPayment], list[ProviderPayment]],
) -> None:
    mine, provider = lists
    by_ours = {p.provider_id: p for p in mine}
    by_theirs = {p.provider_id: p for p in provider}
    found = compare(mine, provider, DAY, DAY + timedelta(days=3))
    assert len(set(found)) == len(found)
    for d in found:
        our, their = by_ours.get(d.provider_id), by_theirs.get(d.provider_id)
        if d.kind is DifferenceKind.MISSING_AT_PROVIDER:
            assert (our is None, their is None) == (False, True)
        elif d.kind is DifferenceKind.MISSING_WITH_US:
            assert (our is None, their is None) == (True, False)
        else:
            assert our is not None
            assert their is not None
            if d.kind is DifferenceKind.AMOUNT:
                assert (d.our_amount, d.their_amount) == (our.amount, their.amount)
                assert our.amount != their.amount
            else:
                assert not same_state(our.state, str(their.state))
    # and nothing is left out: every payment on one side only is reported
    one_sided = set(by_ours) ^ set(by_theirs)
    assert {d.provider_id for d in found if d.kind.startswith("missing")} == one_sided


@given(payment_lists())
@settings(max_examples=300)
def test_consecutive_days_split_the_differences_of_their_span(
    lists: tuple[list[OurPayment], list[ProviderPayment]],
) -> None:
    mine, provider = lists
    days = [DAY + timedelta(days=n) for n in range(4)]
    per_day = [
        d for first, last in itertools.pairwise(days) for d in compare(mine, provider, first, last)
    ]
    whole = compare(mine, provider, days[0], days[-1])
    assert sorted(per_day, key=repr) == sorted(whole, key=repr)


def test_a_london_day_is_23_or_25_hours_when_the_clocks_change() -> None:
    summer = london_day(date(2026, 7, 1))
    assert summer == (datetime(2026, 6, 30, 23, tzinfo=UTC), datetime(2026, 7, 1, 23, tzinfo=UTC))
    spring_start, spring_end = london_day(date(2026, 3, 29))
    assert spring_end - spring_start == timedelta(hours=23)
    autumn_start, autumn_end = london_day(date(2026, 10, 25))
    assert autumn_end - autumn_start == timedelta(hours=25)
