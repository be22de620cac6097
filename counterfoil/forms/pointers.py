"""Finding the part of an answers schema that a JSON Pointer or a dotted rule variable names.

Pointers into the answers may leave array indices out ("/items/kind" is `kind` in every item),
which is how `ui` keys name the fields inside a repeater.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

# How many `$ref`s in a row are followed before a (circular) chain is given up on.
_MAX_REFS: Final = 32


def escape_token(token: str) -> str:
    """One reference token as it is written inside a JSON Pointer (RFC 6901: "~" and "/")."""
    return token.replace("~", "~0").replace("/", "~1")


def pointer_tokens(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.removeprefix("/").split("/")]


def make_pointer(tokens: Sequence[str | int]) -> str:
    return "".join("/" + escape_token(str(t)) for t in tokens)


def ui_key(path: Sequence[str | int]) -> str:
    """The `ui` key of a place in the answers: its JSON Pointer with the array indices left out."""
    return make_pointer([t for t in path if isinstance(t, str)])


def resolve_ref(root: Mapping[str, Any], node: Any) -> dict[str, Any]:
    """The schema `node` stands for, its local `$ref`s ("#/$defs/address") followed.

    Keywords beside a `$ref` are kept over the target's (draft 2020-12 applies both). A `$ref`
    that names nothing reads as the keywords beside it; anything not an object schema reads as {}.
    """
    if not isinstance(node, dict):
        return {}
    schema: dict[str, Any] = node
    hops = 0
    while isinstance(ref := schema.get("$ref"), str) and ref.startswith("#") and hops < _MAX_REFS:
        beside = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**_schema_in_document(root, ref[1:]), **beside}
        hops += 1
    return schema


def _schema_in_document(root: Mapping[str, Any], pointer: str) -> dict[str, Any]:
    target: Any = root
    for token in pointer_tokens(pointer):
        if isinstance(target, Mapping) and token in target:
            target = target[token]
        elif isinstance(target, list) and token.isdigit() and int(token) < len(target):
            target = target[int(token)]
        else:
            return {}
    return target if isinstance(target, dict) else {}


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


def schema_type(node: Mapping[str, Any]) -> str | None:
    """The schema's type, the first non-null one of a union."""
    kind = node.get("type")
    if isinstance(kind, list):
        return next((k for k in kind if isinstance(k, str) and k != "null"), None)
    return kind if isinstance(kind, str) else None
