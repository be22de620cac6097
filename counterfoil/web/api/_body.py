"""Decoding a JSON request body into a Struct, with errors that point at the field: msgspec names
the place in its message ("- at `$.a[0]`", "missing required field `b`"); this makes a JSON Pointer
of it."""

from __future__ import annotations

import re
from typing import TypeVar

import msgspec

from counterfoil.platform.errors import InvalidRequest

T = TypeVar("T")
_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$")
_STEP = re.compile(r"\.(?P<name>[^.\[]+)|\[(?P<index>\d+)\]|(?P<unknown>\[\.\.\.\])")
_FIELD = re.compile(r"(?:missing required|unknown) field `(?P<field>[^`]+)`")


def decode_json(body: bytes, into: type[T]) -> T:
    try:
        return msgspec.json.decode(body, type=into)
    except msgspec.ValidationError as exc:
        message, pointer = _split(str(exc))
        raise InvalidRequest("The request body has the wrong shape", [(pointer, message)]) from exc
    except msgspec.DecodeError as exc:
        raise InvalidRequest(f"The request body is not valid JSON: {exc}") from exc


def _split(text: str) -> tuple[str, str]:
    found = _AT.match(text)
    assert found is not None  # the pattern matches any string
    parts: list[str] = []
    for step in _STEP.finditer(found["path"] or ""):
        if step["unknown"]:  # msgspec leaves a dict's keys out ("[...]"): point at the dict
            return found["message"], "".join(parts)
        parts.append("/" + (step["name"] or step["index"]))
    field = _FIELD.search(found["message"])
    if field:
        parts.append("/" + field["field"])
    return found["message"], "".join(parts)
