"""Validate a resident's answers against a form definition and word every problem for residents.

jsonschema-rs finds the errors; this module moves each one onto the field it is about, keeps the
most useful message per field, orders them as the pages ask the questions, and words them in the
GOV.UK style ("Enter postcode", "Number of items must be 10 or fewer") unless `ui[pointer].errors`
overrides a keyword.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

import jsonschema_rs
import msgspec

from counterfoil.forms.model import FormDefinition
from counterfoil.forms.pointers import escape_token, make_pointer, resolve_ref, ui_key
from counterfoil.forms.widgets import infer_widget

__all__ = ["MESSAGES", "AnswerValidator", "FieldError"]


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
    "generic": "Check your answer for {label}",
}

# Shown when the answers as a whole are not what the form expects (not an object, unknown keys).
FORM_MESSAGE: Final = "There is a problem with your answers. Go back and check them"

# Which message wins when one field has several problems (lower first); unlisted keywords come last.
_PRIORITY: Final[Mapping[str, int]] = {
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
        self._validator = jsonschema_rs.validator_for(definition.schema, validate_formats=True)
        self._root: dict[str, Any] = definition.schema
        self._fields: dict[str, _Field] = {}
        self._positions: dict[str, int] = {}
        for position, pointer in enumerate(f for page in definition.pages for f in page.fields):
            self._positions.setdefault(pointer, position)
        self._walk(self._root, "", 0)

    def is_valid(self, answers: dict[str, Any]) -> bool:
        try:
            return bool(self._validator.is_valid(answers))
        except (ValueError, TypeError, OverflowError):
            return False

    def errors(self, answers: dict[str, Any]) -> list[FieldError]:
        """Every problem at once, one per field, in the order the pages ask the questions."""
        if self.is_valid(answers):
            return []
        try:
            found = list(self._validator.iter_errors(answers))
        except (ValueError, TypeError, OverflowError):
            return [FieldError(pointer="", message=FORM_MESSAGE)]
        best: dict[str, tuple[int, Any, list[str | int], str]] = {}
        for error in found:
            path, keyword = self._locate(error)
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
