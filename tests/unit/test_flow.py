"""Page flow: which pages apply, next and previous pages, and pruning of skipped answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest

from counterfoil.forms import FormDefinition, PageFlow, load_definition

DEMO = Path(__file__).parents[2] / "counterfoil/forms/demo"


@pytest.fixture(scope="module")
def garden() -> PageFlow:
    return PageFlow(load_definition((DEMO / "garden-waste.json").read_bytes()))


def ids(pages: list[Any]) -> list[str]:
    return [page.id for page in pages]


def chained_flow() -> PageFlow:
    """a -> b (only when a is "yes") -> c (only when b is "yes")."""
    schema = {
        "type": "object",
        "properties": {name: {"type": "string"} for name in ("a", "b", "c", "d")},
    }
    pages = [
        {"id": "first", "title": "First", "fields": ["/a"]},
        {
            "id": "second",
            "title": "Second",
            "fields": ["/b"],
            "when": {"==": [{"var": "a"}, "yes"]},
        },
        {"id": "third", "title": "Third", "fields": ["/c"], "when": {"==": [{"var": "b"}, "yes"]}},
        {"id": "fourth", "title": "Fourth", "fields": ["/d"]},
    ]
    definition = {
        "slug": "chained",
        "title": "Chained",
        "schema": schema,
        "pages": pages,
        "fulfilment": {"department": "waste-services"},
    }
    return PageFlow(msgspec.convert(definition, FormDefinition))


@pytest.mark.parametrize(
    ("existing_customer", "expected"),
    [
        (True, ["bins", "existing", "details"]),
        (False, ["bins", "existing", "delivery", "details"]),
    ],
)
def test_the_delivery_page_applies_only_to_new_customers(
    garden: PageFlow, existing_customer: bool, expected: list[str]
) -> None:
    assert ids(garden.applicable({"existing_customer": existing_customer})) == expected


def test_a_page_whose_condition_reads_an_unanswered_field_is_skipped(garden: PageFlow) -> None:
    assert ids(garden.applicable({})) == ["bins", "existing", "details"]


@pytest.mark.parametrize(
    ("page_id", "existing_customer", "expected"),
    [
        ("existing", True, "details"),
        ("existing", False, "delivery"),
        ("delivery", False, "details"),
        ("bins", True, "existing"),
        ("details", True, None),
    ],
)
def test_next_page_skips_a_page_that_does_not_apply(
    garden: PageFlow, page_id: str, existing_customer: bool, expected: str | None
) -> None:
    page = garden.next_page(page_id, {"existing_customer": existing_customer})
    assert (page.id if page else None) == expected


@pytest.mark.parametrize(
    ("page_id", "existing_customer", "expected"),
    [
        ("details", True, "existing"),
        ("details", False, "delivery"),
        ("delivery", False, "existing"),
        ("bins", False, None),
    ],
)
def test_previous_page_skips_a_page_that_does_not_apply(
    garden: PageFlow, page_id: str, existing_customer: bool, expected: str | None
) -> None:
    page = garden.previous_page(page_id, {"existing_customer": existing_customer})
    assert (page.id if page else None) == expected


def test_next_page_of_an_unknown_page_is_none(garden: PageFlow) -> None:
    assert garden.next_page("nowhere", {}) is None


def test_first_page_is_the_first_that_applies(garden: PageFlow) -> None:
    first = garden.first({})
    assert first is not None
    assert first.id == "bins"


def test_prune_drops_the_answers_of_a_skipped_page(garden: PageFlow) -> None:
    answers = {"bins": 2, "existing_customer": True, "bins_to_deliver": 3, "name": "Ali"}
    assert garden.prune(answers) == {"bins": 2, "existing_customer": True, "name": "Ali"}


def test_prune_keeps_the_answers_of_a_page_that_applies(garden: PageFlow) -> None:
    answers = {"bins": 2, "existing_customer": False, "bins_to_deliver": 3}
    assert garden.prune(answers) == answers


def test_prune_drops_keys_no_page_asks_for(garden: PageFlow) -> None:
    assert garden.prune({"bins": 1, "is_admin": True, "lines": {"x": 1}}) == {"bins": 1}


def test_prune_drops_unknown_keys_of_a_form_without_conditions() -> None:
    flow = PageFlow(load_definition((DEMO / "bulky-waste.json").read_bytes()))
    assert flow.prune({"name": "Sam", "price": 0}) == {"name": "Sam"}


def test_prune_does_not_change_the_answers_given(garden: PageFlow) -> None:
    answers = {"bins": 2, "existing_customer": True, "bins_to_deliver": 3}
    garden.prune(answers)
    assert answers == {"bins": 2, "existing_customer": True, "bins_to_deliver": 3}


def test_a_condition_sees_only_the_answers_of_earlier_applicable_pages() -> None:
    flow = chained_flow()
    # b answers "yes", but its page is skipped (a is not "yes"), so c's page must not apply.
    answers = {"a": "no", "b": "yes", "c": "kept?", "d": "end"}
    assert ids(flow.applicable(answers)) == ["first", "fourth"]
    assert flow.prune(answers) == {"a": "no", "d": "end"}


def test_a_chain_of_conditions_applies_when_each_holds() -> None:
    flow = chained_flow()
    answers = {"a": "yes", "b": "yes", "c": "c", "d": "d"}
    assert ids(flow.applicable(answers)) == ["first", "second", "third", "fourth"]
    assert flow.prune(answers) == answers


def test_a_condition_does_not_see_a_later_pages_answer() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}, "z": {"type": "string"}}}
    definition = {
        "slug": "later",
        "title": "Later",
        "schema": schema,
        "pages": [
            {"id": "first", "title": "First", "fields": ["/a"], "when": {"var": "z"}},
            {"id": "last", "title": "Last", "fields": ["/z"]},
        ],
        "fulfilment": {"department": "waste-services"},
    }
    flow = PageFlow(msgspec.convert(definition, FormDefinition))
    assert ids(flow.applicable({"a": "x", "z": "set"})) == ["last"]


@pytest.mark.parametrize("existing_customer", [[1], {"a": 1}, [], "yes", 10**30], ids=repr)
def test_a_condition_that_cannot_compare_wrong_answers_skips_the_page(
    garden: PageFlow, existing_customer: Any
) -> None:
    answers = {"existing_customer": existing_customer, "bins_to_deliver": 1}
    assert "delivery" not in ids(garden.applicable(answers))
    assert "bins_to_deliver" not in garden.prune(answers)


@pytest.mark.parametrize("answers", [None, 5, "bins", ["bins"], True], ids=repr)
def test_answers_that_are_not_an_object_answer_nothing(garden: PageFlow, answers: Any) -> None:
    assert garden.prune(answers) == {}
    assert ids(garden.applicable(answers)) == ids(garden.applicable({}))
