"""The ledger's pure core: VAT split, postings, batches grouped by fund, the CSV file."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from counterfoil.platform.ledger import (
    DEFAULT_VAT_RATES,
    Batch,
    BatchRow,
    DayPosting,
    PostingLine,
    UnknownColumn,
    UnknownVatCode,
    build_batch,
    columns_from,
    day_before,
    full_reversal,
    neutralise,
    partial_refund,
    payment_lines,
    render_csv,
    split_vat,
    write_atomically,
)

CODES = sorted(DEFAULT_VAT_RATES)
DAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("gross", "code", "expected"),
    [
        (1500, "S", (1250, 250)),
        (1, "S", (1, 0)),  # 1/6 of a penny rounds to none
        (3, "S", (2, 1)),  # exactly half a penny rounds up
        (-3, "S", (-2, -1)),  # and a credit mirrors it
        (1000, "Z", (1000, 0)),
        (3500, "E", (3500, 0)),
        (3500, "OS", (3500, 0)),
        (-2350, "OS", (-2350, 0)),
    ],
)
def test_vat_split_by_code(gross: int, code: str, expected: tuple[int, int]) -> None:
    assert split_vat(gross, code, DEFAULT_VAT_RATES) == expected


def test_council_table_overrides_a_rate_and_refuses_an_unknown_code() -> None:
    reduced = {**DEFAULT_VAT_RATES, "R": 500}
    assert split_vat(1050, "R", reduced) == (1000, 50)
    with pytest.raises(UnknownVatCode):
        split_vat(100, "R", DEFAULT_VAT_RATES)


@given(st.integers(-(10**9), 10**9), st.sampled_from(CODES), st.integers(0, 10_000))
def test_net_plus_vat_is_gross_and_a_credit_mirrors_the_charge(
    gross: int, code: str, rate: int
) -> None:
    rates = {**DEFAULT_VAT_RATES, code: rate} if code == "S" else DEFAULT_VAT_RATES
    net, vat = split_vat(gross, code, rates)
    assert net + vat == gross
    assert split_vat(-gross, code, rates) == (-net, -vat)
    # the VAT is the nearest penny to the exact fraction
    exact = Decimal(gross) * rates[code] / (10_000 + rates[code])
    assert abs(Decimal(vat) - exact) <= Decimal("0.5")


def test_zero_lines_are_not_posted_and_a_concession_posts_negative() -> None:
    lines = [
        {"id": "base", "amount": 3500, "fund": "BWC01", "vat": "OS"},
        {"id": "extra", "amount": 0, "fund": "BWC01", "vat": "OS"},
        {"id": "concession", "amount": -1750, "fund": "BWC01", "vat": "OS"},
    ]
    posted = payment_lines(lines, DEFAULT_VAT_RATES)
    assert [(p.line_id, p.gross) for p in posted] == [("base", 3500), ("concession", -1750)]


def test_full_reversal_nets_every_line_to_zero_even_after_a_partial_refund() -> None:
    paid = payment_lines(
        [
            {"id": "subscription", "amount": 4500, "fund": "GWS01", "vat": "OS"},
            {"id": "delivery", "amount": 1501, "fund": "GWS02", "vat": "S"},
        ],
        DEFAULT_VAT_RATES,
    )
    earlier = partial_refund(paid, 1001, DEFAULT_VAT_RATES)
    reversal = full_reversal(paid + earlier)
    for line_id in ("subscription", "delivery"):
        mine = [p for p in paid + earlier + reversal if p.line_id == line_id]
        assert (
            sum(p.gross for p in mine) == sum(p.net for p in mine) == sum(p.vat for p in mine) == 0
        )


line_amounts = st.lists(st.integers(-5_000, 50_000), min_size=1, max_size=6)


@given(line_amounts, st.data())
def test_partial_refund_parts_add_up_to_the_refund(amounts: list[int], data: st.DataObject) -> None:
    paid = [
        PostingLine(f"l{i}", f"F{i % 2}", "S", *split_vat(a, "S", DEFAULT_VAT_RATES), a)
        for i, a in enumerate(amounts)
    ]
    total = sum(amounts)
    if total <= 0:
        with pytest.raises(ValueError, match="cannot refund"):
            partial_refund(paid, 1, DEFAULT_VAT_RATES)
        return
    amount = data.draw(st.integers(1, total))
    parts = partial_refund(paid, amount, DEFAULT_VAT_RATES)
    assert sum(p.gross for p in parts) == -amount
    assert all(p.net + p.vat == p.gross for p in parts)


postings = st.lists(
    st.builds(
        lambda ref, line, kind, fund, code, gross: DayPosting(
            ref, line, kind, "" if kind == "payment" else f"{ref}-refund", fund, code,
            *split_vat(gross, code, DEFAULT_VAT_RATES), gross,
        ),
        st.sampled_from(["BWC-AAAA-BBBB", "GWS-CCCC-DDDD", "BWC-EEEE-FFFF"]),
        st.sampled_from(["base", "extra", "concession", "delivery"]),
        st.sampled_from(["payment", "refund"]),
        st.sampled_from(["BWC01", "GWS01", "GWS02"]),
        st.sampled_from(CODES),
        st.integers(-100_000, 100_000),
    ),
    unique_by=lambda p: (p.reference, p.line_id, p.kind, p.refund_id),
    max_size=30,
)  # fmt: skip


@given(postings)
def test_a_days_batch_sums_per_fund_exactly_and_ignores_order(day: list[DayPosting]) -> None:
    batch = build_batch("demo", DAY, day)
    for fund in {p.fund for p in day}:
        rows = [r for r in batch.rows if r.fund == fund]
        mine = [p for p in day if p.fund == fund]
        for field in ("net", "vat", "gross"):
            assert sum(getattr(r, field) for r in rows) == sum(getattr(p, field) for p in mine)
        assert sum(r.count for r in rows) == len(mine)
    assert all(r.net + r.vat == r.gross for r in batch.rows)
    again = build_batch("demo", DAY, list(reversed(day)))
    assert again == batch
    assert render_csv(again) == render_csv(batch)


def test_batch_id_changes_with_any_posting() -> None:
    one = DayPosting("BWC-AAAA-BBBB", "base", "payment", "", "BWC01", "OS", 3500, 0, 3500)
    other = DayPosting("BWC-AAAA-BBBB", "base", "payment", "", "BWC01", "OS", 3400, 0, 3400)
    assert build_batch("demo", DAY, [one]).batch_id != build_batch("demo", DAY, [other]).batch_id
    assert build_batch("demo", DAY, [one]).batch_id.startswith("demo-20261126-")


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("-5", "'-5"),  # text that looks like a number is still text: neutralised
        ("BWC01", "BWC01"),
        (-350, "-350"),  # an amount is a number: it stays one, summable
        (Decimal("-3.50"), "-3.50"),
        (0, "0"),
    ],
)
def test_neutralise_text_cells_but_never_numbers(value: str | int | Decimal, written: str) -> None:
    assert neutralise(value) == written


def _batch(fund: str = "BWC01") -> Batch:
    return Batch(
        "demo", DAY, "demo-20261126-0123456789", [BatchRow(fund, "OS", 3, 2350, 0, 2350)], 3
    )


def test_default_columns() -> None:
    assert render_csv(_batch()) == (
        "date,batch_id,fund,vat_code,count,net,vat,gross\r\n"
        "2026-11-26,demo-20261126-0123456789,BWC01,OS,3,2350,0,2350\r\n"
    )


def test_council_column_mapping_with_pounds_and_hostile_headers() -> None:
    columns = columns_from(
        [
            {"header": "Cost centre", "field": "fund"},
            {"header": "=Amount", "field": "gross_pounds"},
            {"header": "Posted", "field": "date"},
        ]
    )
    text = render_csv(_batch("=cmd|' /C calc'!A0"), columns)
    assert list(csv.reader(io.StringIO(text))) == [
        ["Cost centre", "'=Amount", "Posted"],
        ["'=cmd|' /C calc'!A0", "23.50", "2026-11-26"],
    ]


def test_a_column_naming_an_unknown_field_is_refused() -> None:
    with pytest.raises(UnknownColumn):
        columns_from([{"header": "Card", "field": "card_number"}])


def test_write_atomically_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "ledger" / "demo" / "2026-11-26.csv"
    write_atomically(target, "a\r\n")
    write_atomically(target, "b\r\n")
    assert target.read_bytes() == b"b\r\n"
    assert [p.name for p in target.parent.iterdir()] == ["2026-11-26.csv"]


@pytest.mark.parametrize(
    ("scheduled", "day"),
    [
        (datetime(2026, 11, 27, 2, 0, tzinfo=UTC), date(2026, 11, 26)),  # GMT
        (datetime(2026, 7, 2, 1, 0, tzinfo=UTC), date(2026, 7, 1)),  # 02:00 BST
        (datetime(2026, 7, 1, 23, 30, tzinfo=UTC), date(2026, 7, 1)),  # already the 2nd in London
    ],
)
def test_a_scheduled_run_distributes_the_previous_london_day(
    scheduled: datetime, day: date
) -> None:
    assert day_before(scheduled) == day
