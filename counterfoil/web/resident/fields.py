"""What the question-page template needs for each field: widget, input name, label, hint, options,
the value to put back, and its error message. Names follow `counterfoil.forms.coerce` exactly, so
what the template renders is what `answers_from_form` reads back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from counterfoil.forms import FieldError, FormDefinition, UiField, infer_widget
from counterfoil.forms.coerce import FormValues
from counterfoil.forms.pointers import pointer_tokens, resolve_ref, schema_at_pointer

# Parts of a UK address in the order people write them, with the browser's autocomplete names.
ADDRESS_AUTOCOMPLETE = {
    "line1": "address-line1",
    "address_line1": "address-line1",
    "line2": "address-line2",
    "address_line2": "address-line2",
    "town": "address-level2",
    "city": "address-level2",
    "county": "address-level1",
    "postcode": "postal-code",
}
DEFAULT_AUTOCOMPLETE = {"email": "email", "phone": "tel"}
_DATE_PARTS = ("day", "month", "year")


@dataclass
class Option:
    value: str
    label: str


@dataclass
class FieldView:
    widget: str
    name: str
    label: str
    hint: str | None = None
    value: str = ""
    checked: list[str] = field(default_factory=list)
    date: dict[str, str] = field(default_factory=dict)  # day, month, year as typed
    options: list[Option] = field(default_factory=list)
    autocomplete: str | None = None
    content: str | None = None
    error: str | None = None
    # The page's only question: its label is the page heading (GOV.UK question pages).
    is_heading: bool = False
    parts: list[FieldView] = field(default_factory=list)  # an address's inputs
    rows: list[list[FieldView]] = field(default_factory=list)  # a repeater's rows
    add_label: str = "Add another"

    @property
    def anchor(self) -> str:
        """The id the error summary links to: the first input of the field."""
        if self.widget == "date":
            return f"{self.name}-day"
        if self.widget == "address" and self.parts:
            return self.parts[0].anchor
        return self.name

    def walk(self) -> list[FieldView]:
        nested = [v for part in self.parts for v in part.walk()]
        nested += [v for row in self.rows for cell in row for v in cell.walk()]
        return [self, *nested]


def input_name(pointer: str) -> str:
    return "-".join(pointer_tokens(pointer))


def humanise(name: str) -> str:
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def options_for(schema: Mapping[str, Any], ui: UiField) -> list[Option]:
    """The choices of an enum (or labelled consts), labelled by `ui.options` where it says."""
    labels = ui.options or {}
    choices: list[tuple[Any, str | None]]
    if isinstance(schema.get("enum"), list):
        choices = [(c, None) for c in schema["enum"]]
    else:
        listed = schema.get("oneOf") or schema.get("anyOf") or []
        choices = [
            (o["const"], o.get("title")) for o in listed if isinstance(o, dict) and "const" in o
        ]
    if not choices and schema.get("type") == "boolean":
        choices = [(True, "Yes"), (False, "No")]
    options = []
    for value, title in choices:
        text = value_text(value)
        raw = "true" if value is True else "false" if value is False else text
        label = labels.get(raw) or labels.get(text) or title or humanise(text)
        options.append(Option(value=text, label=str(label)))
    return options


def value_text(value: Any) -> str:
    """How a choice travels in the HTML form (the same as `form_values` writes it)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


class PageFields:
    """Builds the views of one page's fields from the definition, the values and the errors."""

    def __init__(self, definition: FormDefinition) -> None:
        self._definition = definition

    def views(
        self,
        pointers: Sequence[str],
        values: FormValues,
        errors: Sequence[FieldError] = (),
        blank_rows: Mapping[str, int] | None = None,
    ) -> list[FieldView]:
        build = _FieldBuilder(self._definition, values, blank_rows or {})
        views = []
        for pointer in pointers:
            schema = schema_at_pointer(self._definition.schema, pointer)
            view = build.view(pointer, input_name(pointer), schema or {})
            if view is not None:
                views.append(view)
        questions = [v for v in views if v.widget != "content"]
        if len(questions) == 1 and questions[0].widget not in ("address", "repeater"):
            questions[0].is_heading = True
        self._place_errors(views, errors)
        return views

    def _place_errors(self, views: list[FieldView], errors: Sequence[FieldError]) -> None:
        """Each error at the input it names, or else at the question it belongs to."""
        by_name = {v.name: v for view in views for v in view.walk()}
        for error in errors:
            target = by_name.get(input_name(error.pointer))
            if target is None or target.widget == "address":
                tokens = pointer_tokens(error.pointer)
                target = by_name.get(tokens[0] if tokens else "")
            if target is None:
                target = next((v for v in views if v.widget != "content"), None)
            if target is not None and target.error is None:
                target.error = error.message


class _FieldBuilder:
    """One page's field views, built against the same values and blank repeater rows throughout."""

    def __init__(
        self, definition: FormDefinition, values: FormValues, blank_rows: Mapping[str, int]
    ) -> None:
        self._definition = definition
        self._root = definition.schema
        self._values = values
        self._blank_rows = blank_rows

    def view(self, ui_key: str, name: str, schema: Mapping[str, Any]) -> FieldView | None:
        ui = self._definition.ui_for(ui_key)
        if ui.widget == "content" or (ui.content and not schema):
            return FieldView(widget="content", name=name, label=ui.label or "", content=ui.content)
        schema = resolve_ref(self._root, schema)
        widget = infer_widget(schema, ui.widget)
        last = pointer_tokens(ui_key)[-1] if ui_key else name
        label = ui.label or str(schema.get("title") or humanise(last))
        view = FieldView(widget=widget, name=name, label=label, hint=ui.hint)
        view.autocomplete = ui.autocomplete or DEFAULT_AUTOCOMPLETE.get(widget)
        values = self._values
        if widget in ("radios", "select", "yesno"):
            view.options = options_for(schema, ui)
            view.value = _text(values.get(name))
        elif widget == "checkboxes":
            items = resolve_ref(self._root, schema.get("items") or {})
            view.options = options_for(items, ui)
            chosen = values.get(name)
            view.checked = list(chosen) if isinstance(chosen, list) else []
        elif widget == "address":
            view.parts = self._parts(ui_key, name, schema, address=True)
        elif widget == "repeater":
            view.add_label = ui.add_label or "Add another"
            view.rows = self._rows(ui_key, name, schema)
        elif widget == "date":
            view.date = {part: _text(values.get(f"{name}-{part}")) for part in _DATE_PARTS}
        else:
            view.value = _text(values.get(name))
        return view

    def _parts(
        self, ui_key: str, name: str, schema: Mapping[str, Any], *, address: bool = False
    ) -> list[FieldView]:
        properties = schema.get("properties")
        parts = []
        for prop, sub in (properties if isinstance(properties, dict) else {}).items():
            escaped = prop.replace("~", "~0").replace("/", "~1")
            part = self.view(f"{ui_key}/{escaped}", f"{name}-{prop}", sub)
            if part is None:
                continue
            if address and part.autocomplete is None:
                part.autocomplete = ADDRESS_AUTOCOMPLETE.get(prop)
            parts.append(part)
        return parts

    def _rows(self, ui_key: str, name: str, schema: Mapping[str, Any]) -> list[list[FieldView]]:
        items = resolve_ref(self._root, schema.get("items") or {})
        prefix = f"{name}-"
        filled = {
            int(key[len(prefix) :].split("-", 1)[0])
            for key in self._values
            if key.startswith(prefix) and key[len(prefix) :].split("-", 1)[0].isdigit()
        }
        count = (max(filled) + 1 if filled else 0) + self._blank_rows.get(name, 1)
        return [self._parts(ui_key, f"{name}-{i}", items) for i in range(count)]


def error_summary(views: Sequence[FieldView]) -> list[dict[str, str]]:
    """The error summary's list, in page order, each linking to its input."""
    return [
        {"text": v.error, "href": f"#{v.anchor}"} for view in views for v in view.walk() if v.error
    ]


def _text(value: str | list[str] | None) -> str:
    if isinstance(value, list):
        return value[-1] if value else ""
    return value or ""
