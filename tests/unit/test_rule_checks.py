"""check_rule: operators, depth and variables, each problem located by a JSON Pointer."""

from __future__ import annotations

from typing import Any

import pytest

from counterfoil.rules import MAX_DEPTH, CompiledRule, Problem, RuleInvalid, check_rule

FIELDS = {"name", "age", "items", "items.*.quantity", "items.*.kind", "address", "address.postcode"}


def known(path: str) -> bool:
    return path in FIELDS


def nested_not(levels: int) -> Any:
    rule: Any = True
    for _ in range(levels):
        rule = {"!": rule}
    return rule


def pointers(problems: list[Problem]) -> list[str]:
    return [p.pointer for p in problems]


@pytest.mark.parametrize(
    ("rule", "pointer"),
    [
        ({"frobnicate": [1, 2]}, "/frobnicate"),
        ({"if": [{"now": []}, 1, 2]}, "/if/0/now"),
        ({"+": [1, {"datetime": "2026-01-01T00:00:00Z"}]}, "/+/1/datetime"),
        ({"log": "hello"}, "/log"),
        ({"a/b~c": 1}, "/a~1b~0c"),
    ],
    ids=["unknown", "engine-now", "engine-datetime", "log-only-prints", "escaped-in-pointer"],
)
def test_an_operator_outside_the_specification_is_refused_where_it_is(
    rule: Any, pointer: str
) -> None:
    problems = check_rule(rule)
    assert pointers(problems) == [pointer]
    assert "unknown operator" in problems[0].message


def test_problem_pointers_start_with_the_given_prefix() -> None:
    assert pointers(check_rule({"now": []}, pointer="/fees/lines/2/amount")) == [
        "/fees/lines/2/amount/now"
    ]


def test_an_object_with_two_keys_is_not_an_operation() -> None:
    assert pointers(check_rule({"if": [{"==": [1, 1], "!=": [1, 2]}, 1, 2]})) == ["/if/0"]


def test_a_rule_nested_to_the_limit_is_accepted() -> None:
    assert check_rule(nested_not(MAX_DEPTH)) == []


def test_a_rule_nested_past_the_limit_is_refused_at_its_deepest_part() -> None:
    problems = check_rule(nested_not(MAX_DEPTH + 1))
    assert pointers(problems) == ["/!" * (MAX_DEPTH + 1)]
    assert "nested more than" in problems[0].message


def test_a_very_deep_rule_is_refused_without_recursing_to_the_bottom() -> None:
    problems = check_rule(nested_not(5000))
    assert len(problems) == 1
    assert "nested more than" in problems[0].message


@pytest.mark.parametrize(
    ("rule", "pointer", "variable"),
    [
        ({"var": "nmae"}, "/var", "nmae"),
        ({"==": [{"var": ["address.town", ""]}, "Grays"]}, "/==/0/var", "address.town"),
        ({"if": [{"var": "age"}, {"var": "agee"}, 0]}, "/if/1/var", "agee"),
    ],
)
def test_a_variable_no_field_provides_is_refused(rule: Any, pointer: str, variable: str) -> None:
    problems = check_rule(rule, variables=known)
    assert pointers(problems) == [pointer]
    assert repr(variable) in problems[0].message


@pytest.mark.parametrize(
    "rule",
    [
        {"var": "name"},
        {"var": ["address.postcode", "none"]},
        {"var": ""},
        {"var": {"cat": ["na", "me"]}},  # computed: cannot be checked when loaded
        {"cat": ["a", {"var": "name"}]},
    ],
    ids=["field", "nested-with-default", "whole-data", "computed-path", "inside-operator"],
)
def test_a_variable_a_field_provides_is_accepted(rule: Any) -> None:
    assert check_rule(rule, variables=known) == []


def test_variables_are_not_checked_without_a_callback() -> None:
    assert check_rule({"var": "anything.at.all"}) == []


@pytest.mark.parametrize("op", ["map", "filter", "all", "some", "none"])
def test_a_variable_inside_an_iterator_is_read_from_the_current_item(op: str) -> None:
    assert check_rule({op: [{"var": "items"}, {"var": "quantity"}]}, variables=known) == []


@pytest.mark.parametrize("op", ["map", "filter", "all", "some", "none"])
def test_a_variable_inside_an_iterator_that_the_item_lacks_is_refused(op: str) -> None:
    problems = check_rule({op: [{"var": "items"}, {"var": "name"}]}, variables=known)
    assert pointers(problems) == [f"/{op}/1/var"]


def test_the_list_an_iterator_walks_is_checked_against_the_answers() -> None:
    problems = check_rule({"map": [{"var": "itemz"}, {"var": "quantity"}]}, variables=known)
    assert pointers(problems)[0] == "/map/0/var"


def test_reduce_reads_current_from_the_item_and_accumulator_freely() -> None:
    rule = {
        "reduce": [
            {"var": "items"},
            {"+": [{"var": "accumulator"}, {"var": "current.quantity"}]},
            {"var": "age"},
        ]
    }
    assert check_rule(rule, variables=known) == []


@pytest.mark.parametrize(
    ("initial", "step", "pointer"),
    [
        (0, {"+": [{"var": "accumulator"}, {"var": "current.weight"}]}, "/reduce/1/+/1/var"),
        (0, {"+": [{"var": "accumulator"}, {"var": "quantity"}]}, "/reduce/1/+/1/var"),
        ({"var": "agee"}, {"var": "accumulator"}, "/reduce/2/var"),
    ],
    ids=["current-lacks-it", "bare-item-name", "initial-read-from-answers"],
)
def test_reduce_refuses_a_variable_neither_the_item_nor_the_answers_provide(
    initial: Any, step: Any, pointer: str
) -> None:
    problems = check_rule({"reduce": [{"var": "items"}, step, initial]}, variables=known)
    assert pointers(problems) == [pointer]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"missing": ["name", "nmae", "age"]}, ["/missing/1"]),
        ({"missing": "agee"}, ["/missing/0"]),
        ({"missing": ["name", "address.postcode"]}, []),
    ],
)
def test_missing_names_only_fields_that_exist(rule: Any, expected: list[str]) -> None:
    assert pointers(check_rule(rule, variables=known)) == expected


def test_every_problem_is_reported_at_once() -> None:
    rule = {"and": [{"now": []}, {"var": "nmae"}, {"missing": ["agee"]}]}
    assert pointers(check_rule(rule, variables=known)) == [
        "/and/0/now",
        "/and/1/var",
        "/and/2/missing/0",
    ]


@pytest.mark.parametrize(
    "rule",
    [
        {"now": []},
        {"if": [{"datetime": "2026-01-01"}, 1, 0]},
        nested_not(MAX_DEPTH + 1),
        {"a": 1, "b": 2},
    ],
    ids=["now", "datetime", "too-deep", "two-keys"],
)
def test_compiled_rule_refuses_what_check_rule_finds(rule: Any) -> None:
    with pytest.raises(RuleInvalid) as caught:
        CompiledRule(rule)
    assert caught.value.problems == check_rule(rule)
    assert caught.value.problems
