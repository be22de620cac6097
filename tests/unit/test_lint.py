"""The linter: each check, with the exact JSON Pointer it reports; the demo forms lint clean."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import msgspec
import pytest

from counterfoil.forms import FormDefinition, lint, load_definition

DEMO = Path(__file__).parents[2] / "counterfoil/forms/demo"


def base() -> dict[str, Any]:
    """A small definition that lints clean; each test breaks one thing."""
    return {
        "slug": "lint-me",
        "title": "Lint me",
        "schema": {
            "type": "object",
            "properties": {
                "kind": {"type": "string", "enum": ["bulky", "garden"]},
                "count": {"type": "integer", "minimum": 1},
                "note": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
            },
            "required": ["kind"],
        },
        "pages": [
            {"id": "kind", "title": "Kind", "fields": ["/kind"]},
            {"id": "count", "title": "Count", "fields": ["/count", "/tags"]},
            {"id": "note", "title": "Note", "fields": ["/note"]},
        ],
        "ui": {"/kind": {"widget": "radios", "options": {"bulky": "Bulky", "garden": "Garden"}}},
        "fees": {
            "lines": [
                {"id": "base", "description": "Base", "amount": 1000, "fund": "F1", "vat": "OS"},
                {
                    "id": "each",
                    "description": "Each",
                    "amount": {"*": [{"var": ["count", 0]}, 100]},
                    "fund": "F1",
                    "vat": "OS",
                },
            ]
        },
        "fulfilment": {"department": "waste-services"},
        "tests": [
            {
                "name": "one",
                "answers": {"kind": "bulky", "count": 1},
                "expect": {"valid": True, "total": 1100, "lines": {"base": 1000}, "errors": []},
            }
        ],
    }


def problems_of(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p.pointer, p.message) for p in lint(msgspec.convert(document, FormDefinition))]


def pointers_of(document: dict[str, Any]) -> list[str]:
    return [pointer for pointer, _ in problems_of(document)]


def test_the_base_definition_lints_clean() -> None:
    assert problems_of(base()) == []


@pytest.mark.parametrize("name", ["bulky-waste", "garden-waste", "missed-bin"])
def test_a_demo_form_lints_clean(name: str) -> None:
    assert lint(load_definition((DEMO / f"{name}.json").read_bytes())) == []


def test_a_duplicate_page_id_is_reported_on_the_second_page() -> None:
    document = base()
    document["pages"][2]["id"] = "kind"
    assert pointers_of(document) == ["/pages/2/id"]


def test_a_field_pointer_naming_no_property_is_reported() -> None:
    document = base()
    document["pages"][2]["fields"].append("/nope")
    assert pointers_of(document) == ["/pages/2/fields/1"]


def test_a_field_pointer_below_the_top_level_is_reported() -> None:
    document = base()
    document["pages"][2]["fields"].append("/kind/deeper")
    assert pointers_of(document) == ["/pages/2/fields/1"]


def test_a_field_on_no_page_is_reported_at_its_property() -> None:
    document = base()
    document["pages"][2]["fields"] = []
    assert pointers_of(document) == ["/schema/properties/note"]


def test_a_field_on_two_pages_is_reported_on_the_second() -> None:
    document = base()
    document["pages"][2]["fields"].append("/count")
    problems = problems_of(document)
    assert [p for p, _ in problems] == ["/pages/2/fields/1"]
    assert "'count'" in problems[0][1]


def test_an_always_required_field_on_a_conditional_page_is_reported() -> None:
    document = base()
    document["schema"]["required"] = ["kind", "note"]
    document["pages"][2]["when"] = {"==": [{"var": "kind"}, "bulky"]}
    assert pointers_of(document) == ["/pages/2/fields/0"]


def test_an_optional_field_on_a_conditional_page_is_accepted() -> None:
    document = base()
    document["pages"][2]["when"] = {"==": [{"var": "kind"}, "bulky"]}
    assert problems_of(document) == []


@pytest.mark.parametrize(
    ("key", "pointer"),
    [("/missing", "/ui/~1missing"), ("/kind/below", "/ui/~1kind~1below")],
)
def test_a_ui_key_pointing_nowhere_is_reported(key: str, pointer: str) -> None:
    document = base()
    document["ui"][key] = {"label": "Nothing"}
    assert pointers_of(document) == [pointer]


@pytest.mark.parametrize(
    ("key", "widget"),
    [("/note", "number"), ("/count", "yesno"), ("/kind", "checkboxes"), ("/tags", "text")],
)
def test_a_widget_that_cannot_hold_its_field_is_reported(key: str, widget: str) -> None:
    document = base()
    document["ui"][key] = {"widget": widget}
    problems = problems_of(document)
    assert [p for p, _ in problems] == [f"/ui/~1{key[1:]}/widget"]
    assert widget in problems[0][1]


@pytest.mark.parametrize(
    ("key", "widget"),
    [("/note", "textarea"), ("/count", "number"), ("/kind", "select"), ("/tags", "checkboxes")],
)
def test_a_widget_that_fits_its_field_is_accepted(key: str, widget: str) -> None:
    document = base()
    document["ui"][key] = {"widget": widget}
    assert problems_of(document) == []


def test_an_option_not_in_the_enum_is_reported() -> None:
    document = base()
    document["ui"]["/kind"]["options"]["white_goods"] = "Fridges"
    assert pointers_of(document) == ["/ui/~1kind/options/white_goods"]


def test_an_option_not_in_an_array_items_enum_is_reported() -> None:
    document = base()
    document["ui"]["/tags"] = {"widget": "checkboxes", "options": {"a": "A", "c": "C"}}
    assert pointers_of(document) == ["/ui/~1tags/options/c"]


def test_options_on_a_field_without_an_enum_are_reported() -> None:
    document = base()
    document["ui"]["/note"] = {"options": {"x": "X"}}
    assert pointers_of(document) == ["/ui/~1note/options"]


def test_a_page_condition_reading_a_later_pages_field_is_reported() -> None:
    document = base()
    document["pages"][1]["when"] = {"==": [{"var": "note"}, "x"]}
    assert pointers_of(document) == ["/pages/1/when/==/0/var"]


def test_a_page_condition_reading_its_own_pages_field_is_reported() -> None:
    document = base()
    document["pages"][1]["when"] = {">": [{"var": "count"}, 1]}
    assert pointers_of(document) == ["/pages/1/when/>/0/var"]


def test_a_page_condition_reading_an_earlier_pages_field_is_accepted() -> None:
    document = base()
    document["pages"][2]["when"] = {"and": [{"var": "kind"}, {"in": ["a", {"var": "tags"}]}]}
    assert problems_of(document) == []


def test_a_page_condition_reading_no_field_at_all_is_reported() -> None:
    document = base()
    document["pages"][2]["when"] = {"var": "knid"}
    assert pointers_of(document) == ["/pages/2/when/var"]


def test_a_fee_line_reading_a_later_line_is_reported() -> None:
    document = base()
    document["fees"]["lines"][0]["amount"] = {"+": [{"var": "lines.each"}, 1000]}
    assert pointers_of(document) == ["/fees/lines/0/amount/+/0/var"]


def test_a_fee_line_reading_an_earlier_line_is_accepted() -> None:
    document = base()
    document["fees"]["lines"][1]["amount"] = {"*": [{"var": "lines.base"}, 0.1]}
    assert problems_of(document) == []


def test_a_fee_line_reading_an_unknown_answer_is_reported() -> None:
    document = base()
    document["fees"]["lines"][1]["amount"] = {"*": [{"var": "cuont"}, 100]}
    assert pointers_of(document) == ["/fees/lines/1/amount/*/0/var"]


@pytest.mark.parametrize("operator", ["now", "datetime", "frobnicate"])
def test_an_unknown_operator_in_a_fee_is_reported(operator: str) -> None:
    document = base()
    document["fees"]["lines"][1]["amount"] = {"if": [{operator: []}, 100, 0]}
    assert pointers_of(document) == [f"/fees/lines/1/amount/if/0/{operator}"]


def test_a_duplicate_fee_line_id_is_reported() -> None:
    document = base()
    document["fees"]["lines"][1]["id"] = "base"
    assert pointers_of(document) == ["/fees/lines/1/id"]


def test_a_field_named_lines_on_a_paid_form_is_reported() -> None:
    document = base()
    document["schema"]["properties"]["lines"] = {"type": "string"}
    document["pages"][2]["fields"].append("/lines")
    assert pointers_of(document) == ["/schema/properties/lines"]


def test_a_route_reading_an_unknown_field_is_reported() -> None:
    document = base()
    document["fulfilment"] = {"route": {"if": [{"var": "knid"}, "waste-services", "parks"]}}
    document["tests"][0]["expect"].pop("department", None)
    assert pointers_of(document) == ["/fulfilment/route/if/0/var"]


@pytest.mark.parametrize(
    "pattern",
    [
        "^(a+)+$",
        "^(\\w*)*$",
        "^(a|b+){2,}$",
        "^(?:[a-z]+\\s?)+$",
        "^(\\d+(\\.\\d+)?)+$",
        "^((a+))+$",
        "^(x(a|b)+)*$",
        "^(a)\\1$",
        "^(?<x>a)\\k<x>$",
        "^(?=a)a$",
        "^(?!b)a$",
        "^(?<=a)b$",
        "^[a-z",
        "(",
        "a" * 501,
    ],
    ids=[
        "nested-plus",
        "nested-star",
        "nested-counted",
        "non-capturing",
        "nested-group-inside",
        "doubly-wrapped",
        "repeat-deeper-down",
        "back-reference",
        "named-back-reference",
        "look-ahead",
        "negative-look-ahead",
        "look-behind",
        "unclosed-class",
        "unclosed-group",
        "too-long",
    ],
)
def test_an_unsafe_or_invalid_pattern_is_reported(pattern: str) -> None:
    document = base()
    document["schema"]["properties"]["note"]["pattern"] = pattern
    assert pointers_of(document) == ["/schema/properties/note/pattern"]


@pytest.mark.parametrize(
    "pattern",
    [
        "^[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2}$",
        "^\\+?[0-9 ()]{10,20}$",
        "^(GB)?[0-9]{9}$",
        "^([+*])+$",
        "^[(a+)]+$",
        "^(ab){2}$",
    ],
    ids=[
        "uk-postcode",
        "phone",
        "optional-group",
        "quantifiers-in-a-class",
        "class-of-parens",
        "fixed-count",
    ],
)
def test_a_safe_pattern_is_accepted(pattern: str) -> None:
    document = base()
    document["schema"]["properties"]["note"]["pattern"] = pattern
    assert problems_of(document) == []


def test_an_unsafe_pattern_inside_array_items_is_reported_where_it_is() -> None:
    document = base()
    document["schema"]["properties"]["tags"]["items"] = {"type": "string", "pattern": "^(a+)+$"}
    assert pointers_of(document) == ["/schema/properties/tags/items/pattern"]


def test_a_pattern_inside_an_enum_value_is_not_a_pattern() -> None:
    document = base()
    document["schema"]["properties"]["kind"]["const"] = {"pattern": "^(a+)+$"}
    assert problems_of(document) == []


def test_a_test_expecting_an_unknown_line_is_reported() -> None:
    document = base()
    document["tests"][0]["expect"]["lines"]["extra"] = 0
    assert pointers_of(document) == ["/tests/0/expect/lines/extra"]


def test_a_test_expecting_an_error_on_an_unknown_field_is_reported() -> None:
    document = base()
    document["tests"][0]["expect"]["errors"] = ["/kind", "/nope"]
    assert pointers_of(document) == ["/tests/0/expect/errors/1"]


def test_a_duplicate_test_name_is_reported() -> None:
    document = base()
    document["tests"].append(copy.deepcopy(document["tests"][0]))
    assert pointers_of(document) == ["/tests/1/name"]


def test_every_problem_is_reported_at_once() -> None:
    document = base()
    document["pages"][2]["id"] = "kind"
    document["ui"]["/missing"] = {}
    document["fees"]["lines"][1]["amount"] = {"now": []}
    document["schema"]["properties"]["note"]["pattern"] = "^(a+)+$"
    document["tests"][0]["expect"]["lines"]["extra"] = 0
    assert pointers_of(document) == [
        "/pages/2/id",
        "/ui/~1missing",
        "/fees/lines/1/amount/now",
        "/schema/properties/note/pattern",
        "/tests/0/expect/lines/extra",
    ]
