"""AnswerValidator: every error at once, on the right field, in page order, worded for residents."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counterfoil.forms.model import FormDefinition
from counterfoil.forms.validation import AnswerValidator, FieldError


def make_definition(
    properties: dict[str, Any],
    *,
    required: list[str] | None = None,
    ui: dict[str, Any] | None = None,
    pages: list[list[str]] | None = None,
    **schema_extra: Any,
) -> FormDefinition:
    schema: dict[str, Any] = {"type": "object", "properties": properties, **schema_extra}
    if required:
        schema["required"] = required
    page_fields = pages or [[f"/{name}" for name in properties]]
    return msgspec.convert(
        {
            "slug": "test-form",
            "title": "Test form",
            "schema": schema,
            "pages": [
                {"id": f"p{i}", "title": f"Page {i}", "fields": fields}
                for i, fields in enumerate(page_fields)
            ],
            "fulfilment": {"department": "waste-services"},
            "ui": ui or {},
        },
        FormDefinition,
    )


def messages(definition: FormDefinition, answers: Any) -> dict[str, str]:
    return {e.pointer: e.message for e in AnswerValidator(definition).errors(answers)}


def one_field(
    field: dict[str, Any], ui: dict[str, Any] | None = None, *, required: bool = False
) -> FormDefinition:
    return make_definition(
        {"field": field},
        required=["field"] if required else None,
        ui={"/field": ui or {"label": "Postcode"}},
    )


BULKY_WASTE = make_definition(
    {
        "collection_type": {"enum": ["bulky", "white_goods"]},
        "items": {
            "type": "array",
            "minItems": 1,
            "maxItems": 5,
            "items": {
                "type": "object",
                "required": ["kind", "quantity"],
                "properties": {
                    "kind": {"type": "string", "minLength": 1},
                    "quantity": {"type": "integer", "minimum": 1, "maximum": 10},
                },
            },
        },
        "postcode": {"type": "string", "pattern": "^[A-Z]{1,2}[0-9]", "maxLength": 8},
        "email": {"type": "string", "format": "email"},
        "contact": {"enum": ["phone", "email"]},
        "phone": {"type": "string"},
        "concession": {"type": "boolean"},
    },
    required=["collection_type", "postcode", "concession"],
    ui={
        "/collection_type": {"widget": "radios", "label": "What kind of collection?"},
        "/items": {"widget": "repeater", "label": "Items", "add_label": "Add another item"},
        "/items/kind": {"label": "Type of item"},
        "/items/quantity": {"label": "Quantity"},
        "/postcode": {"label": "Postcode"},
        "/email": {"label": "Email address"},
        "/phone": {"label": "Phone number"},
        "/concession": {"label": "Do you have a concession?"},
    },
    # The resident answers the postcode page before the "what" page: order follows pages.
    pages=[
        ["/postcode"],
        ["/collection_type", "/items"],
        ["/contact", "/email", "/phone"],
        ["/concession"],
    ],
    dependentRequired={"contact": ["phone"]},
    **{
        "if": {"properties": {"contact": {"const": "email"}}, "required": ["contact"]},
        "then": {"required": ["email"]},
    },
)

VALID = {
    "collection_type": "bulky",
    "items": [{"kind": "sofa", "quantity": 2}],
    "postcode": "RM17 6SL",
    "concession": False,
}


def test_valid_answers_have_no_errors() -> None:
    validator = AnswerValidator(BULKY_WASTE)
    assert validator.errors(VALID) == []
    assert validator.is_valid(VALID)


def test_every_error_is_returned_at_once_in_page_order() -> None:
    answers = {**VALID, "collection_type": "skip", "postcode": "nope", "concession": "yes"}
    errors = AnswerValidator(BULKY_WASTE).errors(answers)
    assert errors == [
        FieldError("/postcode", "Enter a real postcode"),
        FieldError("/collection_type", "Select what kind of collection"),
        FieldError("/concession", "Select yes if you have a concession"),
    ]
    assert not AnswerValidator(BULKY_WASTE).is_valid(answers)


def test_required_lands_on_the_missing_property() -> None:
    assert messages(BULKY_WASTE, {}) == {
        "/postcode": "Enter postcode",
        "/collection_type": "Select what kind of collection",
        "/concession": "Select yes if you have a concession",
    }


def test_dependent_required_lands_on_the_missing_property() -> None:
    assert messages(BULKY_WASTE, {**VALID, "contact": "phone"}) == {"/phone": "Enter phone number"}


def test_if_then_required_lands_on_the_missing_property() -> None:
    assert messages(BULKY_WASTE, {**VALID, "contact": "email", "phone": "01375 652652"}) == {
        "/email": "Enter email address"
    }


def test_repeater_item_errors_name_the_item_and_keep_their_index() -> None:
    answers = {**VALID, "items": [{"kind": "sofa", "quantity": 11}, {"quantity": "two"}]}
    assert AnswerValidator(BULKY_WASTE).errors(answers) == [
        FieldError("/items/0/quantity", "Item 1: Quantity must be 10 or fewer"),
        FieldError("/items/1/kind", "Item 2: Enter type of item"),
        FieldError("/items/1/quantity", "Item 2: Quantity must be a whole number"),
    ]


def test_errors_on_the_repeater_itself_sit_on_the_array() -> None:
    assert messages(BULKY_WASTE, {**VALID, "items": []}) == {"/items": "Add at least 1 item"}
    six = [{"kind": "chair", "quantity": 1}] * 6
    assert messages(BULKY_WASTE, {**VALID, "items": six}) == {"/items": "You can add up to 5 items"}


def test_one_message_per_field_required_before_pattern() -> None:
    # An empty postcode fails the pattern too; the resident needs "Enter", not "Enter a real".
    assert messages(BULKY_WASTE, {**VALID, "postcode": ""}) == {"/postcode": "Enter postcode"}


def test_type_before_pattern_for_the_same_field() -> None:
    definition = one_field({"type": "integer", "maximum": 3}, {"label": "Number of bins"})
    assert messages(definition, {"field": "many"}) == {
        "/field": "Number of bins must be a whole number"
    }


def test_errors_deeper_than_a_field_keep_their_full_pointer() -> None:
    definition = make_definition(
        {
            "address": {
                "type": "object",
                "required": ["line1"],
                "properties": {
                    "line1": {"type": "string", "title": "Building and street"},
                    "postcode": {"type": "string", "pattern": "^[A-Z]"},
                },
            }
        }
    )
    assert messages(definition, {"address": {"postcode": "x"}}) == {
        "/address/line1": "Enter building and street",
        "/address/postcode": "Enter a real postcode",
    }


DEFAULT_MESSAGES = [
    pytest.param({"type": "string"}, {}, True, {}, "Enter postcode", id="required-text"),
    pytest.param(
        {"type": "string"},
        {"label": "Your postcode"},
        True,
        {},
        "Enter your postcode",
        id="required-your",
    ),
    pytest.param(
        {"type": "string"},
        {"label": "What is your name?"},
        True,
        {},
        "Enter your name",
        id="required-question",
    ),
    pytest.param(
        {"type": "string"},
        {"label": "NHS number"},
        True,
        {},
        "Enter NHS number",
        id="required-acronym",
    ),
    pytest.param(
        {"enum": ["a", "b"]},
        {"label": "Bin colour"},
        True,
        {},
        "Select bin colour",
        id="required-radios",
    ),
    pytest.param(
        {"type": "boolean"},
        {"label": "Are you over 65?"},
        True,
        {},
        "Select yes if you are over 65",
        id="required-yes-no",
    ),
    pytest.param(
        {"type": "string", "minLength": 1},
        {},
        False,
        {"field": ""},
        "Enter postcode",
        id="minLength-1-is-required",
    ),
    pytest.param(
        {"type": "string", "pattern": "^[A-Z]"},
        {},
        False,
        {"field": "x"},
        "Enter a real postcode",
        id="pattern",
    ),
    pytest.param(
        {"type": "string", "maxLength": 8},
        {},
        False,
        {"field": "x" * 9},
        "Postcode must be 8 characters or less",
        id="maxLength",
    ),
    pytest.param(
        {"type": "string", "minLength": 5},
        {},
        False,
        {"field": "x"},
        "Postcode must be 5 characters or more",
        id="minLength",
    ),
    pytest.param(
        {"type": "integer", "maximum": 10},
        {"label": "Number of items"},
        False,
        {"field": 11},
        "Number of items must be 10 or fewer",
        id="maximum",
    ),
    pytest.param(
        {"type": "integer", "minimum": 1},
        {"label": "Number of items"},
        False,
        {"field": 0},
        "Number of items must be 1 or more",
        id="minimum",
    ),
    pytest.param(
        {"type": "number", "exclusiveMaximum": 2.5},
        {"label": "Weight"},
        False,
        {"field": 3},
        "Weight must be less than 2.5",
        id="exclusiveMaximum",
    ),
    pytest.param(
        {"type": "number", "exclusiveMinimum": 0},
        {"label": "Weight"},
        False,
        {"field": 0},
        "Weight must be more than 0",
        id="exclusiveMinimum",
    ),
    pytest.param(
        {"type": "integer"},
        {"label": "Number of items"},
        False,
        {"field": 1.5},
        "Number of items must be a whole number",
        id="type-integer",
    ),
    pytest.param(
        {"type": "number"},
        {"label": "Weight"},
        False,
        {"field": "heavy"},
        "Weight must be a number",
        id="type-number",
    ),
    pytest.param(
        {"type": "integer", "maximum": 5000},
        {"widget": "money", "label": "Amount"},
        False,
        {"field": 6000},
        "Amount must be £50.00 or less",
        id="maximum-money",
    ),
    pytest.param(
        {"type": "integer", "minimum": 150},
        {"widget": "money", "label": "Amount"},
        False,
        {"field": 1},
        "Amount must be £1.50 or more",
        id="minimum-money",
    ),
    pytest.param(
        {"type": "string", "format": "email"},
        {"label": "Email address"},
        False,
        {"field": "not an email"},
        "Enter an email address in the correct format, like name@example.com",
        id="format-email",
    ),
    pytest.param(
        {"type": "string", "format": "date"},
        {"label": "Date of birth"},
        False,
        {"field": "2024-02-30"},
        "Date of birth must be a real date",
        id="format-date",
    ),
    pytest.param(
        {"enum": ["bulky", "white_goods"]},
        {"label": "What kind of collection?"},
        False,
        {"field": "skip"},
        "Select what kind of collection",
        id="enum",
    ),
    pytest.param(
        {"type": "array", "items": {"enum": ["a", "b"]}, "minItems": 1},
        {"label": "Bins"},
        False,
        {"field": []},
        "Select bins",
        id="minItems-checkboxes",
    ),
    pytest.param(
        {"type": "array", "items": {"enum": ["a", "b", "c"]}, "maxItems": 2},
        {"label": "Bins"},
        False,
        {"field": ["a", "b", "c"]},
        "Select no more than 2 options for bins",
        id="maxItems-checkboxes",
    ),
    pytest.param(
        {"type": "array", "items": {"enum": ["a", "b"]}},
        {"label": "Bins"},
        False,
        {"field": ["z"]},
        "Select bins",
        id="enum-inside-checkboxes-sits-on-the-field",
    ),
    pytest.param(
        {"type": "array", "items": {"type": "object"}, "minItems": 2},
        {"widget": "repeater", "label": "Rooms"},
        False,
        {"field": []},
        "Add at least 2 rooms",
        id="minItems-repeater",
    ),
    pytest.param(
        {"type": "array", "items": {"type": "object"}, "maxItems": 1},
        {"widget": "repeater", "label": "Items"},
        False,
        {"field": [{}, {}]},
        "You can add up to 1 item",
        id="maxItems-repeater",
    ),
    pytest.param(
        {"const": True},
        {"label": "I agree"},
        False,
        {"field": False},
        "Check your answer for I agree",
        id="const-generic",
    ),
    pytest.param(
        {"type": "string", "not": {"const": "x"}},
        {},
        False,
        {"field": "x"},
        "Check your answer for postcode",
        id="unmapped-keyword-generic",
    ),
]


@pytest.mark.parametrize(("field", "ui", "required", "answers", "expected"), DEFAULT_MESSAGES)
def test_default_message(
    field: dict[str, Any], ui: dict[str, Any], required: bool, answers: Any, expected: str
) -> None:
    definition = one_field(field, {"label": "Postcode", **ui}, required=required)
    assert messages(definition, answers) == {"/field": expected}


OVERRIDES = [
    ("required", {"type": "string"}, True, {}),
    ("pattern", {"type": "string", "pattern": "^[A-Z]"}, False, {"field": "x"}),
    ("maximum", {"type": "integer", "maximum": 1}, False, {"field": 2}),
    ("minimum", {"type": "integer", "minimum": 1}, False, {"field": 0}),
    ("type", {"type": "integer"}, False, {"field": "x"}),
    ("format", {"type": "string", "format": "email"}, False, {"field": "x"}),
    ("enum", {"enum": ["a"]}, False, {"field": "b"}),
    ("minLength", {"type": "string", "minLength": 3}, False, {"field": "x"}),
    ("maxLength", {"type": "string", "maxLength": 1}, False, {"field": "xx"}),
    ("minItems", {"type": "array", "minItems": 2}, False, {"field": [1]}),
    ("maxItems", {"type": "array", "maxItems": 1}, False, {"field": [1, 2]}),
    ("const", {"const": 1}, False, {"field": 2}),
]


@pytest.mark.parametrize(("keyword", "field", "required", "answers"), OVERRIDES)
def test_ui_override_wins_per_keyword(
    keyword: str, field: dict[str, Any], required: bool, answers: dict[str, Any]
) -> None:
    override = f"Custom {keyword} message {{not a placeholder}}"
    definition = one_field(
        field, {"label": "Postcode", "errors": {keyword: override}}, required=required
    )
    assert messages(definition, answers) == {"/field": override}


def test_override_applies_to_every_repeater_item() -> None:
    definition = make_definition(
        {
            "items": {
                "type": "array",
                "items": {"type": "object", "properties": {"n": {"type": "integer", "maximum": 3}}},
            }
        },
        ui={
            "/items": {"widget": "repeater", "label": "Rooms"},
            "/items/n": {"label": "Windows", "errors": {"maximum": "We can only clean 3 windows"}},
        },
    )
    assert messages(definition, {"items": [{"n": 1}, {"n": 4}]}) == {
        "/items/1/n": "Room 2: We can only clean 3 windows"
    }


def test_label_falls_back_to_title_then_property_name() -> None:
    definition = make_definition(
        {"a": {"type": "string", "title": "Full name"}, "house_number": {"type": "string"}},
        required=["a", "house_number"],
    )
    assert messages(definition, {}) == {
        "/a": "Enter full name",
        "/house_number": "Enter house number",
    }


def test_nested_repeaters_name_each_item() -> None:
    definition = make_definition(
        {
            "floors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "rooms": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {"name": {"type": "string"}},
                            },
                        }
                    },
                },
            }
        },
        ui={"/floors": {"label": "Floors"}, "/floors/rooms": {"add_label": "Add another room"}},
    )
    assert AnswerValidator(definition).errors({"floors": [{"rooms": []}, {"rooms": [{}, {}]}]}) == [
        FieldError("/floors/1/rooms/0/name", "Floor 2, room 1: Enter name"),
        FieldError("/floors/1/rooms/1/name", "Floor 2, room 2: Enter name"),
    ]


def test_answers_that_are_not_an_object_get_one_form_level_error() -> None:
    errors = AnswerValidator(BULKY_WASTE).errors([1, 2])  # type: ignore[arg-type]
    assert [e.pointer for e in errors] == [""]
    assert "is not of type" not in errors[0].message


def test_non_json_keys_do_not_raise() -> None:
    validator = AnswerValidator(BULKY_WASTE)
    assert not validator.is_valid({1: 2})  # type: ignore[dict-item]
    assert [e.pointer for e in validator.errors({1: 2})] == [""]  # type: ignore[dict-item]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
answer_objects = st.dictionaries(
    st.sampled_from(["collection_type", "items", "postcode", "email", "contact", "phone"])
    | st.text(max_size=8),
    json_values,
    max_size=6,
)
FUZZ_VALIDATOR = AnswerValidator(BULKY_WASTE)


@settings(max_examples=300, deadline=None)
@given(answers=json_values | answer_objects)
def test_random_json_never_raises_and_returns_field_errors(answers: Any) -> None:
    errors = FUZZ_VALIDATOR.errors(answers)
    assert isinstance(errors, list)
    assert all(isinstance(e, FieldError) for e in errors)
    assert len({e.pointer for e in errors}) == len(errors)
    assert (errors == []) == FUZZ_VALIDATOR.is_valid(answers)
    for e in errors:
        assert e.message
        assert "is not of type" not in e.message
        assert "does not match" not in e.message


def test_empty_answer_uses_the_required_override_not_the_pattern_one() -> None:
    ui = {"label": "Postcode", "errors": {"pattern": "Enter a real postcode, like RM17 6SL"}}
    definition = one_field({"type": "string", "pattern": "^[A-Z]"}, ui)
    assert messages(definition, {"field": ""}) == {"/field": "Enter postcode"}
    assert messages(definition, {"field": "x"}) == {
        "/field": "Enter a real postcode, like RM17 6SL"
    }
