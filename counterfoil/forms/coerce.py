"""Turn one page's HTML form POST (every value a string) into typed JSON answers, and back again.

Input names. A field's JSON Pointer becomes its input name by joining the property names with "-":
``/postcode`` -> ``postcode``, ``/address/line1`` -> ``address-line1``. A date field adds the GOV.UK
date-input parts ``dob-day``, ``dob-month``, ``dob-year``. An "add another" repeater (array of
objects) numbers its rows from 0: ``items-0-kind``, ``items-0-quantity``, ``items-1-kind``; rows
nest the same way (``items-0-address-postcode``). A multi-choice array (checkboxes) is one name sent
several times (``waste=paper&waste=glass``); a hidden empty value (``waste=``) means none ticked,
and the same hidden ``items=`` marks a repeater shown with no rows (its blank rows are dropped).
Property names should therefore not contain "-" (names are only ever built from the schema, never
parsed, so a clash can only make a field read another field's input, never invent a field).

Coercion never raises and never drops what a resident typed: a value that cannot be read as the
type the schema asks for is kept as the stripped string, so validation reports it to the resident.
A blank input means "not answered" and its key is left out, so ``required`` reports it.
"""

from __future__ import annotations

import copy
import enum
import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final

import msgspec

from counterfoil.forms.model import FormDefinition, UiField
from counterfoil.forms.pointers import (
    make_pointer,
    pointer_tokens,
    resolve_ref,
    schema_at_pointer,
    schema_type,
)
from counterfoil.forms.widgets import choice_values

__all__ = ["CoercedPage", "FormPost", "FormValues", "answers_from_form", "form_values"]

FormPost = Mapping[str, Sequence[str]]
"""A POSTed multidict: input name -> every value sent under that name, in order."""

FormValues = dict[str, str | list[str]]
"""Input name -> value to put back in the input (a list for checkboxes)."""


class CoercedPage(msgspec.Struct, frozen=True, kw_only=True):
    """The typed answers of one page's POST."""

    fields: tuple[str, ...]
    """The page's field pointers, as given."""
    answers: dict[str, Any]
    """The answered fields only, nested as in the full answers (``{"address": {"town": ...}}``)."""
    unanswered: tuple[str, ...]
    """Page fields left blank: their saved answers must be removed, not kept."""

    def merged_into(self, saved: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of ``saved`` with this page's fields replaced by (or removed for) this POST."""
        merged: dict[str, Any] = copy.deepcopy(dict(saved))
        for pointer in self.fields:
            segments = pointer_tokens(pointer)
            if not segments:
                continue
            if pointer in self.unanswered:
                _delete_at(merged, segments)
            else:
                value = _value_at(self.answers, segments)
                if value is not _MISSING:
                    _set_at(merged, segments, copy.deepcopy(value))
        return merged


def answers_from_form(
    definition: FormDefinition, fields: Sequence[str], form: FormPost
) -> CoercedPage:
    """Read the inputs of ``fields`` (one page's pointers) from ``form``; ignore all others."""
    answers: dict[str, Any] = {}
    unanswered: list[str] = []
    for pointer in fields:
        segments = pointer_tokens(pointer)
        schema = schema_at_pointer(definition.schema, pointer) if segments else None
        if schema is None:
            continue  # display-only content, or a pointer the linter reports
        value = _coerce(definition, schema, "-".join(segments), make_pointer(segments), form)
        if value is _MISSING:
            unanswered.append(pointer)
        else:
            _set_at(answers, segments, value)
    return CoercedPage(fields=tuple(fields), answers=answers, unanswered=tuple(unanswered))


def form_values(
    definition: FormDefinition, fields: Sequence[str], answers: Mapping[str, Any]
) -> FormValues:
    """The input names and values that re-fill a page from saved answers (inverse of the above)."""
    out: FormValues = {}
    for pointer in fields:
        segments = pointer_tokens(pointer)
        schema = schema_at_pointer(definition.schema, pointer) if segments else None
        if schema is None:
            continue
        value = _value_at(answers, segments)
        if value is not _MISSING:
            _emit(definition, schema, "-".join(segments), make_pointer(segments), value, out)
    return out


# --- what the schema asks for -----------------------------------------------------------------


class _Missing(enum.Enum):
    MISSING = enum.auto()


_MISSING: Final = _Missing.MISSING


def _json_type(schema: Mapping[str, Any]) -> str:
    declared = schema_type(schema)
    if declared is not None:
        return declared
    if isinstance(schema.get("type"), list):
        return "null" if schema["type"] else "string"
    choices = _choices(schema)
    if choices:
        if all(isinstance(c, bool) for c in choices):
            return "boolean"
        if all(isinstance(c, int) and not isinstance(c, bool) for c in choices):
            return "integer"
        if all(isinstance(c, int | float) and not isinstance(c, bool) for c in choices):
            return "number"
        return "string"
    if isinstance(schema.get("properties"), dict):
        return "object"
    if "items" in schema:
        return "array"
    return "string"


def _choices(schema: Mapping[str, Any]) -> list[Any]:
    """The values a choice offers, or a lone ``const``: what the answer's type is read from."""
    values = choice_values(schema)
    if values is None and "const" in schema:
        return [schema["const"]]
    return values or []


# --- coercion ---------------------------------------------------------------------------------


def _coerce(
    definition: FormDefinition,
    schema: dict[str, Any],
    name: str,
    ui_key: str,
    form: FormPost,
    *,
    in_address: bool = False,
) -> Any:
    root = definition.schema
    ui = definition.ui_for(ui_key)
    kind = _json_type(schema)
    if kind == "object":
        return _coerce_object(definition, schema, name, ui_key, form)
    if kind == "array":
        items = resolve_ref(root, schema.get("items"))
        if _json_type(items) == "object":
            return _coerce_repeater(definition, items, name, ui_key, form)
        return _coerce_choices(definition, items, name, ui_key, form)
    if kind == "string" and _is_date(schema, ui):
        parts = [_last(form, f"{name}-{part}") for part in ("day", "month", "year")]
        if any(part is not None for part in parts):
            return _coerce_date(*(_clean(part or "") for part in parts))
    raw = _last(form, name)
    text = _clean(raw) if raw is not None else ""
    if not text:
        return _MISSING
    postcode = in_address and ui_key.rsplit("/", 1)[-1] == "postcode"
    return _coerce_text(schema, kind, ui, text, postcode=postcode)


def _coerce_text(
    schema: Mapping[str, Any], kind: str, ui: UiField, text: str, *, postcode: bool = False
) -> Any:
    if ui.widget == "money" and kind in ("integer", "number"):
        return _pence(text)
    if kind == "integer":
        number = _decimal(text)
        if number is None or number != number.to_integral_value():
            return text
        return int(number)
    if kind == "number":
        number = _decimal(text)
        if number is None:
            return text
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == "boolean":
        return _BOOLEANS.get(text.lower(), text)
    if postcode or _is_postcode(schema, ui):
        return _normalise_postcode(text)
    return text


def _coerce_object(
    definition: FormDefinition, schema: dict[str, Any], name: str, ui_key: str, form: FormPost
) -> Any:
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return _MISSING
    in_address = definition.ui_for(ui_key).widget == "address"
    answer: dict[str, Any] = {}
    for prop, sub in properties.items():
        value = _coerce(
            definition,
            resolve_ref(definition.schema, sub),
            f"{name}-{prop}",
            ui_key + make_pointer([prop]),
            form,
            in_address=in_address,
        )
        if value is not _MISSING:
            answer[prop] = value
    return answer or _MISSING


def _coerce_repeater(
    definition: FormDefinition, items: dict[str, Any], name: str, ui_key: str, form: FormPost
) -> Any:
    row = re.compile(re.escape(name) + r"-([0-9]{1,6})-")
    indices = sorted(
        {int(m.group(1)) for key in form if isinstance(key, str) and (m := row.match(key))}
    )
    if not indices and name not in form:
        return _MISSING
    rows = [_coerce_object(definition, items, f"{name}-{i}", ui_key, form) for i in indices]
    return [r for r in rows if r is not _MISSING]


def _coerce_choices(
    definition: FormDefinition, items: dict[str, Any], name: str, ui_key: str, form: FormPost
) -> Any:
    if name not in form:
        return _MISSING
    kind, ui = _json_type(items), definition.ui_for(ui_key)
    chosen: list[Any] = []
    for raw in _all(form, name):
        text = _clean(raw)
        value = _coerce_text(items, kind, ui, text) if text else _MISSING
        if value is not _MISSING and not any(_same(value, c) for c in chosen):
            chosen.append(value)
    order = _choices(items)
    known = [c for c in order if any(_same(c, v) for v in chosen)]
    unknown = [v for v in chosen if not any(_same(v, c) for c in order)]
    return known + unknown  # unknown values stay so validation rejects them, not us silently


def _coerce_date(day: str, month: str, year: str) -> Any:
    if not (day or month or year):
        return _MISSING
    month_number = _MONTHS.get(month.lower().rstrip("."))
    month_text = f"{month_number:02d}" if month_number else _pad(month)
    day_text = _pad(day)
    if (
        _DAY_OR_MONTH.fullmatch(day)
        and (month_number or _DAY_OR_MONTH.fullmatch(month))
        and _YEAR.fullmatch(year)
    ):
        try:
            return date(int(year), int(month_text), int(day_text)).isoformat()
        except ValueError:
            pass
    if _YEAR.fullmatch(year) and int(year) == 0:
        year = "0"  # RFC 3339 allows year 0000 but Python's date does not: keep it invalid
    return f"{year}-{month_text}-{day_text}"


def _pad(part: str) -> str:
    return f"{int(part):02d}" if _DAY_OR_MONTH.fullmatch(part) else part


def _decimal(text: str) -> Decimal | None:
    """A number as people type it: "1,000", "1 000", "- 5", "3.0"; None when it is not one."""
    sign, digits = "", text
    if digits[:1] in _SIGNS:
        sign = "" if digits[0] == "+" else "-"
        digits = digits[1:].strip()
    if _GROUPED.fullmatch(digits):
        digits = re.sub(r"[^0-9.]", "", digits)
    if len(digits) > _MAX_DIGITS or not _PLAIN_NUMBER.fullmatch(digits):
        return None
    return Decimal(sign + digits)


def _pence(text: str) -> Any:
    """Pounds as typed ("£12.50", "12.5", "1,200", "50p") in whole pence; the text if not money."""
    sign, amount = "", text
    if amount[:1] in _SIGNS:
        sign, amount = ("" if amount[0] == "+" else "-"), amount[1:].strip()
    if amount.startswith("£"):
        amount = amount[1:].strip()
    if _PENNIES.fullmatch(amount):
        return int(sign + amount[:-1]) if len(amount) <= _MAX_DIGITS else text
    if _GROUPED.fullmatch(amount):
        amount = re.sub(r"[^0-9.]", "", amount)
    match = _POUNDS.fullmatch(amount)
    if match is None or len(amount) > _MAX_DIGITS:
        return text
    pounds, pennies = match.group(1) or "0", (match.group(2) or "").ljust(2, "0")
    value = int(pounds) * 100 + int(pennies)
    return -value if sign else value


def _is_date(schema: Mapping[str, Any], ui: UiField) -> bool:
    return schema.get("format") == "date" or ui.widget == "date"


def _is_postcode(schema: Mapping[str, Any], ui: UiField) -> bool:
    if ui.widget == "postcode" or (ui.autocomplete or "").endswith("postal-code"):
        return True
    pattern = schema.get("pattern")
    return isinstance(pattern, str) and _looks_like_postcode_pattern(pattern)


@lru_cache(maxsize=256)
def _looks_like_postcode_pattern(pattern: str) -> bool:
    """Whether a designer's pattern accepts UK postcodes and little else (tried on samples)."""
    try:
        compiled = re.compile(pattern)
    except (re.error, ValueError, OverflowError, RecursionError):
        return False  # ECMA-only syntax: not ours to guess
    return all(compiled.search(s) for s in _POSTCODES) and not any(
        compiled.search(s) for s in _NOT_POSTCODES
    )


def _normalise_postcode(text: str) -> str:
    compact = "".join(text.split()).upper()
    if _COMPACT_POSTCODE.fullmatch(compact):
        return f"{compact[:-3]} {compact[-3:]}"
    return " ".join(text.upper().split())


def _clean(raw: str) -> str:
    # NUL cannot be stored in PostgreSQL text/jsonb; browsers send CRLF line ends in textareas.
    return raw.replace("\x00", "").replace("\r\n", "\n").strip()


def _last(form: FormPost, name: str) -> str | None:
    """The last value sent under ``name`` (a hidden default, then a checkbox: the box wins)."""
    values = _all(form, name)
    return values[-1] if values else None


def _all(form: FormPost, name: str) -> list[str]:
    values = form.get(name)
    if values is None:
        return []
    if isinstance(values, str):
        return [values]
    return [v for v in values if isinstance(v, str)]


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b  # True == 1 in Python, but not in JSON


_BOOLEANS: Final = {"yes": True, "true": True, "on": True, "no": False, "false": False}
_SIGNS: Final = ("-", "+", "\u2212", "\u2013")  # hyphen, plus, minus sign, en dash
_MAX_DIGITS: Final = 40  # far beyond any council amount; keeps ints and floats finite and printable
_PLAIN_NUMBER: Final = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
# Thousands grouped by one kind of separator: "1,000", "12 345 678", "1,000.50".
_GROUPED: Final = re.compile(
    r"[0-9]{1,3}(?P<sep>[, \u00a0\u202f])[0-9]{3}(?:(?P=sep)[0-9]{3})*(?:\.[0-9]*)?"
)
_POUNDS: Final = re.compile(r"(?=\.?[0-9])([0-9]*)(?:\.([0-9]{0,2}))?")
_PENNIES: Final = re.compile(r"[0-9]+p")
_DAY_OR_MONTH: Final = re.compile(r"[0-9]{1,2}")
_YEAR: Final = re.compile(r"[0-9]{4}")
_MONTH_NAMES: Final = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTHS: Final = {
    **{name: number for number, name in enumerate(_MONTH_NAMES, 1)},
    **{name[:3]: number for number, name in enumerate(_MONTH_NAMES, 1)},
    "sept": 9,
}
_COMPACT_POSTCODE: Final = re.compile(r"[A-Z][A-Z0-9]{1,3}[0-9][A-Z]{2}")
_POSTCODES: Final = ("RM17 6SL", "SW1A 1AA", "M1 1AE", "B33 8TH")
_NOT_POSTCODES: Final = ("HELLO", "12345", "hello world", "")


# --- the inverse: answers back into inputs ----------------------------------------------------


def _emit(
    definition: FormDefinition,
    schema: dict[str, Any],
    name: str,
    ui_key: str,
    value: Any,
    out: FormValues,
) -> None:
    root = definition.schema
    ui = definition.ui_for(ui_key)
    kind = _json_type(schema)
    if value is None:
        return
    if kind == "object" and isinstance(value, Mapping):
        properties = schema.get("properties")
        for prop, sub in (properties if isinstance(properties, dict) else {}).items():
            if prop in value:
                child = resolve_ref(root, sub)
                _emit(
                    definition,
                    child,
                    f"{name}-{prop}",
                    ui_key + make_pointer([prop]),
                    value[prop],
                    out,
                )
        return
    if kind == "array" and isinstance(value, list):
        items = resolve_ref(root, schema.get("items"))
        if _json_type(items) == "object":
            for index, row in enumerate(value):
                _emit(definition, items, f"{name}-{index}", ui_key, row, out)
        else:
            out[name] = [_text(_json_type(items), ui, v) for v in value if v is not None]
        return
    if kind == "string" and _is_date(schema, ui) and isinstance(value, str):
        year, month, day = [*value.split("-", 2), "", ""][:3]
        out.update({f"{name}-day": day, f"{name}-month": month, f"{name}-year": year})
        return
    out[name] = _text(kind, ui, value)


def _text(kind: str, ui: UiField, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if ui.widget == "money" and isinstance(value, int):
        return f"{'-' if value < 0 else ''}{abs(value) // 100}.{abs(value) % 100:02d}"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, int):
        return str(value)
    return msgspec.json.encode(value).decode()


# --- nested answers ---------------------------------------------------------------------------


def _value_at(answers: Mapping[str, Any], segments: Sequence[str]) -> Any:
    node: Any = answers
    for segment in segments:
        if not isinstance(node, Mapping) or segment not in node:
            return _MISSING
        node = node[segment]
    return node


def _set_at(answers: dict[str, Any], segments: Sequence[str], value: Any) -> None:
    node = answers
    for segment in segments[:-1]:
        child = node.get(segment)
        if not isinstance(child, dict):
            child = node[segment] = {}
        node = child
    node[segments[-1]] = value


def _delete_at(answers: dict[str, Any], segments: Sequence[str]) -> None:
    node: Any = answers
    for segment in segments[:-1]:
        node = node.get(segment) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(segments[-1], None)
