"""Fee lines: whole pence, rules rounded half-up once per line, totals, and lines that cannot be
computed (always a FeeError naming the line, never a wrong amount)."""

from __future__ import annotations

from typing import Any

import pytest

from counterfoil.rules import (
    FeeError,
    FeeLine,
    FeeSchedule,
    QuotedLine,
    format_pence,
    round_half_up,
)


def line(line_id: str, amount: Any, *, fund: str = "BWC01", vat: str = "OS") -> FeeLine:
    return FeeLine(id=line_id, description=f"The {line_id} line", amount=amount, fund=fund, vat=vat)


def amounts(*lines: FeeLine, answers: dict[str, Any] | None = None) -> dict[str, int]:
    return FeeSchedule(lines).quote(answers or {}).amounts


def test_whole_pence_lines_are_summed() -> None:
    quote = FeeSchedule([line("base", 3500), line("admin", 250)]).quote({})
    assert quote.amounts == {"base": 3500, "admin": 250}
    assert quote.total == 3750


def test_a_rule_line_reads_the_answers() -> None:
    rule = {"*": [{"var": "bins"}, 4500]}
    assert amounts(line("subscription", rule), answers={"bins": 3}) == {"subscription": 13500}


def test_a_rule_line_reads_a_nested_answer() -> None:
    rule = {
        "reduce": [
            {"var": "items"},
            {"+": [{"var": "accumulator"}, {"var": "current.quantity"}]},
            0,
        ]
    }
    answers = {"items": [{"quantity": 2}, {"quantity": 3}]}
    assert amounts(line("count", rule), answers=answers) == {"count": 5}


def test_a_rule_reading_the_whole_answers_sees_every_answer() -> None:
    rule = {"if": [{"var": ""}, 500, 0]}
    assert amounts(line("any", rule), answers={"bins": 1}) == {"any": 500}


def test_a_line_reads_the_lines_before_it() -> None:
    schedule = [
        line("base", 3500),
        line("extra", {"*": [{"var": "extra_items"}, 1200]}),
        line("concession", {"*": [-0.5, {"+": [{"var": "lines.base"}, {"var": "lines.extra"}]}]}),
    ]
    assert amounts(*schedule, answers={"extra_items": 2}) == {
        "base": 3500,
        "extra": 2400,
        "concession": -2950,
    }


def test_a_line_reading_a_later_line_cannot_be_computed() -> None:
    schedule = [line("first", {"+": [{"var": "lines.second"}, 100]}), line("second", 200)]
    with pytest.raises(FeeError) as caught:
        FeeSchedule(schedule).quote({})
    assert caught.value.line_id == "first"
    assert "lines.second" in str(caught.value)


@pytest.mark.parametrize(
    ("rule", "pence"),
    [
        ({"/": [1, 2]}, 1),
        ({"/": [5, 2]}, 3),
        ({"-": [0, 2.5]}, -3),
        ({"*": [-0.5, 1]}, -1),
        ({"/": [7, 3]}, 2),
        ({"*": [1.005, 100]}, 101),
        ({"*": [0.1, 3]}, 0),
    ],
    ids=[
        "0.5-up",
        "2.5-up",
        "minus-2.5-away-from-zero",
        "minus-0.5",
        "a-third",
        "1.005x100",
        "0.3",
    ],
)
def test_a_computed_amount_is_rounded_half_up_to_whole_pence(rule: Any, pence: int) -> None:
    computed = amounts(line("base", 1000), line("fee", rule))["fee"]
    assert computed == pence
    assert type(computed) is int


def test_rounding_happens_once_at_the_end_of_a_line() -> None:
    # 0.4 + 0.4 rounded per step would be 0; rounded once it is 1.
    assert amounts(line("fee", {"+": [0.4, 0.4]})) == {"fee": 1}


def test_a_later_line_reads_the_rounded_amount_of_an_earlier_line() -> None:
    schedule = [line("half", {"/": [5, 2]}), line("double", {"*": [{"var": "lines.half"}, 2]})]
    assert amounts(*schedule) == {"half": 3, "double": 6}


@pytest.mark.parametrize(
    ("value", "pence"),
    [
        (0.5, 1),
        (1.5, 2),
        (2.5, 3),
        (-0.5, -1),
        (-2.5, -3),
        (2.4999, 2),
        (1.005 * 100, 101),
        (2.675 * 100, 268),
        (7, 7),
        (-7, -7),
        (1e15 + 0.5, 1_000_000_000_000_001),
    ],
)
def test_round_half_up_rounds_halves_away_from_zero(value: float, pence: int) -> None:
    assert round_half_up(value) == pence


def test_a_zero_line_is_not_shown_but_keeps_its_amount() -> None:
    quote = FeeSchedule([line("base", 3500), line("extra", {"*": [0, 1200]})]).quote({})
    assert [shown.id for shown in quote.lines] == ["base"]
    assert quote.amounts == {"base": 3500, "extra": 0}
    assert quote.total == 3500


def test_all_zero_lines_make_a_free_quote() -> None:
    quote = FeeSchedule([line("base", 0)]).quote({})
    assert quote.lines == []
    assert quote.is_free


def test_a_credit_line_is_shown_when_the_total_stays_positive() -> None:
    quote = FeeSchedule([line("base", 3500), line("discount", -500)]).quote({})
    assert [(shown.id, shown.amount) for shown in quote.lines] == [
        ("base", 3500),
        ("discount", -500),
    ]
    assert quote.total == 3000


def test_a_negative_total_is_refused() -> None:
    with pytest.raises(FeeError) as caught:
        FeeSchedule([line("base", 1000), line("refund", {"-": [0, 1500]})]).quote({})
    assert caught.value.line_id is None
    assert "-500" in str(caught.value)


def test_fund_and_vat_codes_are_carried_to_each_line() -> None:
    quote = FeeSchedule(
        [
            line("subscription", 4500, fund="GWS01", vat="OS"),
            line("delivery", {"*": [1, 1500]}, fund="GWS02", vat="S"),
        ]
    ).quote({})
    assert quote.lines == [
        QuotedLine("subscription", "The subscription line", 4500, "GWS01", "OS"),
        QuotedLine("delivery", "The delivery line", 1500, "GWS02", "S"),
    ]


@pytest.mark.parametrize(
    ("rule", "answers"),
    [
        ({"cat": ["12", "00"]}, {}),
        ({"var": "note"}, {"note": "1200"}),
        ({"var": "absent"}, {}),
        ({"if": [True, None, 0]}, {}),
        ({"!!": [1]}, {}),
        ({"var": "flag"}, {"flag": False}),
        ({"merge": [[1200]]}, {}),
        ({"var": "data"}, {"data": {"pence": 100}}),
        ({"*": [1e308, 10]}, {}),
    ],
    ids=[
        "string",
        "answer-string",
        "null",
        "if-null",
        "true",
        "false",
        "list",
        "object",
        "overflow",
    ],
)
def test_a_rule_that_gives_no_number_is_a_fee_error_naming_the_line(
    rule: Any, answers: dict[str, Any]
) -> None:
    with pytest.raises(FeeError) as caught:
        FeeSchedule([line("base", 100), line("odd", rule)]).quote(answers)
    assert caught.value.line_id == "odd"
    assert "'odd'" in str(caught.value)


@pytest.mark.parametrize(
    "rule",
    [{"/": [100, 0]}, {"%": [100, 0]}, {"/": [100, {"var": "zero"}]}, {"-": ["ten", 1]}],
    ids=["divide", "modulo", "divide-by-answer", "text-as-number"],
)
def test_a_calculation_with_no_numeric_result_is_a_fee_error(rule: Any) -> None:
    with pytest.raises(FeeError) as caught:
        FeeSchedule([line("odd", rule)]).quote({"zero": 0})
    assert caught.value.line_id == "odd"
    assert "no numeric result" in caught.value.message


@pytest.mark.parametrize(
    ("rule", "variable"),
    [
        ({"*": [{"var": "bins"}, 4500]}, "bins"),
        ({"+": [100, {"var": "address.rooms"}]}, "address.rooms"),
        ({"max": [0, {"-": [{"var": "items"}, 3]}]}, "items"),
        ({"if": [True, {"*": [{"var": "bins"}, 2]}, 0]}, "bins"),
    ],
)
def test_arithmetic_on_a_missing_answer_is_a_fee_error_naming_the_line_and_the_variable(
    rule: Any, variable: str
) -> None:
    with pytest.raises(FeeError) as caught:
        FeeSchedule([line("subscription", rule)]).quote({"address": {}})
    assert caught.value.line_id == "subscription"
    assert repr(variable) in caught.value.message
    assert caught.value.__cause__ is not None
    assert getattr(caught.value.__cause__, "missing", None) == variable


@pytest.mark.parametrize(
    ("rule", "answers", "pence"),
    [
        ({"*": [{"var": ["bins_to_deliver", 0]}, 1500]}, {}, 0),
        ({"*": [{"var": ["bins_to_deliver", 0]}, 1500]}, {"bins_to_deliver": 2}, 3000),
        ({"+": [{"var": ["extra", 250]}, 100]}, {}, 350),
    ],
)
def test_a_missing_answer_with_an_explicit_default_is_fine(
    rule: Any, answers: dict[str, Any], pence: int
) -> None:
    assert amounts(line("delivery", rule), answers=answers) == {"delivery": pence}


@pytest.mark.parametrize(
    ("pence", "text"),
    [
        (0, "£0.00"),
        (5, "£0.05"),
        (1250, "£12.50"),
        (3500, "£35.00"),
        (-1750, "-£17.50"),
        (-5, "-£0.05"),
        (123456789, "£1,234,567.89"),
    ],
)
def test_format_pence_shows_pounds_and_pence(pence: int, text: str) -> None:
    assert format_pence(pence) == text
