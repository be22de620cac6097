"""Answers from a page's HTML form POST, and the inputs that re-fill it."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counterfoil.forms.coerce import answers_from_form, form_values
from counterfoil.forms.model import FormDefinition

SCHEMA: dict[str, Any] = {
    "type": "object",
    "$defs": {
        "address": {
            "type": "object",
            "properties": {
                "line1": {"type": "string"},
                "town": {"type": "string"},
                "postcode": {"type": "string"},
            },
        }
    },
    "properties": {
        "name": {"type": "string"},
        "story": {"type": "string", "maxLength": 500},
        "postcode": {"type": "string", "pattern": "^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$"},
        "home_postcode": {"type": "string"},
        "phone": {"type": "string"},
        "bins": {"type": "integer", "minimum": 1},
        "weight": {"type": "number"},
        "nickname": {"type": ["null", "string"]},
        "fee": {"type": "integer"},
        "concession": {"type": "boolean"},
        "dob": {"type": "string", "format": "date"},
        "collection_type": {"type": "string", "enum": ["bulky", "white_goods"]},
        "size": {"enum": [1, 2, 3]},
        "waste": {"type": "array", "items": {"enum": ["paper", "glass", "cans"]}},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string"},
                    "quantity": {"type": "integer"},
                    "collected_on": {"type": "string", "format": "date"},
                },
            },
        },
        "address": {"$ref": "#/$defs/address"},
        "hidden_secret": {"type": "string"},
    },
}
UI: dict[str, Any] = {
    "/home_postcode": {"autocomplete": "postal-code"},
    "/phone": {"widget": "phone", "autocomplete": "tel"},
    "/fee": {"widget": "money"},
    "/address": {"widget": "address"},
    "/items": {"widget": "repeater"},
    "/items/quantity": {"widget": "number"},
}
DEFINITION = msgspec.convert(
    {
        "slug": "bulky-waste",
        "title": "Bulky waste",
        "schema": SCHEMA,
        "ui": UI,
        "pages": [{"id": "all", "title": "All", "fields": [f"/{p}" for p in SCHEMA["properties"]]}],
        "fulfilment": {"department": "waste-services"},
    },
    FormDefinition,
)
ALL_FIELDS = [f"/{p}" for p in SCHEMA["properties"] if p != "hidden_secret"]


def coerce(form: dict[str, list[str]], fields: list[str] | None = None) -> dict[str, Any]:
    return answers_from_form(DEFINITION, fields or ALL_FIELDS, form).answers


def date_is_valid(value: str) -> bool:
    validator = jsonschema_rs.validator_for(
        {"type": "string", "format": "date"}, validate_formats=True
    )
    return bool(validator.is_valid(value))


# --- strings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("  Ada Lovelace  ", "Ada Lovelace"), ("Ada", "Ada"), ("\tAda\n", "Ada")],
)
def test_text_is_stripped(typed: str, expected: str) -> None:
    assert coerce({"name": [typed]}) == {"name": expected}


@pytest.mark.parametrize("typed", ["", "   ", "\n\t"])
def test_blank_text_is_not_answered(typed: str) -> None:
    page = answers_from_form(DEFINITION, ["/name"], {"name": [typed]})
    assert page.answers == {}
    assert page.unanswered == ("/name",)


def test_textarea_line_ends_become_newlines() -> None:
    assert coerce({"story": ["one\r\ntwo"]}) == {"story": "one\ntwo"}


def test_nul_characters_are_removed() -> None:
    assert coerce({"name": ["Ad\x00a"]}) == {"name": "Ada"}


@pytest.mark.parametrize(
    ("field", "typed", "expected"),
    [
        ("postcode", " rm17  6sl ", "RM17 6SL"),
        ("postcode", "rm176sl", "RM17 6SL"),
        ("postcode", "sw1a1aa", "SW1A 1AA"),
        ("home_postcode", " m1   1ae", "M1 1AE"),
        ("home_postcode", "not a postcode", "NOT A POSTCODE"),
    ],
)
def test_postcode_is_uppercased_and_spaced(field: str, typed: str, expected: str) -> None:
    assert coerce({field: [typed]}) == {field: expected}


def test_postcode_inside_an_address_is_normalised() -> None:
    form = {"address-line1": ["1 High St"], "address-postcode": ["rm17 6sl"]}
    assert coerce(form) == {"address": {"line1": "1 High St", "postcode": "RM17 6SL"}}


def test_text_without_postcode_hint_keeps_its_case() -> None:
    assert coerce({"name": ["rm17 6sl"]}) == {"name": "rm17 6sl"}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [(" 07700 900 123 ", "07700 900 123"), ("+44 (0)7700-900123", "+44 (0)7700-900123")],
)
def test_phone_is_kept_as_typed_but_stripped(typed: str, expected: str) -> None:
    assert coerce({"phone": [typed]}) == {"phone": expected}


def test_nullable_string_is_a_string() -> None:
    assert coerce({"nickname": [" Ada "]}) == {"nickname": "Ada"}


# --- numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("3", 3),
        (" 3 ", 3),
        ("1,000", 1000),
        ("1 000", 1000),
        ("12,345,678", 12345678),
        ("-4", -4),
        ("- 4", -4),
        ("\u22124", -4),
        ("+4", 4),
        ("3.0", 3),
        ("007", 7),
    ],
)
def test_integer_is_read_as_people_type_it(typed: str, expected: int) -> None:
    assert coerce({"bins": [typed]}) == {"bins": expected}


@pytest.mark.parametrize(
    "typed", ["3.5", "three", "1,00", "1 2", "10-20", "1e3", "nan", "inf", "\u0663", "1_000", "--4"]
)
def test_unreadable_integer_is_kept_as_typed(typed: str) -> None:
    assert coerce({"bins": [typed]}) == {"bins": typed}


def test_huge_integer_is_kept_as_typed() -> None:
    typed = "9" * 5000
    assert coerce({"bins": [typed]}) == {"bins": typed}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("2.5", 2.5), ("1,000.25", 1000.25), (".5", 0.5), ("4", 4), ("-0.75", -0.75)],
)
def test_number_is_read_as_people_type_it(typed: str, expected: float) -> None:
    assert coerce({"weight": [typed]}) == {"weight": expected}


def test_blank_number_is_not_answered() -> None:
    assert coerce({"bins": ["  "]}) == {}


@pytest.mark.parametrize(
    ("typed", "pence"),
    [
        ("£12.50", 1250),
        ("12.5", 1250),
        ("12", 1200),
        ("£ 1,200", 120000),
        ("0.05", 5),
        ("50p", 50),
        ("-£5", -500),
        ("12.", 1200),
    ],
)
def test_money_is_read_in_pence(typed: str, pence: int) -> None:
    assert coerce({"fee": [typed]}) == {"fee": pence}


@pytest.mark.parametrize("typed", ["12.345", "twelve", "£", ".", "$12", "12.5.0"])
def test_unreadable_money_is_kept_as_typed(typed: str) -> None:
    assert coerce({"fee": [typed]}) == {"fee": typed}


# --- yes / no -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "expected"),
    [("yes", True), ("true", True), ("on", True), ("Yes", True), ("no", False), ("false", False)],
)
def test_yes_no_is_a_boolean(sent: str, expected: bool) -> None:
    assert coerce({"concession": [sent]}) == {"concession": expected}


def test_missing_yes_no_is_not_answered() -> None:
    assert coerce({}) == {}


def test_unknown_yes_no_value_is_kept_as_sent() -> None:
    assert coerce({"concession": ["maybe"]}) == {"concession": "maybe"}


def test_last_value_of_a_repeated_single_input_wins() -> None:
    assert coerce({"concession": ["no", "yes"]}) == {"concession": True}


# --- dates ----------------------------------------------------------------------------------------


def date_form(day: str, month: str, year: str, name: str = "dob") -> dict[str, list[str]]:
    return {f"{name}-day": [day], f"{name}-month": [month], f"{name}-year": [year]}


@pytest.mark.parametrize(
    ("day", "month", "year", "expected"),
    [
        ("5", "2", "2024", "2024-02-05"),
        ("05", "02", "2024", "2024-02-05"),
        (" 29 ", "2", "2024", "2024-02-29"),
        ("1", "feb", "2024", "2024-02-01"),
        ("1", "February", "2024", "2024-02-01"),
        ("1", "Sept", "2024", "2024-09-01"),
        ("31", "dec.", "1999", "1999-12-31"),
    ],
)
def test_date_parts_become_an_iso_date(day: str, month: str, year: str, expected: str) -> None:
    assert coerce(date_form(day, month, year)) == {"dob": expected}


def test_empty_date_is_not_answered() -> None:
    assert coerce(date_form("", " ", "")) == {}


@pytest.mark.parametrize(
    ("day", "month", "year", "expected"),
    [
        ("31", "2", "2024", "2024-02-31"),
        ("29", "2", "2023", "2023-02-29"),
        ("", "2", "2024", "2024-02-"),
        ("5", "", "", "--05"),
        ("5", "2", "24", "24-02-05"),
        ("5", "13", "2024", "2024-13-05"),
        ("0", "1", "2024", "2024-01-00"),
        ("1", "1", "0000", "0-01-01"),
        ("1", "smarch", "2024", "2024-smarch-01"),
        ("1st", "1", "2024", "2024-01-1st"),
    ],
)
def test_impossible_or_partial_date_is_kept_and_fails_the_format_check(
    day: str, month: str, year: str, expected: str
) -> None:
    answer = coerce(date_form(day, month, year))["dob"]
    assert answer == expected
    assert not date_is_valid(answer)


def test_date_sent_as_one_iso_input_is_kept() -> None:
    assert coerce({"dob": [" 2024-02-05 "]}) == {"dob": "2024-02-05"}


# --- choices --------------------------------------------------------------------------------------


def test_radio_choice_is_the_value_sent() -> None:
    assert coerce({"collection_type": [" bulky "]}) == {"collection_type": "bulky"}


def test_integer_enum_choice_is_an_integer() -> None:
    assert coerce({"size": ["2"]}) == {"size": 2}


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        (["cans", "paper"], ["paper", "cans"]),
        (["", "glass"], ["glass"]),
        ([""], []),
        (["glass", "glass"], ["glass"]),
        (["plutonium", "paper"], ["paper", "plutonium"]),
    ],
)
def test_checkboxes_are_in_enum_order(sent: list[str], expected: list[str]) -> None:
    assert coerce({"waste": sent}) == {"waste": expected}


def test_checkboxes_not_sent_are_not_answered() -> None:
    assert coerce({}) == {}


# --- repeaters and nested objects -----------------------------------------------------------------


def test_repeater_rows_are_collected_sorted_and_renumbered() -> None:
    form = {
        "items-10-kind": ["Fridge"],
        "items-2-kind": ["Sofa"],
        "items-2-quantity": ["2"],
        "items-5-kind": [""],
        "items-5-quantity": [" "],
        **date_form("1", "3", "2025", name="items-10-collected_on"),
    }
    assert coerce(form) == {
        "items": [
            {"kind": "Sofa", "quantity": 2},
            {"kind": "Fridge", "collected_on": "2025-03-01"},
        ]
    }


def test_repeater_with_only_blank_rows_is_an_empty_list() -> None:
    assert coerce({"items-0-kind": [""], "items-0-quantity": [""]}) == {"items": []}


def test_repeater_item_keeps_unreadable_number_as_typed() -> None:
    assert coerce({"items-0-kind": ["Sofa"], "items-0-quantity": ["two"]}) == {
        "items": [{"kind": "Sofa", "quantity": "two"}]
    }


def test_repeater_not_sent_is_not_answered() -> None:
    assert coerce({"items-x-kind": ["Sofa"], "items-kind": ["Sofa"]}) == {}


def test_nested_object_follows_ref_and_drops_blank_properties() -> None:
    form = {"address-line1": [" 1 High St "], "address-town": [""]}
    assert coerce(form) == {"address": {"line1": "1 High St"}}


def test_all_blank_nested_object_is_not_answered() -> None:
    page = answers_from_form(
        DEFINITION, ["/address"], {"address-line1": [""], "address-postcode": [" "]}
    )
    assert page.answers == {}
    assert page.unanswered == ("/address",)


# --- what the page may answer ---------------------------------------------------------------------


def test_inputs_of_fields_not_on_the_page_are_ignored() -> None:
    form = {"name": ["Ada"], "bins": ["3"], "hidden_secret": ["x"], "fee": ["0"]}
    assert coerce(form, fields=["/name"]) == {"name": "Ada"}


def test_inputs_naming_no_field_are_ignored() -> None:
    form = {"name": ["Ada"], "admin": ["true"], "name-extra": ["x"], "address": ["x"]}
    assert coerce(form) == {"name": "Ada"}


def test_page_field_missing_from_schema_is_skipped() -> None:
    page = answers_from_form(DEFINITION, ["/nope", "/name"], {"nope": ["x"], "name": ["Ada"]})
    assert page.answers == {"name": "Ada"}
    assert page.unanswered == ()


def test_a_plain_string_value_is_read_as_one_value() -> None:
    assert answers_from_form(DEFINITION, ["/name"], {"name": "Ada"}).answers == {"name": "Ada"}


def test_merged_into_replaces_and_removes_page_answers_only() -> None:
    saved = {"name": "Old", "bins": 4, "address": {"line1": "Old"}, "postcode": "RM17 6SL"}
    page = answers_from_form(DEFINITION, ["/name", "/bins"], {"name": ["New"], "bins": [""]})
    merged = page.merged_into(saved)
    assert merged == {"name": "New", "address": {"line1": "Old"}, "postcode": "RM17 6SL"}
    assert saved["bins"] == 4


# --- re-filling a page ---------------------------------------------------------------------------


def test_form_values_name_every_input() -> None:
    answers = {
        "name": "Ada",
        "bins": 3,
        "weight": 2.5,
        "fee": 1250,
        "concession": False,
        "dob": "2024-02-05",
        "waste": ["paper", "cans"],
        "size": 2,
        "items": [{"kind": "Sofa", "quantity": 2}],
        "address": {"line1": "1 High St", "postcode": "RM17 6SL"},
        "hidden_secret": "x",
    }
    assert form_values(DEFINITION, ALL_FIELDS, answers) == {
        "name": "Ada",
        "bins": "3",
        "weight": "2.5",
        "fee": "12.50",
        "concession": "no",
        "dob-day": "05",
        "dob-month": "02",
        "dob-year": "2024",
        "waste": ["paper", "cans"],
        "size": "2",
        "items-0-kind": "Sofa",
        "items-0-quantity": "2",
        "address-line1": "1 High St",
        "address-postcode": "RM17 6SL",
    }


def test_form_values_give_back_what_was_typed_for_invalid_answers() -> None:
    answers = {"bins": "three", "dob": "2024-02-31", "fee": "twelve"}
    assert form_values(DEFINITION, ALL_FIELDS, answers) == {
        "bins": "three",
        "dob-day": "31",
        "dob-month": "02",
        "dob-year": "2024",
        "fee": "twelve",
    }


@pytest.mark.parametrize(
    "answers",
    [
        {"name": "Ada", "postcode": "RM17 6SL", "phone": "07700 900123"},
        {"bins": 1000, "weight": 0.1, "fee": -505, "concession": True},
        {"dob": "2024-02-29", "collection_type": "white_goods", "size": 3},
        {"waste": [], "items": []},
        {"waste": ["paper", "glass"], "items": [{"kind": "Sofa", "quantity": 4}]},
        {"address": {"line1": "1 High St", "town": "Grays", "postcode": "RM17 6SL"}},
        {"bins": "three", "dob": "2024-02-", "fee": "£twelve"},
        {"weight": 1e20},
    ],
)
def test_answers_survive_a_round_trip_through_the_form(answers: dict[str, Any]) -> None:
    posted = {
        k: v if isinstance(v, list) else [v]
        for k, v in form_values(DEFINITION, ALL_FIELDS, answers).items()
    }
    for name in ("waste", "items"):
        if answers.get(name) == []:
            posted[name] = [""]  # the hidden "none" input the page renders
    assert coerce(posted) == answers


# --- never raises ---------------------------------------------------------------------------------


def input_names() -> list[str]:
    names = [p for p in SCHEMA["properties"] if p not in ("dob", "items", "address")]
    names += [f"dob-{part}" for part in ("day", "month", "year")]
    names += [f"items-{i}-{p}" for i in (0, 1, 7) for p in ("kind", "quantity")]
    names += [f"items-0-collected_on-{part}" for part in ("day", "month", "year")]
    names += [f"address-{p}" for p in ("line1", "town", "postcode")]
    return names


@settings(max_examples=300, deadline=None)
@given(
    values=st.fixed_dictionaries(
        {name: st.lists(st.text(max_size=30), max_size=3) for name in input_names()}
    ),
    extra=st.dictionaries(st.text(max_size=20), st.lists(st.text(max_size=10), max_size=2)),
)
def test_any_strings_posted_never_raise_and_give_json(
    values: dict[str, list[str]], extra: dict[str, list[str]]
) -> None:
    page = answers_from_form(DEFINITION, ALL_FIELDS, {**extra, **values})
    msgspec.json.encode(page.answers)
    assert set(page.answers) <= {p.lstrip("/") for p in ALL_FIELDS}


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_any_text_in_a_number_money_or_date_field_never_raises(text: str) -> None:
    form = {"bins": [text], "weight": [text], "fee": [text], **date_form(text, text, text)}
    answers = coerce(form)
    msgspec.json.encode(answers)
    for field in ("bins", "weight", "fee"):
        assert field not in answers or isinstance(answers[field], int | float | str)


def test_labelled_const_choices_are_typed_by_their_values() -> None:
    definition = msgspec.convert(
        {
            "slug": "choices",
            "title": "Choices",
            "schema": {
                "type": "object",
                "properties": {
                    "band": {"oneOf": [{"const": 1, "title": "A"}, {"const": 2, "title": "B"}]}
                },
            },
            "pages": [{"id": "band", "title": "Band", "fields": ["/band"]}],
            "fulfilment": {"department": "council-tax"},
        },
        FormDefinition,
    )
    assert answers_from_form(definition, ["/band"], {"band": ["2"]}).answers == {"band": 2}
