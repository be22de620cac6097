"""The linter: what the meta-schema cannot see, each problem with a JSON Pointer to its spot.

Checks (form-definition.md, plus what a designer trips over): page ids unique; every field pointer
names a property; every top-level property on exactly one page; no always-required field on a
conditional page; `ui` keys that point somewhere and widgets that suit their field; options that
match the enum; reference masks that can be checked, on text fields; rules with known operators,
a bounded depth and variables that a field provides (a page's condition may read only the pages
before it; a fee line only the lines before it);
patterns that cannot backtrack catastrophically; test expectations that name real things.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Final

from counterfoil.forms.model import FormDefinition
from counterfoil.forms.pointers import (
    make_pointer,
    pointer_tokens,
    schema_at_pointer,
    schema_at_variable,
    schema_type,
)
from counterfoil.forms.widgets import WIDGET_TYPES, infer_widget
from counterfoil.rules import Problem, check_rule, mask_problems

MAX_PATTERN_LENGTH: Final = 500
_COUNTED_REPEAT: Final = re.compile(r"\{\d+,")
_BACKTRACKING_ONLY: Final = re.compile(r"\\[1-9]|\\k<|\(\?<?[=!]")


def lint(definition: FormDefinition) -> list[Problem]:
    """Every problem in a loaded definition (an empty list means it may be published)."""
    return [
        *_page_problems(definition),
        *_ui_problems(definition),
        *_rule_problems(definition),
        *_pattern_problems(definition.schema, "/schema"),
        *_test_problems(definition),
    ]


def _page_problems(definition: FormDefinition) -> Iterator[Problem]:
    schema = definition.schema
    seen_ids: set[str] = set()
    placed: dict[str, str] = {}
    required = set(schema.get("required", []))
    for i, page in enumerate(definition.pages):
        here = f"/pages/{i}"
        if page.id in seen_ids:
            yield Problem(f"{here}/id", f"page id {page.id!r} is used by an earlier page")
        seen_ids.add(page.id)
        for j, field in enumerate(page.fields):
            at = f"{here}/fields/{j}"
            tokens = pointer_tokens(field)
            if len(tokens) != 1 or tokens[0] not in schema.get("properties", {}):
                yield Problem(at, f"{field} is not a property of the schema's top level")
                continue
            if field in placed:
                yield Problem(at, f"{field} is already asked on page {placed[field]!r}")
                continue
            placed[field] = page.id
            if page.when is not None and tokens[0] in required:
                yield Problem(
                    at,
                    f"{field} is always required but its page is conditional: a resident who "
                    "skips the page could never answer it (require it with if/then instead)",
                )
    for name in schema.get("properties", {}):
        if make_pointer([name]) not in placed:
            yield Problem(f"/schema/properties/{name}", f"/{name} is not on any page")


def _ui_problems(definition: FormDefinition) -> Iterator[Problem]:
    for key, ui in definition.ui.items():
        here = make_pointer(["ui", key])
        node = schema_at_pointer(definition.schema, key)
        if node is None:
            yield Problem(here, f"{key} names no field of the schema")
            continue
        widget = infer_widget(node, ui.widget)
        if schema_type(node) not in WIDGET_TYPES[widget]:
            yield Problem(f"{here}/widget", f"a {widget} cannot hold a {schema_type(node)} value")
        if ui.reference is not None:
            at = f"{here}/reference"
            if schema_type(node) != "string":
                yield Problem(at, f"a reference is typed text, but {key} is not a string")
            for message in mask_problems(ui.reference.mask, ui.reference.check):
                yield Problem(at, message)
        choices = _choices(node)
        if ui.options is not None:
            if choices is None:
                yield Problem(f"{here}/options", f"{key} has no enum for these options to label")
            else:
                for value in ui.options:
                    if value not in choices:
                        yield Problem(
                            make_pointer(["ui", key, "options", value]),
                            f"{value!r} is not one of the values {key} allows",
                        )


def _choices(node: dict[str, Any]) -> list[str] | None:
    enum = node.get("enum")
    if enum is None and isinstance(node.get("items"), dict):
        enum = node["items"].get("enum")
    return None if enum is None else [str(v) for v in enum]


def _rule_problems(definition: FormDefinition) -> Iterator[Problem]:
    schema = definition.schema

    def field_check(allowed: set[str]) -> Any:
        return lambda path: (
            path.split(".")[0] in allowed and (schema_at_variable(schema, path) is not None)
        )

    earlier: set[str] = set()
    for i, page in enumerate(definition.pages):
        if page.when is not None:
            yield from check_rule(
                page.when, pointer=f"/pages/{i}/when", variables=field_check(set(earlier))
            )
        earlier.update(pointer_tokens(f)[0] for f in page.fields if pointer_tokens(f))
    every_field = set(schema.get("properties", {}))
    if definition.fees is not None:
        if "lines" in every_field:
            yield Problem("/schema/properties/lines", "a paid form cannot name a field 'lines'")
        lines: set[str] = set()
        fields_known = field_check(every_field)
        for i, line in enumerate(definition.fees.lines):
            here = f"/fees/lines/{i}"
            if line.id in lines:
                yield Problem(f"{here}/id", f"fee line id {line.id!r} is used twice")

            def known(path: str, before: frozenset[str] = frozenset(lines)) -> bool:
                head, _, rest = path.partition(".")
                return rest in before if head == "lines" else fields_known(path)

            yield from check_rule(line.amount, pointer=f"{here}/amount", variables=known)
            lines.add(line.id)
    if definition.fulfilment.route is not None:
        yield from check_rule(
            definition.fulfilment.route,
            pointer="/fulfilment/route",
            variables=field_check(every_field),
        )


def _pattern_problems(node: Any, here: str) -> Iterator[Problem]:
    if isinstance(node, dict):
        pattern = node.get("pattern")
        if isinstance(pattern, str):
            yield from _unsafe_pattern(pattern, f"{here}/pattern")
        for key, value in node.items():
            if key not in ("enum", "const", "default", "examples", "pattern"):
                yield from _pattern_problems(value, make_pointer([*pointer_tokens(here), key]))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _pattern_problems(value, f"{here}/{i}")


def _unsafe_pattern(pattern: str, here: str) -> Iterator[Problem]:
    # Answers are checked by jsonschema-rs's linear-time engine, but the same pattern may meet a
    # backtracking one (a browser, a department's validator): refuse what can explode there.
    if len(pattern) > MAX_PATTERN_LENGTH:
        yield Problem(here, f"pattern is longer than {MAX_PATTERN_LENGTH} characters")
    elif _repeats_a_repeat(pattern):
        yield Problem(here, "pattern repeats a repeated group, which can take forever to check")
    elif _BACKTRACKING_ONLY.search(pattern):
        yield Problem(here, "pattern uses a back-reference or look-around; write it without")
    else:
        try:
            re.compile(pattern)
        except re.error as exc:
            yield Problem(here, f"pattern is not a valid regular expression: {exc}")


def _repeats_a_repeat(pattern: str) -> bool:
    """Whether a group holding a quantifier, at any depth, is itself repeated: (a+)+, (\\w*)*,
    (a|b+){2,}, (\\d+(\\.\\d+)?)+."""
    holds: list[bool] = []  # for each open group: whether a quantifier sits anywhere inside it
    closed = False  # whether the token just read closed a group that holds a quantifier
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if closed and (char in "+*" or _COUNTED_REPEAT.match(pattern, i)):
            return True
        closed = False
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _class_end(pattern, i)
            continue
        if char in "+*}" and holds:
            holds[-1] = True
        elif char == "(":
            holds.append(False)
        elif char == ")" and holds:
            closed = holds.pop()
            if closed and holds:
                holds[-1] = True
        i += 1
    return False


def _class_end(pattern: str, start: int) -> int:
    """The index just past the character class opening at `start` ("]" first is a literal)."""
    i = start + 1
    if pattern.startswith("^", i):
        i += 1
    if pattern.startswith("]", i):
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i + 1


def _test_problems(definition: FormDefinition) -> Iterator[Problem]:
    line_ids = {line.id for line in definition.fees.lines} if definition.fees else set()
    names: set[str] = set()
    for i, case in enumerate(definition.tests):
        here = f"/tests/{i}"
        if case.name in names:
            yield Problem(f"{here}/name", f"test name {case.name!r} is used twice")
        names.add(case.name)
        for line_id in case.expect.lines or {}:
            if line_id not in line_ids:
                yield Problem(
                    make_pointer(["tests", str(i), "expect", "lines", line_id]),
                    f"there is no fee line {line_id!r}",
                )
        for j, pointer in enumerate(case.expect.errors or []):
            if schema_at_pointer(definition.schema, pointer) is None:
                yield Problem(f"{here}/expect/errors/{j}", f"{pointer} names no field")
