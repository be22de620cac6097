"""Which widget shows a field: the one `ui` names, or one inferred from the field's schema."""

from __future__ import annotations

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


def infer_widget(node: dict[str, Any], named: str | None = None) -> str:
    if named:
        return named
    kind = schema_type(node)
    if "enum" in node:
        return "radios" if len(node["enum"]) <= MAX_RADIOS else "select"
    if kind == "boolean":
        return "yesno"
    if kind in ("integer", "number"):
        return "number"
    if kind == "array":
        items = node.get("items")
        if isinstance(items, dict) and "enum" in items:
            return "checkboxes"
        return "repeater"
    if kind == "object":
        return "address"
    if node.get("format") == "date":
        return "date"
    if node.get("format") == "email":
        return "email"
    return "text"
