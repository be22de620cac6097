"""The condition and fee line builders: their JSON Logic does what the designer chose, and reads
back into the same clauses and lines for editing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from counterfoil.forms.builder import (
    BuilderError,
    Clause,
    ConcessionFee,
    Condition,
    ConditionalFee,
    FixedFee,
    PerAnswerFee,
    condition_of,
    condition_rule,
    condition_schema,
    fee_amount,
    fee_spec,
    field_name,
    pence_to_pounds,
    place_requirements,
    pounds_to_pence,
    rename_variable,
    required_fields,
    typed_value,
)
from counterfoil.rules import FeeLine, FeeSchedule, evaluate_rule, is_truthy

ANSWERS = {"kind": "bulky", "count": 4, "concession": True, "items": [{"q": 2}, {"q": 3}]}


@pytest.mark.parametrize(
    ("clause", "holds"),
    [
        (Clause("kind", "equals", "bulky"), True),
        (Clause("kind", "not_equals", "bulky"), False),
        (Clause("count", "more_than", 3), True),
        (Clause("count", "less_than", 4), False),
        (Clause("kind", "one_of", ["white_goods", "bulky"]), True),
        (Clause("kind", "answered"), True),
        (Clause("missing", "answered"), False),
        (Clause("missing", "not_answered"), True),
        (Clause("concession", "equals", False), False),
    ],
)
def test_each_operator_evaluates_and_reads_back(clause: Clause, holds: bool) -> None:
    condition = Condition((clause,))
    rule = condition_rule(condition)
    assert is_truthy(evaluate_rule(rule, ANSWERS)) is holds
    assert condition_of(rule) == condition


@pytest.mark.parametrize(("combine", "holds"), [("all", False), ("any", True)])
def test_clauses_combine_with_all_or_any(combine: Any, holds: bool) -> None:
    condition = Condition((Clause("count", "more_than", 1), Clause("kind", "equals", "x")), combine)
    rule = condition_rule(condition)
    assert is_truthy(evaluate_rule(rule, ANSWERS)) is holds
    assert condition_of(rule) == condition


@pytest.mark.parametrize(
    "rule",
    [{"var": "concession"}, {"and": [{"==": [{"var": "a"}, 1]}, {"var": "b"}]}, {"<=": [1, 2]}],
)
def test_rules_the_builder_cannot_show_read_back_as_none(rule: Any) -> None:
    assert condition_of(rule) is None


def test_condition_schema_agrees_with_the_rule() -> None:
    condition = Condition((Clause("kind", "one_of", ["bulky"]), Clause("count", "more_than", 3)))
    assert condition_schema(condition) == {
        "allOf": [
            {"properties": {"kind": {"enum": ["bulky"]}}, "required": ["kind"]},
            {"properties": {"count": {"exclusiveMinimum": 3}}, "required": ["count"]},
        ]
    }
    assert condition_schema(Condition((Clause("address.postcode", "answered"),))) is None


@pytest.mark.parametrize(
    ("node", "text", "operator", "value"),
    [
        ({"type": "integer"}, "1,000", "equals", 1000),
        ({"type": "number"}, "2.5", "more_than", 2.5),
        ({"type": "boolean"}, "Yes", "equals", True),
        ({"type": "string"}, " bulky ", "equals", "bulky"),
        ({"type": "string"}, "a, b", "one_of", ["a", "b"]),
        ({"type": "array", "items": {"enum": ["x"]}}, "x", "equals", "x"),
        ({"type": "string"}, "", "answered", None),
    ],
)
def test_values_are_typed_by_the_fields_schema(
    node: Any, text: str, operator: str, value: Any
) -> None:
    assert typed_value(node, text, operator) == value


@pytest.mark.parametrize(
    ("node", "text"), [({"type": "integer"}, "1.5"), ({"type": "boolean"}, "maybe")]
)
def test_values_of_the_wrong_type_are_refused(node: Any, text: str) -> None:
    with pytest.raises(BuilderError):
        typed_value(node, text, "equals")


@pytest.mark.parametrize(
    ("text", "pence"), [("12.50", 1250), ("£1,200", 120000), ("0.5", 50), (" 7 ", 700)]
)
def test_pounds_become_pence_and_back(text: str, pence: int) -> None:
    assert pounds_to_pence(text) == pence
    assert pounds_to_pence(pence_to_pounds(pence)) == pence


@pytest.mark.parametrize("text", ["", "12.505", "twelve", "1.2.3"])
def test_amounts_that_are_not_pounds_are_refused(text: str) -> None:
    with pytest.raises(BuilderError):
        pounds_to_pence(text)


def _quote(*specs: tuple[str, Any], answers: dict[str, Any] = ANSWERS) -> dict[str, int]:
    lines = [FeeLine(i, i, fee_amount(spec), "F", "OS") for i, spec in specs]
    return FeeSchedule(lines).quote(answers).amounts


CONCESSION = condition_rule(Condition((Clause("concession", "equals", True),)))


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (FixedFee(3500), 3500),
        (PerAnswerFee(1200, "count"), 4800),
        (PerAnswerFee(1200, "count", free=3), 1200),
        (PerAnswerFee(1200, "count", free=9), 0),
        (PerAnswerFee(100, "items", "q"), 500),
        (PerAnswerFee(100, "items", "q", free=1), 400),
        (ConditionalFee(700, CONCESSION), 700),
        (ConditionalFee(700, {"var": "missing"}), 0),
    ],
)
def test_fee_lines_charge_as_built_and_read_back(spec: Any, expected: int) -> None:
    assert _quote(("line", spec)) == {"line": expected}
    assert fee_spec(fee_amount(spec)) == spec


def test_an_unanswered_count_charges_nothing() -> None:
    assert _quote(("line", PerAnswerFee(1200, "count")), answers={}) == {"line": 0}


def test_a_concession_takes_a_percentage_off_the_lines_before_it() -> None:
    concession = ConcessionFee(Decimal("50"), ("base", "extra"), CONCESSION)
    amounts = _quote(("base", FixedFee(3500)), ("extra", PerAnswerFee(1200, "count", free=3)),
                     ("off", concession))  # fmt: skip
    assert amounts == {"base": 3500, "extra": 1200, "off": -2350}
    assert fee_spec(fee_amount(concession)) == concession
    third = ConcessionFee(Decimal("33.5"), ("base",), {"var": "concession"})
    assert fee_spec(fee_amount(third)) == third
    with pytest.raises(BuilderError):
        fee_amount(ConcessionFee(Decimal("10"), (), CONCESSION))


def test_the_demo_forms_fee_lines_are_recognised() -> None:
    extra = {"*": [{"max": [0, {"-": [{"reduce": [{"var": "items"}, {"+": [{"var": "accumulator"},
             {"var": "current.quantity"}]}, 0]}, 3]}]}, 1200]}  # fmt: skip
    assert fee_spec(extra) == PerAnswerFee(1200, "items", "quantity", 3)
    assert fee_spec({"if": [{"var": "x"}, {"*": [2, {"var": "lines.a"}]}, 0]}) is None
    assert fee_spec({"+": [1, 2]}) is None


def test_field_names_come_from_labels_and_stay_unique() -> None:
    assert field_name("What is your postcode?") == "your_postcode"
    assert field_name("Number of items", {"number_of_items"}) == "number_of_items_2"
    assert field_name("2 bins") == "q_2_bins"
    assert field_name("???") == "question"


def test_renaming_a_variable_renames_its_reads_only() -> None:
    rule = {"and": [{"==": [{"var": "kind"}, 1]}, {"var": ["kind.sub", 0]}, {"var": "kinds"}]}
    assert rename_variable(rule, "kind", "type") == {
        "and": [{"==": [{"var": "type"}, 1]}, {"var": ["type.sub", 0]}, {"var": "kinds"}]
    }


def test_required_fields_on_a_conditional_page_are_required_only_when_it_is_asked() -> None:
    definition: dict[str, Any] = {
        "schema": {"type": "object", "properties": {"a": {}, "b": {}, "c": {}}},
        "pages": [
            {"id": "one", "fields": ["/a"]},
            {"id": "two", "fields": ["/b", "/c"], "when": {"==": [{"var": "a"}, "yes"]}},
        ],
    }
    place_requirements(definition, {"a", "b"})
    schema = definition["schema"]
    assert schema["required"] == ["a"]
    assert schema["allOf"][0]["if"] == {"properties": {"a": {"const": "yes"}}, "required": ["a"]}
    assert schema["allOf"][0]["then"] == {"required": ["b"]}
    assert required_fields(definition) == {"a", "b"}
    del definition["pages"][1]["when"]
    place_requirements(definition, required_fields(definition))
    assert schema["required"] == ["a", "b"]
    assert "allOf" not in schema
