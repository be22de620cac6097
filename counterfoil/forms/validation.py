"""Validate a resident's answers against a form definition and word every problem for residents.

jsonschema-rs finds the errors; this module moves each one onto the field it is about, keeps the
most useful message per field, orders them as the pages ask the questions, and words them in the
GOV.UK style ("Enter postcode", "Number of items must be 10 or fewer") unless `ui[pointer].errors`
overrides a keyword. Beyond JSON Schema it checks the `ui` reference masks (keyword `reference`) and
refuses any answer that looks like a card number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

import jsonschema_rs
import msgspec

from counterfoil.forms.model import FormDefinition, UiField
from counterfoil.forms.pointers import (
    escape_token,
    make_pointer,
    pointer_tokens,
    resolve_ref,
    ui_key,
)
from counterfoil.forms.widgets import infer_widget
from counterfoil.rules import ReferenceMask, ReferenceMaskInvalid, looks_like_card_number

__all__ = ["CARD_MESSAGE", "MESSAGES", "AnswerValidator", "FieldError"]


class FieldError(msgspec.Struct, frozen=True):
    """One problem with one field: `pointer` is a JSON Pointer into the answers."""

    pointer: str
    message: str


# Default wording, looked up as "<keyword>.<field kind>" then "<keyword>", then "generic".
# Placeholders: {Label} (label starting a sentence), {label} (label mid-sentence), {enter} (what
# to enter: "your postcode" for "What is your postcode?"), {noun} (label without "your"/"the"),
# {yes_if} (a yes/no question turned into "yes if you …"), {limit}, {item} (a repeater's item
# noun), {things} (the item noun, plural when {limit} is not 1).
MESSAGES: Final[Mapping[str, str]] = {
    "required": "Enter {enter}",
    "required.choice": "Select {label}",
    "required.checkboxes": "Select {label}",
    "required.yesno": "Select {yes_if}",
    "required.repeater": "Add at least 1 {item}",
    "type": "Check your answer for {label}",
    "type.text": "Enter {enter}",
    "type.integer": "{Label} must be a whole number",
    "type.number": "{Label} must be a number",
    "type.money": "{Label} must be an amount of money, like £5.00",
    "type.choice": "Select {label}",
    "type.checkboxes": "Select {label}",
    "type.yesno": "Select {yes_if}",
    "enum": "Select {label}",
    "enum.yesno": "Select {yes_if}",
    "oneOf.choice": "Select {label}",
    "anyOf.choice": "Select {label}",
    "minLength": "{Label} must be {limit} characters or more",
    "maxLength": "{Label} must be {limit} characters or less",
    "pattern": "Enter a real {noun}",
    "format": "Enter {enter} in the correct format",
    "format.email": "Enter an email address in the correct format, like name@example.com",
    "format.date": "{Label} must be a real date",
    "format.time": "{Label} must be a real time",
    "format.date-time": "{Label} must be a real date and time",
    "maximum": "{Label} must be {limit} or less",
    "maximum.integer": "{Label} must be {limit} or fewer",
    "minimum": "{Label} must be {limit} or more",
    "exclusiveMaximum": "{Label} must be less than {limit}",
    "exclusiveMinimum": "{Label} must be more than {limit}",
    "multipleOf": "{Label} must be a multiple of {limit}",
    "minItems": "Select at least {limit} options for {label}",
    "minItems.repeater": "Add at least {limit} {things}",
    "maxItems": "Select no more than {limit} options for {label}",
    "maxItems.repeater": "You can add up to {limit} {things}",
    "uniqueItems": "Remove answers to {label} that are the same as another",
    "reference": "Enter {enter} in the correct format",
    "reference.check": "Check {enter}: it is not right",
    "generic": "Check your answer for {label}",
}

# Any answer that looks like a card number; not overridable, so no form can soften it.
CARD_MESSAGE: Final = "Do not enter card details here. You will pay on the next page"

# Shown when the answers as a whole are not what the form expects (not an object, unknown keys).
FORM_MESSAGE: Final = "There is a problem with your answers. Go back and check them"

# Which message wins when one field has several problems (lower first); unlisted keywords come last.
_PRIORITY: Final[Mapping[str, int]] = {
    "card": -1,  # a card number is refused whatever else is wrong with it
    "required": 0,
    "type": 1,
    "enum": 2,
    "const": 2,
    "oneOf": 3,
    "anyOf": 3,
    "minItems": 4,
    "maxItems": 4,
    "minLength": 5,
    "maxLength": 5,
    "format": 6,
    "reference": 6,
    "reference.check": 6,
    "pattern": 7,
    "minimum": 8,
    "maximum": 8,
    "exclusiveMinimum": 8,
    "exclusiveMaximum": 8,
    "multipleOf": 9,
}
_LAST: Final = 99
# An empty answer failing one of these was not given at all: say "Enter …", not "Enter a real …".
_EMPTY_MEANS_REQUIRED: Final = frozenset({"type", "pattern", "format", "minLength", "enum"})
_UNKNOWN_POSITION: Final = 1 << 30
_MAX_DEPTH: Final = 12  # how deep the schema walk follows properties and items

_CHOICE_WIDGETS: Final = frozenset({"radios", "select"})
_TEXT_KINDS: Final = frozenset({"text", "textarea", "email", "phone", "date", "address"})
_YES_NO_QUESTION: Final = re.compile(
    r"^(do|does|are|is|have|has|did|will|can|were|was|would|should)\s+(you|they|we|it)\s+(.*)$",
    re.IGNORECASE,
)
_ADD_ANOTHER: Final = re.compile(r"^add another\s+(.+)$", re.IGNORECASE)
_SAFE_FORMATS: Final = frozenset({"date", "time", "date-time", "email", "idn-email"})
_SMALLEST_CARD: Final = 10**11  # 12 digits: a number below this cannot be a card number


class _Field(msgspec.Struct, frozen=True):
    """What the messages need to know about one field (one ui key), worked out once."""

    kind: str
    integer: bool
    words: Mapping[str, str]
    overrides: Mapping[str, str]
    item_noun: str  # a repeater's singular item noun, lower case ("item", "room")


class AnswerValidator:
    """Validate answers against one form definition; build once, reuse for every request."""

    def __init__(self, definition: FormDefinition) -> None:
        self._definition = definition
        self._root: dict[str, Any] = definition.schema
        self._fields: dict[str, _Field] = {}
        self._positions: dict[str, int] = {}
        for position, pointer in enumerate(f for page in definition.pages for f in page.fields):
            self._positions.setdefault(pointer, position)
        self._walk(self._root, "", 0)
        self._references: list[tuple[list[str], ReferenceMask]] = []
        for key, ui in definition.ui.items():
            if ui.reference is not None:
                try:
                    mask = ReferenceMask(ui.reference.mask, ui.reference.check)
                except ReferenceMaskInvalid:
                    continue  # the linter refuses it before a publish; a draft still validates
                self._references.append((pointer_tokens(key), mask))
        # A phone number with its country code can be 12 digits and pass Luhn by chance (1 in 10):
        # questions that ask for a phone number are not checked for card numbers.
        self._phones = frozenset(
            name
            for name in self._root.get("properties") or {}
            if _asks_for_phone(definition.ui_for(make_pointer([name])))
        )
        card_fields = _card_fields(self._root)
        if card_fields is not None:
            card_fields = tuple(n for n in card_fields if n not in self._phones)
        # Validation runs thousands of times a second, so a Python pass over every answer would
        # cost more than the validation itself. Top-level text fields get a guard in the compiled
        # schema instead, refusing anything card-shaped (12-19 digits with spaces or hyphens):
        # answers it passes need no Python at all. Its own errors are dropped: on that slow path
        # the exact check (Luhn) walks every answer in Python.
        guarded = tuple(n for n in card_fields or () if _is_text(self._root, n))
        self._validator = jsonschema_rs.validator_for(
            _with_card_guard(self._root, guarded), validate_formats=True
        )
        # What valid answers still need from Python; None: every answer (unnamed keys allowed).
        self._card_fields = (
            None if card_fields is None else tuple(n for n in card_fields if n not in guarded)
        )
        self._nothing_more = self._card_fields == () and not self._references

    def is_valid(self, answers: dict[str, Any]) -> bool:
        return not self.errors(answers)

    def errors(self, answers: dict[str, Any]) -> list[FieldError]:
        """Every problem at once, one per field, in the order the pages ask the questions."""
        if self._schema_valid(answers):
            if self._nothing_more:
                return []
            own = self._own_problems(answers, schema_valid=True)
            if not own:
                return []
            found: list[Any] = []
        else:
            try:
                found = [e for e in self._validator.iter_errors(answers) if not _is_card_guard(e)]
            except (ValueError, TypeError, OverflowError):
                return [FieldError(pointer="", message=FORM_MESSAGE)]
            own = self._own_problems(answers, schema_valid=False)
        best: dict[str, tuple[int, Any, list[str | int], str]] = {}
        located = [(*self._locate(error), error) for error in found]
        for path, keyword, error in [*located, *((path, kw, None) for path, kw in own)]:
            pointer = make_pointer(path)
            rank = _PRIORITY.get(keyword, _LAST)
            held = best.get(pointer)
            if held is None or rank < held[0]:
                best[pointer] = (rank, error, path, keyword)
        ordered = sorted(best.items(), key=lambda item: self._sort_key(item[1][2], item[0]))
        return [
            FieldError(pointer=pointer, message=self._message(path, keyword, error))
            for pointer, (_, error, path, keyword) in ordered
        ]

    def _schema_valid(self, answers: dict[str, Any]) -> bool:
        try:
            return bool(self._validator.is_valid(answers))
        except (ValueError, TypeError, OverflowError):
            return False

    def _own_problems(
        self, answers: Any, *, schema_valid: bool
    ) -> list[tuple[list[str | int], str]]:
        """Card numbers anywhere, and reference masks: (path, "card" | "reference" | ...)."""
        found: list[tuple[list[str | int], str]] = []
        if type(answers) is not dict and not isinstance(answers, Mapping):
            return found  # the schema's error already says the answers are unusable
        fields = self._card_fields if schema_valid else None
        if fields is None:
            _find_cards(answers, [], found)
            found = [
                (path, kind) for path, kind in found if not path or path[0] not in self._phones
            ]
        else:
            # Valid answers: only the unguarded fields whose schema lets a card number through.
            for name in fields:
                value: Any = answers.get(name)
                kind = type(value)
                if kind is str:
                    if len(value) >= 12 and looks_like_card_number(value):
                        found.append(([name], "card"))
                elif kind is int:
                    if value >= _SMALLEST_CARD and looks_like_card_number(value):
                        found.append(([name], "card"))
                elif kind is dict or kind is list:
                    _find_cards(value, [name], found)
        for tokens, mask in self._references:
            for path, text in _values_at(answers, tokens, []):
                result = mask.check(text)
                if not result.ok:
                    found.append(
                        (path, "reference.check" if result.problem == "check" else "reference")
                    )
        return found

    # -- building the field table

    def _walk(self, schema: Any, key: str, depth: int) -> None:
        """Record a _Field and a position for every property reachable in the schema."""
        if depth > _MAX_DEPTH:
            return
        for name, child in _properties(schema, self._root).items():
            child_key = f"{key}/{escape_token(name)}"
            if child_key in self._fields:
                continue
            self._positions.setdefault(child_key, len(self._positions))
            resolved = resolve_ref(self._root, child)
            self._fields[child_key] = self._field(child_key, name, resolved)
            self._walk(_item_schema(resolved, self._root) or resolved, child_key, depth + 1)

    def _field(self, key: str, name: str, schema: dict[str, Any]) -> _Field:
        ui = self._definition.ui.get(key)
        label = (ui.label if ui else None) or _str(schema.get("title")) or _humanise(name)
        kind = infer_widget(schema, ui.widget if ui else None)
        item_noun = "item"
        if kind == "repeater":
            match = _ADD_ANOTHER.match((ui.add_label if ui else None) or "")
            if match:
                item_noun = match.group(1).strip().rstrip(".").lower()
            elif len(label.split()) <= 2 and not label.rstrip().endswith("?"):
                item_noun = _singular(label.strip()).lower()
        types = schema.get("type")
        return _Field(
            kind=kind,
            integer=types == "integer" or (isinstance(types, list) and "integer" in types),
            words=_words(label, item_noun),
            overrides=dict(ui.errors) if ui else {},
            item_noun=item_noun,
        )

    # -- per error

    def _message(self, path: list[str | int], keyword: str, error: Any) -> str:
        if not path:
            return FORM_MESSAGE
        if keyword == "card":
            prefix = self._item_prefix(path)
            return f"{prefix}: {CARD_MESSAGE}" if prefix else CARD_MESSAGE
        field = self._fields.get(ui_key(path))
        last = path[-1]
        if isinstance(last, int):
            # An error on a whole repeater item: name the item, and word it as the repeater's.
            parent = self._fields.get(ui_key(path[:-1]))
            noun = parent.item_noun if parent else "item"
            field = _Field(
                kind="item",
                integer=False,
                words=_words(f"{noun[:1].upper()}{noun[1:]} {last + 1}", noun),
                overrides={},
                item_noun=noun,
            )
        elif field is None:
            field = _Field(
                kind="text",
                integer=False,
                words=_words(_humanise(last), "item"),
                overrides={},
                item_noun="item",
            )
        text = self._wording(field, keyword, error)
        prefix = self._item_prefix(path)
        return f"{prefix}: {text}" if prefix else text

    def _wording(self, field: _Field, keyword: str, error: Any) -> str:
        if error is None:  # a reference mask's problem: one override keyword for both messages
            override = field.overrides.get("reference")
            return override or MESSAGES[keyword].format_map(field.words)
        kind = field.kind
        limit = _limit(error)
        if (
            (keyword == "minLength" and limit == 1)
            or (keyword in _EMPTY_MEANS_REQUIRED and _instance_is_empty(error))
            or (keyword == "minItems" and kind == "checkboxes" and limit == 1)
        ):
            # Nothing was answered: a designer's "required" wording fits, their "pattern" one not.
            candidates: tuple[str, ...] = ("required",)
            keyword = "required"
        else:
            candidates = (_schema_keyword(error), keyword)
        for candidate in candidates:
            if candidate and candidate in field.overrides:
                return field.overrides[candidate]
        if kind == "number":
            kind = "integer" if field.integer else _number_kind(error, kind)
        words = dict(field.words)
        words["limit"] = _format_limit(limit, money=kind == "money")
        if limit != 1:
            words["things"] = _plural(field.item_noun)
        group = str(getattr(error.kind, "format", "")) if keyword == "format" else _kind_group(kind)
        return _template(keyword, group).format_map(words)

    def _item_prefix(self, path: list[str | int]) -> str:
        """'Item 2' for an error inside a repeater's second item; nested items joined by ', '."""
        parts: list[str] = []
        for i, segment in enumerate(path[:-1]):
            if isinstance(segment, int):
                field = self._fields.get(ui_key(path[:i]))
                noun = field.item_noun if field else "item"
                parts.append(f"{noun} {segment + 1}")
        if not parts:
            return ""
        text = ", ".join(parts)
        return text[:1].upper() + text[1:]

    def _sort_key(self, path: list[str | int], pointer: str) -> tuple[tuple[int, ...], str]:
        """Page order for top-level fields, schema order inside objects, then item index."""
        key = ""
        order: list[int] = []
        for segment in path:
            if isinstance(segment, int):
                order.append(segment)
            else:
                key = f"{key}/{escape_token(segment)}"
                order.append(self._positions.get(key, _UNKNOWN_POSITION))
        return tuple(order), pointer

    def _locate(self, error: Any) -> tuple[list[str | int], str]:
        """The field an error is about, and the keyword to word it by.

        `required` (also from dependentRequired and if/then) lands on the missing property, not the
        parent; a wrong option inside a checkboxes answer lands on the checkboxes field.
        """
        kind = error.kind
        path: list[str | int] = list(error.instance_path)
        if isinstance(kind, jsonschema_rs.ValidationErrorKind.Required):
            return [*path, str(kind.property)], "required"
        if path and isinstance(path[-1], int):
            parent = self._fields.get(ui_key(path[:-1]))
            if parent is not None and parent.kind == "checkboxes":
                return path[:-1], str(kind.name)
        return path, str(kind.name)


# -- card numbers and references in the answers


def _find_cards(node: Any, path: list[str | int], found: list[tuple[list[str | int], str]]) -> None:
    """Every string or integer under `node` that looks like a card number."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            _find_cards(value, [*path, key], found)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _find_cards(value, [*path, i], found)
    elif looks_like_card_number(node):
        found.append((path, "card"))


def _values_at(
    node: Any, tokens: list[str], path: list[str | int]
) -> list[tuple[list[str | int], str]]:
    """The non-blank strings at a `ui` key (array indices left out), each with its path."""
    if isinstance(node, list):
        return [hit for i, item in enumerate(node) for hit in _values_at(item, tokens, [*path, i])]
    if not tokens:
        # Blank is "not answered": `required` says so, not the mask.
        return [(path, node)] if isinstance(node, str) and node.strip() else []
    if isinstance(node, Mapping) and tokens[0] in node:
        return _values_at(node[tokens[0]], tokens[1:], [*path, tokens[0]])
    return []


# The shape the guard refuses: it matches every value looks_like_card_number accepts, and more.
_CARD_SHAPE: Final = {"pattern": "^[ -]*(?:[0-9][ -]*){12,19}$"}


def _with_card_guard(schema: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """A copy of the schema whose named top-level properties refuse card-shaped text."""
    if not names:
        return schema
    properties = dict(schema["properties"])
    for name in names:
        child = properties[name]
        # `not` gives no annotations, so unevaluatedProperties and the like see no change.
        properties[name] = {**child, "allOf": [*child.get("allOf", []), {"not": _CARD_SHAPE}]}
    return {**schema, "properties": properties}


def _is_card_guard(error: Any) -> bool:
    kind = error.kind
    return str(kind.name) == "not" and getattr(kind, "schema", None) == _CARD_SHAPE


def _is_text(root: dict[str, Any], name: str) -> bool:
    """Whether every valid answer to top-level `name` is a string (so the guard sees it)."""
    child = root["properties"][name]
    if not isinstance(child, dict) or not isinstance(child.get("allOf", []), list):
        return False
    return resolve_ref(root, child).get("type") == "string"


def _asks_for_phone(ui: UiField) -> bool:
    return ui.widget == "phone" or (ui.autocomplete or "").startswith("tel")


def _card_fields(root: dict[str, Any]) -> tuple[str, ...] | None:
    """The top-level properties whose valid answers may hold a card number; None when any key
    may (the schema allows keys it does not name)."""
    if root.get("additionalProperties") is not False or "patternProperties" in root:
        return None
    properties = root.get("properties")
    if not isinstance(properties, Mapping):
        return None
    return tuple(name for name, child in properties.items() if _may_hold_card(root, child, 0))


def _may_hold_card(root: Mapping[str, Any], node: Any, depth: int) -> bool:
    """False only when every value the schema accepts provably cannot hold a card number.

    Keywords are conjunctive, so one that rules cards out is enough; anything not understood
    (no `type`, `prefixItems`, open objects, deep nesting) answers True and is checked.
    """
    if node is False:
        return False
    if not isinstance(node, dict) or depth > _MAX_DEPTH:
        return True
    schema = resolve_ref(root, node)
    for key in ("enum", "const"):
        if key in schema:
            values = (
                schema[key] if key == "enum" and isinstance(schema[key], list) else [schema[key]]
            )
            found: list[tuple[list[str | int], str]] = []
            _find_cards(values, [], found)
            return bool(found)
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if isinstance(branches, list) and not any(
            _may_hold_card(root, b, depth + 1) for b in branches
        ):
            return False
    branches = schema.get("allOf")
    if isinstance(branches, list) and not all(_may_hold_card(root, b, depth + 1) for b in branches):
        return False
    types = schema.get("type")
    if isinstance(types, str):
        types = [types]
    if not isinstance(types, list):
        return True
    return any(_type_may_hold_card(root, schema, t, depth) for t in types)


def _type_may_hold_card(
    root: Mapping[str, Any], schema: dict[str, Any], kind: Any, depth: int
) -> bool:
    if kind in ("boolean", "null"):
        return False
    if kind == "string":
        max_length = schema.get("maxLength")
        short = isinstance(max_length, int) and max_length < 12
        return not (short or schema.get("format") in _SAFE_FORMATS)
    if kind in ("integer", "number"):
        maximum: Any = schema.get("maximum")
        below: Any = schema.get("exclusiveMaximum")
        return not (
            (_is_number(maximum) and maximum < _SMALLEST_CARD)
            or (_is_number(below) and below <= _SMALLEST_CARD)
        )
    if kind == "array":
        items = schema.get("items")
        return "prefixItems" in schema or items is None or _may_hold_card(root, items, depth + 1)
    if kind == "object":
        properties = schema.get("properties", {})
        return (
            schema.get("additionalProperties") is not False
            or "patternProperties" in schema
            or not isinstance(properties, Mapping)
            or any(_may_hold_card(root, child, depth + 1) for child in properties.values())
        )
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# -- mapping jsonschema-rs errors to fields


def _schema_keyword(error: Any) -> str:
    schema_path = error.schema_path
    last = schema_path[-1] if schema_path else ""
    return last if isinstance(last, str) else ""


def _limit(error: Any) -> Any:
    kind = error.kind
    if hasattr(kind, "limit"):
        return kind.limit
    if hasattr(kind, "multiple_of"):
        return kind.multiple_of
    return None


def _instance_is_empty(error: Any) -> bool:
    instance = error.instance
    return instance is None or instance == "" or instance == [] or instance == {}


def _number_kind(error: Any, kind: str) -> str:
    types = getattr(error.kind, "types", None) or []
    if "integer" in types:
        return "integer"
    if "number" in types:
        return "number"
    return kind


def _template(keyword: str, kind: str) -> str:
    return MESSAGES.get(f"{keyword}.{kind}") or MESSAGES.get(keyword) or MESSAGES["generic"]


def _kind_group(kind: str) -> str:
    if kind in _CHOICE_WIDGETS:
        return "choice"
    if kind in _TEXT_KINDS:
        return "text"
    return kind


# -- reading the schema


def _properties(schema: Any, root: Mapping[str, Any]) -> dict[str, Any]:
    """An object schema's properties, with those named only in allOf/anyOf/oneOf/then/else."""
    node = resolve_ref(root, schema)
    found: dict[str, Any] = {}
    own = node.get("properties")
    if isinstance(own, Mapping):
        found.update(own)
    branches: list[Any] = []
    for combinator in ("allOf", "anyOf", "oneOf"):
        value = node.get(combinator)
        if isinstance(value, list):
            branches.extend(value)
    branches.extend(node.get(k) for k in ("then", "else"))
    dependent = node.get("dependentSchemas")
    if isinstance(dependent, Mapping):
        branches.extend(dependent.values())
    for branch in branches:
        props = resolve_ref(root, branch).get("properties")
        if isinstance(props, Mapping):
            for name, child in props.items():
                found.setdefault(name, child)
    return found


def _item_schema(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any] | None:
    items = schema.get("items")
    return resolve_ref(root, items) if isinstance(items, Mapping) else None


# -- words


def _words(label: str, item_noun: str) -> dict[str, str]:
    clean = label.strip().rstrip("?:.").strip() or "this question"
    mid = _lower_first(clean)
    enter = re.sub(
        r"^(what is|what's|what are)\s+(?=(your|the|their)\s)", "", mid, flags=re.IGNORECASE
    )
    noun = re.sub(r"^(your|the)\s+", "", enter, flags=re.IGNORECASE)
    match = _YES_NO_QUESTION.match(clean)
    if match:
        verb, subject, rest = match.groups()
        verb = verb.lower()
        yes_if = (
            f"yes if {subject.lower()} {rest}"
            if verb == "do"
            else (f"yes if {subject.lower()} {verb} {rest}")
        )
    else:
        yes_if = f"yes or no for {mid}"
    return {
        "Label": clean[:1].upper() + clean[1:],
        "label": mid,
        "enter": enter,
        "noun": noun,
        "yes_if": yes_if,
        "item": item_noun,
        "things": item_noun,
        "limit": "",
    }


def _lower_first(text: str) -> str:
    """Lower-case a leading capitalised word ("Postcode"), but not an acronym ("NHS number")."""
    first = text.split(" ", 1)[0]
    if first == "I" or (len(first) > 1 and not first[1:].islower()):
        return text
    return text[:1].lower() + text[1:]


def _humanise(name: str) -> str:
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").replace("-", " ")
    text = " ".join(words.split()).lower()
    return text[:1].upper() + text[1:] if text else "This question"


def _singular(noun: str) -> str:
    lower = noun.lower()
    if lower.endswith("ies") and len(noun) > 3:
        return noun[:-3] + "y"
    if lower.endswith("s") and not lower.endswith("ss") and len(noun) > 1:
        return noun[:-1]
    return noun


def _plural(noun: str) -> str:
    if noun.endswith("y") and noun[-2:-1] not in tuple("aeiou"):
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def _format_limit(limit: Any, *, money: bool) -> str:
    if limit is None or isinstance(limit, bool):
        return ""
    if not isinstance(limit, int | float | Decimal):
        return str(limit)
    if money:
        pence = Decimal(str(limit)).quantize(Decimal(1))
        sign = "-" if pence < 0 else ""
        pounds, rest = divmod(abs(int(pence)), 100)
        return f"{sign}£{pounds:,}.{rest:02d}"
    if isinstance(limit, float) and limit.is_integer() and abs(limit) < 1e15:
        limit = int(limit)
    if isinstance(limit, int):
        return f"{limit:,}"
    return str(limit)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
