"""A question's editor form to its schema property and `ui` entry, and back; renaming and removing
a question everywhere it is named (pages, ui keys, required lists, rules)."""

from __future__ import annotations

import copy
import re
from typing import Any, Final

from counterfoil.forms import check_definition
from counterfoil.forms.builder import (
    BuilderError,
    field_name,
    pence_to_pounds,
    place_requirements,
    pounds_to_pence,
    rename_variable,
    required_fields,
)
from counterfoil.forms.pointers import make_pointer
from counterfoil.forms.widgets import choice_values, infer_widget

WIDGETS: Final = [
    ("text", "Text (one line)"),
    ("textarea", "Text (several lines)"),
    ("number", "Whole number"),
    ("money", "Amount of money"),
    ("email", "Email address"),
    ("phone", "Phone number"),
    ("date", "Date"),
    ("radios", "Radios (choose one)"),
    ("checkboxes", "Checkboxes (choose any)"),
    ("select", "Dropdown list (choose one)"),
    ("yesno", "Yes or no"),
    ("address", "UK address"),
    ("repeater", "List of items (add another)"),
    ("content", "Text to read (no answer)"),
]
WIDGET_NAMES: Final = dict(WIDGETS)
LENGTH: Final = frozenset({"text", "textarea", "email", "phone"})
PATTERNED: Final = frozenset({"text", "phone"})
RANGED: Final = frozenset({"number", "money"})
CHOICES: Final = frozenset({"radios", "select", "checkboxes"})
COUNTED: Final = frozenset({"checkboxes", "repeater"})
# Safe presets: anchored, no nested quantifiers (the linter's backtracking checks pass).
PATTERNS: Final = {
    "uk_postcode": ("UK postcode", "^[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2}$"),
    "uk_phone": ("UK phone number", "^\\+?[0-9 ()]{10,20}$"),
    "email_like": ("Looks like an email address", "^[^@ ]+@[^@ ]+\\.[^@ ]+$"),
    "digits": ("Digits only", "^[0-9]+$"),
}
NAME: Final = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_VALUE: Final = re.compile(r"^[A-Za-z0-9_.-]+$")


def _pattern_choices() -> list[tuple[str, str]]:
    return [("", "None"), *((k, v[0]) for k, v in PATTERNS.items()), ("custom", "Custom (below)")]


PATTERN_CHOICES: Final = _pattern_choices()
_STRING: Final = {"type": "string", "maxLength": 500}
_ADDRESS: Final = {
    "type": "object",
    "properties": {
        "line1": {"type": "string", "minLength": 1, "maxLength": 100},
        "line2": {"type": "string", "maxLength": 100},
        "town": {"type": "string", "minLength": 1, "maxLength": 100},
        "postcode": {"type": "string", "pattern": PATTERNS["uk_postcode"][1]},
    },
    "required": ["line1", "town", "postcode"],
    "additionalProperties": False,
}
NEW_SCHEMAS: Final[dict[str, dict[str, Any]]] = {
    "text": _STRING,
    "textarea": {"type": "string", "maxLength": 5000},
    "number": {"type": "integer"},
    "money": {"type": "integer", "minimum": 0},
    "email": {"type": "string", "format": "email", "maxLength": 254},
    "phone": {"type": "string", "pattern": PATTERNS["uk_phone"][1]},
    "date": {"type": "string", "format": "date"},
    "radios": {"type": "string", "enum": ["yes"]},
    "select": {"type": "string", "enum": ["yes"]},
    "checkboxes": {
        "type": "array",
        "items": {"type": "string", "enum": ["yes"]},
        "uniqueItems": True,
    },
    "yesno": {"type": "boolean"},
    "address": _ADDRESS,
    "repeater": {
        "type": "array",
        "items": {"type": "object", "properties": {}, "additionalProperties": False},
    },
    "content": {"type": "null"},
}


def error_keywords(widget: str) -> list[tuple[str, str]]:
    """The JSON Schema keywords whose message a designer may reword for this widget."""
    if widget == "content":
        return []
    keywords = [("required", "Not answered")]
    if widget in RANGED:
        keywords += [("type", "Not a number"), ("minimum", "Too small"), ("maximum", "Too large")]
    if widget in LENGTH:
        keywords += [("minLength", "Too short"), ("maxLength", "Too long")]
    if widget in PATTERNED:
        keywords.append(("pattern", "Does not match the pattern"))
    if widget in ("email", "date"):
        keywords.append(("format", "Not in the right format"))
    if widget in COUNTED:
        keywords += [("minItems", "Too few"), ("maxItems", "Too many")]
    return keywords


def container(definition: dict[str, Any], parent: str | None) -> dict[str, Any]:
    """The object schema holding a question: the answers, or a repeater's item."""
    schema: dict[str, Any] = definition["schema"]
    if parent is None:
        return schema
    items: dict[str, Any] = schema["properties"][parent]["items"]
    return items


def ui_key(parent: str | None, name: str) -> str:
    return make_pointer([parent, name] if parent else [name])


def widget_of(definition: dict[str, Any], parent: str | None, name: str) -> str:
    node = container(definition, parent)["properties"][name]
    return infer_widget(node, definition.get("ui", {}).get(ui_key(parent, name), {}).get("widget"))


def _is_required(definition: dict[str, Any], parent: str | None, name: str) -> bool:
    if parent is None:
        return name in required_fields(definition)
    return name in container(definition, parent).get("required", [])


def question_values(definition: dict[str, Any], parent: str | None, name: str) -> dict[str, str]:
    node = container(definition, parent)["properties"][name]
    ui = definition.get("ui", {}).get(ui_key(parent, name), {})
    widget = widget_of(definition, parent, name)
    money = widget == "money"
    values = {
        "name": name,
        "label": ui.get("label", ""),
        "hint": ui.get("hint", ""),
        "required": "yes" if _is_required(definition, parent, name) else "no",
        "content": ui.get("content", ""),
        "add_label": ui.get("add_label", ""),
        "min_length": _text(node.get("minLength")),
        "max_length": _text(node.get("maxLength")),
        "minimum": _text(node.get("minimum"), money),
        "maximum": _text(node.get("maximum"), money),
        "min_items": _text(node.get("minItems")),
        "max_items": _text(node.get("maxItems")),
    }
    pattern = node.get("pattern")
    preset = next((k for k, (_, p) in PATTERNS.items() if p == pattern), None)
    values["pattern"] = preset or ("custom" if pattern else "")
    values["custom_pattern"] = "" if preset or not pattern else pattern
    choices = choice_values(node.get("items", {}) if widget == "checkboxes" else node) or []
    labels = ui.get("options", {})
    values["options"] = "\n".join(f"{v}: {labels.get(str(v), v)}" for v in choices)
    for keyword, _ in error_keywords(widget):
        values[f"error-{keyword}"] = ui.get("errors", {}).get(keyword, "")
    return values


def _text(value: Any, money: bool = False) -> str:
    if value is None:
        return ""
    return pence_to_pounds(value) if money and isinstance(value, int) else str(value)


def _whole(
    form: dict[str, str], key: str, errors: dict[str, str], money: bool = False
) -> int | None:
    text = form.get(key, "").strip()
    if not text:
        return None
    try:
        return pounds_to_pence(text) if money else int(text.replace(",", ""))
    except (ValueError, BuilderError):
        errors[key] = "Enter an amount in pounds, like 12.50" if money else "Enter a whole number"
        return None


def _options(text: str, errors: dict[str, str]) -> dict[str, str]:
    options: dict[str, str] = {}
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        value, colon, label = line.partition(":")
        if not colon or not _VALUE.match(value.strip()):
            value, label = field_name(line, set(options)), line
        value, label = value.strip(), label.strip() or value.strip()
        if value in options:
            errors["options"] = f"The value {value!r} is used twice"
        options[value] = label
    if not options:
        errors["options"] = "Enter at least one option, one on each line"
    return options


def _limits(
    node: dict[str, Any],
    pairs: list[tuple[str, str]],
    form: dict[str, str],
    errors: dict[str, str],
    money: bool = False,
) -> None:
    found = {}
    for keyword, key in pairs:
        value = _whole(form, key, errors, money)
        if value is None:
            node.pop(keyword, None)
        else:
            node[keyword] = found[keyword] = value
    low, high = (found.get(k) for k, _ in pairs)
    if low is not None and high is not None and low > high:
        errors[pairs[0][1]] = "The smallest must not be more than the largest"


def _pattern(node: dict[str, Any], form: dict[str, str], errors: dict[str, str]) -> None:
    choice = form.get("pattern", "")
    if choice in PATTERNS:
        node["pattern"] = PATTERNS[choice][1]
    elif choice == "custom":
        custom = form.get("custom_pattern", "").strip()
        try:
            re.compile(custom)
        except re.error as exc:
            errors["custom_pattern"] = f"The pattern is not a regular expression: {exc}"
            return
        if not custom:
            errors["custom_pattern"] = "Enter a pattern, or choose None"
            return
        node["pattern"] = custom
    else:
        node.pop("pattern", None)


def apply_question(
    definition: dict[str, Any],
    form: dict[str, str],
    *,
    widget: str,
    parent: str | None,
    old_name: str | None,
    page_id: str | None = None,
) -> dict[str, str]:
    """Write the editor's values into the definition (a new question when `old_name` is None,
    added to `page_id`, or to the repeater `parent`); returns what is wrong with them."""
    errors: dict[str, str] = {}
    holder = container(definition, parent)
    properties: dict[str, Any] = holder.setdefault("properties", {})
    label = form.get("label", "").strip()
    if not label:
        errors["label"] = "Enter the question"
    elif len(label) > 500:
        errors["label"] = "The question must be 500 characters or fewer"
    taken = set(properties) - {old_name}
    name = form.get("name", "").strip() or field_name(label, taken)
    if not NAME.match(name):
        errors["name"] = "A field name starts with a letter and has only a-z, 0-9 and _"
    elif name in taken:
        errors["name"] = f"Another question already uses the field name {name!r}"
    node = copy.deepcopy(properties[old_name] if old_name else NEW_SCHEMAS[widget])
    money = widget == "money"
    if widget in LENGTH:
        _limits(node, [("minLength", "min_length"), ("maxLength", "max_length")], form, errors)
    if widget in RANGED:
        _limits(node, [("minimum", "minimum"), ("maximum", "maximum")], form, errors, money)
    if widget in COUNTED:
        _limits(node, [("minItems", "min_items"), ("maxItems", "max_items")], form, errors)
    if widget in PATTERNED:
        _pattern(node, form, errors)
    ui: dict[str, Any] = {"widget": widget, "label": label}
    if widget in CHOICES:
        options = _options(form.get("options", ""), errors)
        (node["items"] if widget == "checkboxes" else node)["enum"] = list(options)
        ui["options"] = options
    for key in ("hint", "add_label", "content"):
        if form.get(key, "").strip():
            ui[key] = form[key].strip()
    messages = {k: form.get(f"error-{k}", "").strip() for k, _ in error_keywords(widget)}
    if any(messages.values()):
        ui["errors"] = {k: m for k, m in messages.items() if m}
    if errors:
        return errors
    if old_name is None:
        properties[name] = node
        if parent is None:
            page = next(p for p in definition["pages"] if p["id"] == page_id)
            page.setdefault("fields", []).append(make_pointer([name]))
    else:
        if old_name != name:
            rename_question(definition, parent, old_name, name)
        holder["properties"][name] = node
    all_ui = definition.setdefault("ui", {})
    all_ui[ui_key(parent, name)] = {**_kept_ui(all_ui.get(ui_key(parent, name), {})), **ui}
    _set_required(definition, parent, name, form.get("required") == "yes" and widget != "content")
    return _pattern_problem(definition, parent, name) if widget in PATTERNED else {}


def _kept_ui(ui: dict[str, Any]) -> dict[str, Any]:
    # keys the editor does not show (autocomplete) survive an edit
    return {k: v for k, v in ui.items() if k == "autocomplete"}


def _pattern_problem(definition: dict[str, Any], parent: str | None, name: str) -> dict[str, str]:
    """A custom pattern the linter refuses (it could backtrack for ever) is not saved."""
    here = make_pointer(
        ["schema", "properties", *([parent, "items", "properties"] if parent else []), name]
    )
    problems = check_definition(definition).problems
    found = [p.message for p in problems if p.pointer.startswith(f"{here}/pattern")]
    return {"custom_pattern": f"The pattern cannot be used: {found[0]}"} if found else {}


def _set_required(definition: dict[str, Any], parent: str | None, name: str, wanted: bool) -> None:
    if parent is None:
        names = required_fields(definition) - {name} | ({name} if wanted else set())
        place_requirements(definition, names & set(definition["schema"]["properties"]))
        return
    holder = container(definition, parent)
    required = [n for n in holder.get("required", []) if n != name] + ([name] if wanted else [])
    if required:
        holder["required"] = [n for n in holder["properties"] if n in required]
    else:
        holder.pop("required", None)


def _rekey(mapping: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """`mapping` with key `old` renamed `new`, keeping the order."""
    return {new if k == old else k: v for k, v in mapping.items()}


def rename_question(definition: dict[str, Any], parent: str | None, old: str, new: str) -> None:
    holder = container(definition, parent)
    holder["properties"] = _rekey(holder["properties"], old, new)
    if "required" in holder:
        holder["required"] = [new if n == old else n for n in holder["required"]]
    old_key, new_key = ui_key(parent, old), ui_key(parent, new)
    definition["ui"] = {
        (new_key + k[len(old_key) :] if k == old_key or k.startswith(old_key + "/") else k): v
        for k, v in definition.get("ui", {}).items()
    }
    if parent is not None:
        return
    for page in definition["pages"]:
        page["fields"] = [new_key if f == old_key else f for f in page.get("fields", [])]
        if "when" in page:
            page["when"] = rename_variable(page["when"], old, new)
    for line in definition.get("fees", {}).get("lines", []):
        line["amount"] = rename_variable(line["amount"], old, new)
    if "route" in definition["fulfilment"]:
        definition["fulfilment"]["route"] = rename_variable(
            definition["fulfilment"]["route"], old, new
        )
    for part in definition["schema"].get("allOf", []):
        then = part.get("then", {}) if isinstance(part, dict) else {}
        if "required" in then:
            then["required"] = [new if n == old else n for n in then["required"]]


def remove_question(definition: dict[str, Any], parent: str | None, name: str) -> None:
    holder = container(definition, parent)
    holder["properties"].pop(name, None)
    _set_required(definition, parent, name, False)
    key = ui_key(parent, name)
    definition["ui"] = {
        k: v
        for k, v in definition.get("ui", {}).items()
        if k != key and not k.startswith(key + "/")
    }
    if parent is None:
        for page in definition["pages"]:
            page["fields"] = [f for f in page.get("fields", []) if f != key]
