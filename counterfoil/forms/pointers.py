"""Finding the part of an answers schema that a JSON Pointer or a dotted rule variable names.

Pointers into the answers may leave array indices out ("/items/kind" is `kind` in every item),
which is how `ui` keys name the fields inside a repeater.
"""

from __future__ import annotations

from typing import Any


def pointer_tokens(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.lstrip("/").split("/")]


def make_pointer(tokens: list[str | int]) -> str:
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)


def resolve_ref(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow local `$ref`s ("#/$defs/address") to the schema they name."""
    seen = 0
    while isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/") and seen < 32:
        target: Any = root
        for token in pointer_tokens(node["$ref"][1:]):
            target = target.get(token, {}) if isinstance(target, dict) else {}
        node = target if isinstance(target, dict) else {}
        seen += 1
    return node


def _is_index(token: str) -> bool:
    return token == "*" or token.isdigit()


def subschema(root: dict[str, Any], tokens: list[str]) -> dict[str, Any] | None:
    """The schema of the value at `tokens`, or None when the schema has no such property.

    Array indices (digits or `*`) may be given or left out. A schema that says nothing about its
    properties (no `properties`, `additionalProperties` not false) accepts any name below it.
    """
    node = resolve_ref(root, root)
    for token in tokens:
        if schema_type(node) == "array" and isinstance(node.get("items"), dict):
            items = resolve_ref(root, node["items"])
            if _is_index(token):
                node = items
                continue
            node = items
        if _is_index(token) or schema_type(node) not in (None, "object"):
            return None
        properties = node.get("properties")
        if isinstance(properties, dict) and token in properties:
            node = resolve_ref(root, properties[token])
        elif properties is None and node.get("additionalProperties", True) is not False:
            node = {}
        else:
            return None
    return node


def schema_at_pointer(root: dict[str, Any], pointer: str) -> dict[str, Any] | None:
    return subschema(root, pointer_tokens(pointer))


def schema_at_variable(root: dict[str, Any], path: str) -> dict[str, Any] | None:
    """The schema a JSON Logic variable path ("address.postcode", "items.0.quantity") reads."""
    return subschema(root, path.split(".") if path else [])


def schema_type(node: dict[str, Any]) -> str | None:
    """The schema's type, the first non-null one of a union."""
    kind = node.get("type")
    if isinstance(kind, list):
        return next((k for k in kind if k != "null"), None)
    return kind if isinstance(kind, str) else None
