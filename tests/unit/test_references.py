"""Typed references (masks, Luhn, modulus 11), card numbers typed in the wrong box, and both wired
into form definitions: meta-schema, linter and the messages a resident sees."""

from __future__ import annotations

import copy
from typing import Any

import msgspec
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from counterfoil.forms import DefinitionInvalid, FormDefinition, lint, load_definition
from counterfoil.forms.validation import CARD_MESSAGE, AnswerValidator
from counterfoil.rules import (
    CHECK_ALGORITHMS,
    ReferenceMask,
    ReferenceMaskInvalid,
    RulesError,
    check_reference,
    looks_like_card_number,
    luhn_check_digit,
    mask_problems,
    mod11_check_digit,
)

# The sandbox's test cards (counterfoil/web/sandbox/_cards.py, GOV.UK Pay's sandbox numbers).
SANDBOX_CARDS = [
    "4242424242424242",
    "4444333322221111",
    "5105105105105100",
    "371449635398431",
    "4000000000000002",
    "4000000000000069",
    "4000000000000127",
    "4000000000000119",
    "4000002500003155",
]


# -- the check digit algorithms


@pytest.mark.parametrize(
    ("payload", "digit"),
    [("12345678", 9), ("943476591", 9), ("0000000", 0), ("1", 9), ("5", 1)],
)
def test_mod11_check_digit_matches_worked_examples(payload: str, digit: int) -> None:
    assert mod11_check_digit(payload) == digit


def test_mod11_payload_whose_digit_would_be_10_has_no_valid_reference() -> None:
    payload = next(f"{n:08d}" for n in range(10**8) if mod11_check_digit(f"{n:08d}") is None)
    for digit in "0123456789":
        result = check_reference(payload + digit, "########c", "mod11")
        assert (result.ok, result.problem) == (False, "check")


@pytest.mark.parametrize(
    ("payload", "digit"), [("7992739871", 3), ("424242424242424", 2), ("", 0), ("0", 0)]
)
def test_luhn_check_digit_matches_worked_examples(payload: str, digit: int) -> None:
    assert luhn_check_digit(payload) == digit


# -- masks


@pytest.mark.parametrize(
    ("value", "mask", "algorithm", "normalised"),
    [
        ("123456789", "########c", "mod11", "123456789"),
        ("943 476 5919", "#########c", "mod11", "9434765919"),
        ("7992739871 3", "##########c", "luhn", "79927398713"),
        ("ab12cd", "$$##@@", None, "AB12CD"),
        ("pcn-1234", "PCN-####", None, "PCN-1234"),
        ("1234 5678", "#### ####", None, "12345678"),
        ("6012345674", "60#######c", "mod11", "6012345674"),
    ],
)
def test_valid_references_pass_normalised(
    value: str, mask: str, algorithm: str | None, normalised: str
) -> None:
    result = check_reference(value, mask, algorithm)
    assert result.ok, result.reason
    assert (result.value, result.problem, result.reason) == (normalised, None, "")


@pytest.mark.parametrize(
    ("value", "mask", "position", "reason"),
    [
        ("12A4", "####", 3, "Character 3 should be a number"),
        ("A1", "$$", 2, "Character 2 should be a letter"),
        ("A-", "@@", 2, "Character 2 should be a letter or a number"),
        ("XCN-1234", "PCN-####", 1, "Character 1 should be 'P'"),
        ("12٣4", "####", 3, "Character 3 should be a number"),  # an Arabic-Indic digit
    ],
)
def test_wrong_character_names_its_position(
    value: str, mask: str, position: int, reason: str
) -> None:
    result = check_reference(value, mask)
    assert (result.ok, result.problem, result.position, result.reason) == (
        False,
        "character",
        position,
        reason,
    )


def test_wrong_length_says_how_many_characters() -> None:
    result = check_reference("1234 567", "########c", "mod11")
    assert (result.ok, result.problem) == (False, "length")
    assert result.reason == "It should have 9 characters, not 7"


def test_wrong_check_digit_is_reported_at_its_position() -> None:
    result = check_reference("123456788", "########c", "mod11")
    assert (result.ok, result.problem, result.position) == (False, "check", 9)
    assert "check digit does not match" in result.reason


def test_literal_digits_of_the_mask_are_covered_by_the_check_digit() -> None:
    digit = mod11_check_digit("601234567")
    assert check_reference(f"601234567{digit}", "60#######c", "mod11").ok
    assert not check_reference(f"611234567{digit}", "6########c", "mod11").ok


def test_letters_are_skipped_by_the_check_digit() -> None:
    digit = luhn_check_digit("1234")
    assert check_reference(f"AB1234{digit}", "$$####c", "luhn").ok
    assert check_reference(f"ZZ1234{digit}", "$$####c", "luhn").ok


@pytest.mark.parametrize(
    ("mask", "check", "problem"),
    [
        ("", None, "the mask is empty"),
        ("   ", None, "the mask is empty"),
        ("#" * 61, None, "the mask is longer than 60 characters"),
        ("##é#", None, "the mask may hold only printable ASCII characters, not 'é'"),
        ("##\t#", None, "the mask may hold only printable ASCII characters, not '\\t'"),
        ("##cc", "luhn", "the mask has more than one check digit 'c'"),
        ("###c", None, "the mask has a check digit 'c' but no check algorithm"),
        ("####", "luhn", "check 'luhn' needs a check digit 'c' in the mask"),
        ("###c", "mod97", "unknown check 'mod97': use one of luhn, mod11"),
    ],
)
def test_unusable_masks_are_named(mask: str, check: str | None, problem: str) -> None:
    assert problem in mask_problems(mask, check)
    with pytest.raises(ReferenceMaskInvalid) as raised:
        check_reference("1234", mask, check)
    assert isinstance(raised.value, RulesError)
    assert problem in raised.value.problems


@pytest.mark.parametrize(("mask", "check"), [("########c", "luhn"), ("PCN-$$####", None)])
def test_usable_masks_have_no_problems(mask: str, check: str | None) -> None:
    assert mask_problems(mask, check) == []


# -- properties of references

SYMBOLS = st.sampled_from(["#", "#", "#", "@", "$", "-", "/", "A", "7"])


@st.composite
def references(draw: st.DrawFn, algorithm: str) -> tuple[str, str]:
    """A mask ending in its check digit, and a valid reference for it."""
    mask = "".join(draw(st.lists(SYMBOLS, min_size=1, max_size=20))) + "c"
    chars: list[str] = []
    for symbol in mask[:-1]:
        if symbol == "#":
            chars.append(draw(st.sampled_from("0123456789")))
        elif symbol == "@":
            chars.append(draw(st.sampled_from("0123456789ABCXYZ")))
        elif symbol == "$":
            chars.append(draw(st.sampled_from("ABCXYZ")))
        else:
            chars.append(symbol)
    covered = "".join(ch for ch in chars if ch.isdigit())
    digit = luhn_check_digit(covered) if algorithm == "luhn" else mod11_check_digit(covered)
    assume(digit is not None)
    return mask, "".join(chars) + str(digit)


@given(st.sampled_from(CHECK_ALGORITHMS).flatmap(lambda a: st.tuples(st.just(a), references(a))))
def test_a_generated_valid_reference_always_passes(case: tuple[str, tuple[str, str]]) -> None:
    algorithm, (mask, value) = case
    assert check_reference(value, mask, algorithm).ok
    assert check_reference(value.lower(), mask, algorithm).ok
    assert check_reference(" ".join(value), mask, algorithm).ok


@given(
    st.sampled_from(CHECK_ALGORITHMS).flatmap(lambda a: st.tuples(st.just(a), references(a))),
    st.data(),
)
def test_changing_one_digit_is_caught_outside_the_mod11_blind_spots(
    case: tuple[str, tuple[str, str]], data: st.DataObject
) -> None:
    algorithm, (mask, value) = case
    digit_places = [i for i, ch in enumerate(value) if ch.isdigit()]
    place = data.draw(st.sampled_from(digit_places))
    new = data.draw(st.sampled_from([d for d in "0123456789" if d != value[place]]))
    changed = value[:place] + new + value[place + 1 :]
    # Its weight: 1 for the check digit, 2 for the digit before it, and so on (letters skipped).
    weight = 1 + sum(ch.isdigit() for ch in value[place + 1 :])
    blind = algorithm == "mod11" and weight % 11 == 0
    assert check_reference(changed, mask, algorithm).ok is blind


@given(st.text(alphabet="0123456789", min_size=1, max_size=25), st.data())
def test_mod11_catches_every_swap_of_adjacent_digits(payload: str, data: st.DataObject) -> None:
    digit = mod11_check_digit(payload)
    assume(digit is not None)
    value = f"{payload}{digit}"
    i = data.draw(st.integers(0, len(value) - 2))
    assume(value[i] != value[i + 1])
    swapped = value[:i] + value[i + 1] + value[i] + value[i + 2 :]
    assert not check_reference(swapped, "#" * len(payload) + "c", "mod11").ok


def test_compiled_mask_is_reusable() -> None:
    mask = ReferenceMask("####c", "luhn")
    assert mask.check("79927398713"[:4] + str(luhn_check_digit("7992"))).ok
    assert not mask.check("12345").ok


# -- card numbers


@pytest.mark.parametrize("number", SANDBOX_CARDS)
def test_sandbox_test_cards_look_like_card_numbers(number: str) -> None:
    spaced = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    assert looks_like_card_number(number)
    assert looks_like_card_number(spaced)
    assert looks_like_card_number(spaced.replace(" ", "-"))
    assert looks_like_card_number(int(number))


@pytest.mark.parametrize(
    "value",
    [
        "4242424242424241",  # fails Luhn
        "79927398713",  # passes Luhn, 11 digits
        "4242424242424242424",  # 19 digits, fails Luhn
        "42424242424242424242",  # 20 digits
        "4242 4242 4242 424x",
        "٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢",  # Arabic-Indic digits are not typed card numbers
        "4242.4242.4242.4242",
        "My card is 4242 4242 4242 4242",
        "",
        "4" + " " * 30 + "242424242424242",  # far too spaced out to be a typed number
    ],
)
def test_other_values_do_not_look_like_card_numbers(value: str) -> None:
    assert not looks_like_card_number(value)


@pytest.mark.parametrize(
    "value", [True, 4.242424242424242e15, None, 79927398713, -4242424242424242]
)
def test_non_text_values_are_not_card_numbers(value: Any) -> None:
    assert not looks_like_card_number(value)


@given(st.text(alphabet="0123456789 -", max_size=45))
def test_card_number_is_12_to_19_digits_passing_luhn(value: str) -> None:
    digits = value.replace(" ", "").replace("-", "")
    expected = (
        12 <= len(digits) <= 19
        and len(value) <= 37
        and luhn_check_digit(digits[:-1]) == int(digits[-1])
    )
    assert looks_like_card_number(value) is expected


@given(
    st.integers(10**7, 10**11 - 1),
    st.sampled_from(CHECK_ALGORITHMS),
)
def test_council_tax_references_are_not_taken_for_cards(number: int, algorithm: str) -> None:
    payload = str(number)[:-1]
    digit = luhn_check_digit(payload) if algorithm == "luhn" else mod11_check_digit(payload)
    assume(digit is not None)
    reference = f"{payload}{digit}"
    assert check_reference(reference, "#" * len(payload) + "c", algorithm).ok
    assert not looks_like_card_number(reference)


# -- form definitions

COUNCIL_TAX = "What is your council tax account number?"


def definition(ui: dict[str, Any] | None = None, **properties: Any) -> dict[str, Any]:
    props = properties or {"account": {"type": "string"}, "note": {"type": "string"}}
    return {
        "slug": "pay-council-tax",
        "title": "Pay council tax",
        "schema": {
            "type": "object",
            "properties": props,
            "additionalProperties": False,
        },
        "pages": [{"id": "p0", "title": "Your account", "fields": [f"/{k}" for k in props]}],
        "fulfilment": {"department": "revenues"},
        "ui": (
            {
                "/account": {
                    "label": COUNCIL_TAX,
                    "reference": {"mask": "########c", "check": "mod11"},
                }
            }
            if ui is None
            else ui
        ),
    }


def validator(document: dict[str, Any]) -> AnswerValidator:
    return AnswerValidator(msgspec.convert(document, FormDefinition))


def messages(document: dict[str, Any], answers: dict[str, Any]) -> dict[str, str]:
    return {e.pointer: e.message for e in validator(document).errors(answers)}


def test_a_reference_field_loads_and_lints_clean() -> None:
    loaded = load_definition(definition())
    reference = loaded.ui["/account"].reference
    assert reference is not None
    assert (reference.mask, reference.check) == ("########c", "mod11")
    assert lint(loaded) == []


@pytest.mark.parametrize(
    "reference",
    [{"mask": ""}, {"check": "luhn"}, {"mask": "#c", "check": "crc"}, {"mask": "#", "x": 1}],
)
def test_the_meta_schema_refuses_a_malformed_reference(reference: dict[str, Any]) -> None:
    with pytest.raises(DefinitionInvalid):
        load_definition(definition({"/account": {"reference": reference}}))


def test_meta_schema_lists_every_check_algorithm() -> None:
    from counterfoil.forms import metaschema

    ui_field = metaschema()["properties"]["ui"]["additionalProperties"]
    assert ui_field["properties"]["reference"]["properties"]["check"]["enum"] == list(
        CHECK_ALGORITHMS
    )


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ({"mask": "  "}, "the mask is empty"),
        ({"mask": "###c"}, "the mask has a check digit 'c' but no check algorithm"),
        ({"mask": "####", "check": "luhn"}, "check 'luhn' needs a check digit 'c' in the mask"),
        ({"mask": "##½#"}, "the mask may hold only printable ASCII characters, not '½'"),
    ],
)
def test_lint_refuses_an_unusable_mask(reference: dict[str, Any], message: str) -> None:
    problems = lint(load_definition(definition({"/account": {"reference": reference}})))
    assert [(p.pointer, p.message) for p in problems] == [("/ui/~1account/reference", message)]


def test_lint_refuses_a_reference_on_a_number_field() -> None:
    document = definition(
        {"/account": {"reference": {"mask": "####"}}}, account={"type": "integer"}
    )
    problems = lint(load_definition(document))
    assert [(p.pointer, p.message) for p in problems] == [
        ("/ui/~1account/reference", "a reference is typed text, but /account is not a string")
    ]


def test_a_draft_with_an_unusable_mask_still_validates_without_it() -> None:
    document = definition({"/account": {"reference": {"mask": "###c"}}})
    assert validator(document).errors({"account": "anything"}) == []


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1234567", "Enter your council tax account number in the correct format"),
        ("1234567X9", "Enter your council tax account number in the correct format"),
        ("123456788", "Check your council tax account number: it is not right"),
    ],
)
def test_a_wrong_reference_gets_a_govuk_message(typed: str, message: str) -> None:
    assert messages(definition(), {"account": typed}) == {"/account": message}


@pytest.mark.parametrize("typed", ["123456789", "1234 5678 9"])
def test_a_right_reference_is_valid(typed: str) -> None:
    checker = validator(definition())
    assert checker.errors({"account": typed}) == []
    assert checker.is_valid({"account": typed})


def test_a_blank_reference_is_left_to_required() -> None:
    document = definition()
    document["schema"]["required"] = ["account"]
    assert messages(document, {"account": " "}) == {}
    assert messages(document, {}) == {"/account": "Enter your council tax account number"}


def test_reference_messages_can_be_overridden() -> None:
    ui = definition()["ui"]
    ui["/account"]["errors"] = {"reference": "Enter the 9 digits from your bill"}
    document = definition(ui)
    assert messages(document, {"account": "12"}) == {
        "/account": "Enter the 9 digits from your bill"
    }
    assert messages(document, {"account": "123456788"}) == {
        "/account": "Enter the 9 digits from your bill"
    }


def test_a_schema_error_on_the_field_wins_over_the_mask() -> None:
    document = definition(account={"type": "string", "maxLength": 3})
    assert messages(document, {"account": "1234"}) == {
        "/account": "What is your council tax account number must be 3 characters or less"
    }


def test_references_inside_a_repeater_are_checked_per_item() -> None:
    accounts = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"number": {"type": "string"}},
            "additionalProperties": False,
        },
    }
    ui = {
        "/accounts": {"add_label": "Add another account"},
        "/accounts/number": {
            "label": "Account number",
            "reference": {"mask": "####c", "check": "luhn"},
        },
    }
    good = "7992" + str(luhn_check_digit("7992"))
    answers = {"accounts": [{"number": good}, {"number": "79920"}]}
    assert messages(definition(ui, accounts=accounts), answers) == {
        "/accounts/1/number": "Account 2: Check account number: it is not right"
    }


# -- card numbers in any answer

TEXT_FORM = {
    "name": {"type": "string", "maxLength": 100},
    "phone": {"type": "string", "pattern": "^\\+?[0-9 ()-]{10,40}$"},
    "bins": {"type": "integer", "minimum": 1},
    "items": {
        "type": "array",
        "items": {"type": "object", "properties": {"kind": {"type": "string"}}},
    },
    "short": {"type": "string", "maxLength": 4},
}


@pytest.mark.parametrize(
    ("answers", "pointer"),
    [
        ({"name": "4242 4242 4242 4242"}, "/name"),
        ({"phone": "4444-3333-2222-1111"}, "/phone"),
        ({"bins": 4242424242424242}, "/bins"),
        ({"items": [{"kind": "sofa"}, {"kind": "371449635398431"}]}, "/items/1/kind"),
        ({"short": "5105105105105100"}, "/short"),  # beats the maxLength error
    ],
)
def test_a_card_number_in_any_answer_is_refused(answers: dict[str, Any], pointer: str) -> None:
    found = messages(definition({}, **TEXT_FORM), answers)
    assert found[pointer].endswith(CARD_MESSAGE)
    assert not validator(definition({}, **TEXT_FORM)).is_valid(answers)


def test_a_card_number_in_a_reference_field_gets_the_card_message() -> None:
    document = definition(
        {"/account": {"label": COUNCIL_TAX, "reference": {"mask": "################"}}}
    )
    assert messages(document, {"account": "4242424242424242"}) == {"/account": CARD_MESSAGE}


def test_a_card_number_under_a_key_the_schema_does_not_name_is_refused() -> None:
    document = definition({}, **TEXT_FORM)
    del document["schema"]["additionalProperties"]
    assert messages(document, {"extra": {"deep": ["4242424242424242"]}}) == {
        "/extra/deep/0": CARD_MESSAGE
    }


@given(st.text(alphabet="0123456789 -", min_size=10, max_size=40))
def test_card_shaped_text_is_refused_exactly_when_it_is_a_card_number(typed: str) -> None:
    # The compiled schema refuses every card-shaped answer; all but real card numbers go back.
    found = VALIDATOR.errors({"name": typed, "phone": typed})
    assert bool(found) is looks_like_card_number(typed)
    assert all(e.message == CARD_MESSAGE for e in found)


VALIDATOR = validator(definition({}, **copy.deepcopy(TEXT_FORM)))


def test_card_check_keeps_other_errors() -> None:
    found = messages(definition({}, **TEXT_FORM), {"name": "4242424242424242", "bins": 0})
    assert found == {"/name": CARD_MESSAGE, "/bins": "Bins must be 1 or more"}


def test_a_phone_number_that_passes_luhn_is_not_taken_for_a_card() -> None:
    from counterfoil.forms import AnswerValidator, load_definition
    from tests.factories import demo_definition, valid_answers

    definition = load_definition(demo_definition("bulky-waste"))
    phone = "447700900981"  # 12 digits with a country code, and it passes Luhn
    assert looks_like_card_number(phone)
    answers = {**valid_answers("bulky-waste"), "phone": phone}
    assert AnswerValidator(definition).errors(answers) == []
    named = {**answers, "phone": "07700 900982", "name": phone}
    assert [e.pointer for e in AnswerValidator(definition).errors(named)] == ["/name"]
