"""Which widget shows a field: the one `ui` names, or one inferred from the field's schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from counterfoil.forms.pointers import schema_type

WIDGETS: Final = frozenset(
    {
        "text", "textarea", "number", "email", "phone", "date", "radios", "checkboxes",
        "select", "yesno", "address", "money", "repeater", "content",
    }
)  # fmt: skip
# Up to this many choices show as radios; more as a select.
MAX_RADIOS: Final = 8

# The schema types each widget can hold; a widget on any other type is a lint error.
WIDGET_TYPES: Final[dict[str, frozenset[str | None]]] = {
    "text": frozenset({"string"}),
    "textarea": frozenset({"string"}),
    "number": frozenset({"integer", "number"}),
    "money": frozenset({"integer"}),
    "email": frozenset({"string"}),
    "phone": frozenset({"string"}),
    "date": frozenset({"string"}),
    "radios": frozenset({"string", "integer", "boolean"}),
    "select": frozenset({"string", "integer"}),
    "yesno": frozenset({"boolean"}),
    "checkboxes": frozenset({"array"}),
    "repeater": frozenset({"array"}),
    "address": frozenset({"object"}),
    "content": frozenset({None, "string", "null"}),
}


def choice_values(node: Mapping[str, Any]) -> list[Any] | None:
    """The values a choice field offers: its `enum`, or the `const`s of a `oneOf`/`anyOf` of
    labelled consts; None when the field is not a choice."""
    if isinstance(node.get("enum"), list):
        return list(node["enum"])
    for keyword in ("oneOf", "anyOf"):
        options = node.get(keyword)
        if (
            isinstance(options, list)
            and options
            and all(isinstance(o, Mapping) and "const" in o for o in options)
        ):
            return [o["const"] for o in options]
    return None


def infer_widget(node: dict[str, Any], named: str | None = None) -> str:
    if named:
        return named
    kind = schema_type(node)
    choices = choice_values(node)
    if choices is not None:
        return "radios" if len(choices) <= MAX_RADIOS else "select"
    if kind == "boolean":
        return "yesno"
    if kind in ("integer", "number"):
        return "number"
    if kind == "array":
        items = node.get("items")
        if isinstance(items, dict) and choice_values(items) is not None:
            return "checkboxes"
        return "repeater"
    if kind == "object":
        return "address"
    if node.get("format") == "date":
        return "date"
    if node.get("format") == "email":
        return "email"
    return "text"
