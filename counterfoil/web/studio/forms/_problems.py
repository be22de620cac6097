"""Where each lint problem belongs in the studio: its JSON Pointer mapped to the page, question,
fee line or settings it is about, so it is shown beside that thing rather than in one list."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from counterfoil.forms.pointers import pointer_tokens
from counterfoil.rules import Problem

SETTINGS_KEYS = frozenset(
    {"slug", "title", "description", "payment", "confirmation", "retention_days", "fulfilment"}
)


@dataclass
class Places:
    """Problem messages by place: "settings", "form", "page:<id>", "question:<path>" (a dotted
    path, "items.kind" for a repeater's item question) and "fee:<id>"."""

    messages: dict[str, list[str]] = field(default_factory=dict)

    def at(self, place: str) -> list[str]:
        return self.messages.get(place, [])

    def count(self) -> int:
        return sum(len(m) for m in self.messages.values())


def _item(seq: Any, index: str) -> Any:
    if isinstance(seq, list) and index.isdigit() and int(index) < len(seq):
        return seq[int(index)]
    return None


def place_of(definition: dict[str, Any], pointer: str) -> str:
    tokens = pointer_tokens(pointer)
    head = tokens[0] if tokens else ""
    if head == "pages" and len(tokens) > 1:
        page = _item(definition.get("pages"), tokens[1])
        if isinstance(page, dict):
            if len(tokens) > 3 and tokens[2] == "fields":
                field_pointer = _item(page.get("fields"), tokens[3])
                if isinstance(field_pointer, str):
                    return "question:" + ".".join(pointer_tokens(field_pointer))
            return f"page:{page.get('id')}"
    if head == "schema" and len(tokens) > 2 and tokens[1] == "properties":
        path = [tokens[2]]
        if tokens[3:5] == ["items", "properties"] and len(tokens) > 5:
            path.append(tokens[5])
        return "question:" + ".".join(path)
    if head == "ui" and len(tokens) > 1:
        return "question:" + ".".join(pointer_tokens(tokens[1]))
    if head == "fees" and len(tokens) > 2 and tokens[1] == "lines":
        line = _item(definition.get("fees", {}).get("lines"), tokens[2])
        if isinstance(line, dict):
            return f"fee:{line.get('id')}"
    if head in SETTINGS_KEYS:
        return "settings"
    return "form"


def places_of(definition: dict[str, Any], problems: list[Problem]) -> Places:
    places = Places()
    for problem in problems:
        places.messages.setdefault(place_of(definition, problem.pointer), []).append(
            problem.message
        )
    return places
