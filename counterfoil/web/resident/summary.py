"""Check-your-answers: each answer in words (option labels, dates, money) for a GOV.UK summary
list, with the page it is changed on. Everything a resident or designer wrote is escaped here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup, escape

from counterfoil.forms import CompiledForm, FieldError, infer_widget
from counterfoil.forms.pointers import pointer_tokens, resolve_ref, schema_at_pointer
from counterfoil.rules import format_pence
from counterfoil.web.resident.fields import humanise, input_name, options_for, value_text

NOT_ANSWERED = "Not provided"
_BREAK = Markup("<br>")


@dataclass(frozen=True)
class AnswerRow:
    label: str
    value: Markup
    page_id: str
    anchor: str


def answer_rows(form: CompiledForm, answers: Mapping[str, Any]) -> list[AnswerRow]:
    definition = form.definition
    pruned = form.prune(answers)
    rows = []
    for page in form.flow.applicable(pruned):
        for pointer in page.fields:
            ui = definition.ui_for(pointer)
            schema = schema_at_pointer(definition.schema, pointer)
            if schema is None or ui.widget == "content":
                continue
            label = ui.label or str(schema.get("title") or humanise(pointer_tokens(pointer)[-1]))
            value = _value_at(pruned, pointer)
            shown = (
                Markup(NOT_ANSWERED) if value is None else _display(form, pointer, schema, value)
            )
            rows.append(AnswerRow(label, shown, page.id, input_name(pointer)))
    return rows


def first_page_with_error(form: CompiledForm, answers: Mapping[str, Any]) -> str | None:
    """The id of the first page (that applies) with a problem, for sending the resident back."""
    errors: list[FieldError] = form.errors(answers)
    if not errors:
        return None
    for page in form.flow.applicable(form.prune(answers)):
        if form.page_errors(page, answers):
            return page.id
    first = form.flow.first(answers)
    return first.id if first else None


def _value_at(answers: Mapping[str, Any], pointer: str) -> Any:
    node: Any = answers
    for token in pointer_tokens(pointer):
        if not isinstance(node, Mapping) or token not in node:
            return None
        node = node[token]
    return node


def _display(form: CompiledForm, ui_key: str, schema: dict[str, Any], value: Any) -> Markup:
    definition = form.definition
    schema = resolve_ref(definition.schema, schema)
    ui = definition.ui_for(ui_key)
    widget = infer_widget(schema, ui.widget)
    if widget in ("radios", "select", "yesno"):
        return escape(_label(options_for(schema, ui), value))
    if widget == "checkboxes" and isinstance(value, list):
        options = options_for(resolve_ref(definition.schema, schema.get("items") or {}), ui)
        return _BREAK.join(escape(_label(options, v)) for v in value)
    if widget == "money" and isinstance(value, int) and not isinstance(value, bool):
        return escape(format_pence(value))
    if widget == "date" and isinstance(value, str):
        return escape(_long_date(value))
    if widget == "repeater" and isinstance(value, list):
        return _BREAK.join(_row(form, ui_key, schema, row) for row in value)
    if isinstance(value, Mapping):
        return _BREAK.join(_parts(form, ui_key, schema, value, labelled=False))
    if isinstance(value, str):
        return _BREAK.join(escape(line) for line in value.splitlines() or [""])
    return escape(value_text(value))


def _row(form: CompiledForm, ui_key: str, schema: Mapping[str, Any], row: Any) -> Markup:
    items = resolve_ref(form.definition.schema, schema.get("items") or {})
    if not isinstance(row, Mapping):
        return escape(value_text(row))
    return Markup(", ").join(_parts(form, ui_key, items, row, labelled=True))


def _parts(
    form: CompiledForm,
    ui_key: str,
    schema: Mapping[str, Any],
    value: Mapping[str, Any],
    *,
    labelled: bool,
) -> list[Markup]:
    properties = schema.get("properties")
    shown = []
    for prop, sub in (properties if isinstance(properties, dict) else {}).items():
        if prop not in value or value[prop] in (None, ""):
            continue
        key = f"{ui_key}/{prop.replace('~', '~0').replace('/', '~1')}"
        text = _display(form, key, sub if isinstance(sub, dict) else {}, value[prop])
        if labelled:
            label = form.definition.ui_for(key).label or humanise(prop)
            text = escape(label) + Markup(": ") + text
        shown.append(text)
    return shown


def _label(options: list[Any], value: Any) -> str:
    text = value_text(value)
    return next((o.label for o in options if o.value == text), text)


def _long_date(value: str) -> str:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return value
    return f"{day.day} {day:%B %Y}"
