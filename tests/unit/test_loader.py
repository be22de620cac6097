"""Loading a definition: malformed JSON, every meta-schema problem at once, the answers schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from counterfoil.forms import DefinitionInvalid, FormDefinition, load_definition

DEMO = Path(__file__).parents[2] / "counterfoil/forms/demo"


def minimal() -> dict[str, Any]:
    return {
        "slug": "minimal",
        "title": "Minimal",
        "schema": {"type": "object", "properties": {"name": {"type": "string"}}},
        "pages": [{"id": "name", "title": "Name", "fields": ["/name"]}],
        "fulfilment": {"department": "waste-services"},
    }


def problems(source: Any) -> list[tuple[str, str]]:
    with pytest.raises(DefinitionInvalid) as caught:
        load_definition(source)
    return [(p.pointer, p.message) for p in caught.value.problems]


def pointers(source: Any) -> list[str]:
    return [pointer for pointer, _ in problems(source)]


def test_a_minimal_definition_loads() -> None:
    definition = load_definition(minimal())
    assert isinstance(definition, FormDefinition)
    assert definition.pages[0].fields == ["/name"]


@pytest.mark.parametrize("name", ["bulky-waste", "garden-waste", "missed-bin"])
def test_a_demo_definition_loads_from_bytes_and_text(name: str) -> None:
    raw = (DEMO / f"{name}.json").read_bytes()
    assert load_definition(raw) == load_definition(raw.decode("utf-8"))


@pytest.mark.parametrize("source", [b'{"slug": ', "not json", b"", '{"a": 1,}', b"\xff\xfe"])
def test_malformed_json_is_one_problem(source: bytes | str) -> None:
    found = problems(source)
    assert len(found) == 1
    assert found[0][0] == ""
    assert "not valid JSON" in found[0][1]


def test_every_meta_schema_problem_is_reported_at_once_with_its_pointer() -> None:
    document = minimal()
    document["slug"] = "Not A Slug"
    document["title"] = ""
    document["pages"][0]["id"] = "9bad"
    document["fulfilment"] = {}
    document["retention_days"] = 0
    assert pointers(document) == [
        "/fulfilment",
        "/pages/0/id",
        "/retention_days",
        "/slug",
        "/title",
    ]


@pytest.mark.parametrize("key", ["extra", "Slug", "page"])
def test_an_unknown_top_level_key_is_refused(key: str) -> None:
    document = minimal()
    document[key] = 1
    found = problems(document)
    assert [pointer for pointer, _ in found] == [""]
    assert repr(key) in found[0][1]


@pytest.mark.parametrize(
    ("mutate", "pointer"),
    [
        (lambda d: d["pages"][0].update(colour="red"), "/pages/0"),
        (lambda d: d.update(fees={"lines": [{"id": "x"}]}), "/fees/lines/0"),
        (lambda d: d.update(fulfilment={"department": "a", "route": "b"}), "/fulfilment"),
        (lambda d: d["pages"][0].update(fields=["name"]), "/pages/0/fields/0"),
    ],
    ids=["unknown-page-key", "incomplete-fee-line", "department-and-route", "field-not-a-pointer"],
)
def test_a_meta_schema_problem_is_reported_where_it_is(mutate: Any, pointer: str) -> None:
    document = minimal()
    mutate(document)
    assert pointer in pointers(document)


@pytest.mark.parametrize(
    ("schema_part", "pointer"),
    [
        ({"type": "strin"}, "/schema/properties/name/type"),
        ({"type": "string", "minLength": -1}, "/schema/properties/name/minLength"),
        ({"type": "string", "enum": "abc"}, "/schema/properties/name/enum"),
    ],
    ids=["unknown-type", "negative-min-length", "enum-not-a-list"],
)
def test_an_invalid_answers_schema_is_reported_under_schema(
    schema_part: dict[str, Any], pointer: str
) -> None:
    document = minimal()
    document["schema"]["properties"]["name"] = schema_part
    assert pointers(document) == [pointer]


def test_answers_schema_and_meta_schema_problems_come_together() -> None:
    document = minimal()
    document["slug"] = "X"
    document["schema"]["properties"]["name"] = {"type": "strin"}
    assert pointers(document) == ["/schema/properties/name/type", "/slug"]


def test_an_answers_schema_that_is_not_an_object_schema_is_refused() -> None:
    document = minimal()
    document["schema"]["type"] = "array"
    assert pointers(document) == ["/schema/type"]
