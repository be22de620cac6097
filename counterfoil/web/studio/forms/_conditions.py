"""The condition builder's form (clause rows, all/any, or a raw JSON Logic box) to a rule and back,
shared by page conditions and conditional fee lines."""

from __future__ import annotations

import json
from typing import Any

from counterfoil.forms.builder import (
    OPERATOR_LABELS,
    BuilderError,
    Clause,
    Combine,
    Condition,
    condition_of,
    condition_rule,
    typed_value,
    value_text,
)
from counterfoil.forms.pointers import schema_at_variable
from counterfoil.rules import check_rule

SPARE_ROWS = 2
OPERATOR_CHOICES = list(OPERATOR_LABELS.items())


def condition_values(prefix: str, rule: Any) -> dict[str, Any]:
    """The builder's inputs for a rule: its clauses when it has some, else the raw box."""
    condition = condition_of(rule) if rule is not None else None
    mode = "none" if rule is None else ("builder" if condition else "raw")
    clauses = condition.clauses if condition else ()
    values: dict[str, Any] = {
        f"{prefix}-mode": mode,
        f"{prefix}-combine": condition.combine if condition else "all",
        f"{prefix}-raw": "" if rule is None else json.dumps(rule, indent=2),
        f"{prefix}-rows": list(range(len(clauses) + SPARE_ROWS)),
    }
    for i, clause in enumerate(clauses):
        values[f"{prefix}-{i}-field"] = clause.field
        values[f"{prefix}-{i}-operator"] = clause.operator
        values[f"{prefix}-{i}-value"] = value_text(clause.value)
    return values


def posted_values(prefix: str, form: dict[str, str]) -> dict[str, Any]:
    """The builder's inputs as posted, with spare rows again, to show them back."""
    rows = sorted({int(k.split("-")[-2]) for k in form if _is_row_key(prefix, k)})
    return {**form, f"{prefix}-rows": list(range((max(rows) + 1 if rows else 0) + SPARE_ROWS))}


def _is_row_key(prefix: str, key: str) -> bool:
    parts = key.removeprefix(f"{prefix}-").split("-")
    return key.startswith(f"{prefix}-") and len(parts) == 2 and parts[0].isdigit()


def condition_from_form(
    prefix: str, form: dict[str, str], schema: dict[str, Any], fields: list[tuple[str, str]]
) -> tuple[Any, dict[str, str]]:
    """(rule or None for "always", errors by input id)."""
    mode = form.get(f"{prefix}-mode", "none")
    if mode == "raw":
        return _raw(prefix, form.get(f"{prefix}-raw", ""))
    if mode != "builder":
        return None, {}
    allowed = {name for name, _ in fields}
    clauses: list[Clause] = []
    errors: dict[str, str] = {}
    for row in posted_values(prefix, form)[f"{prefix}-rows"]:
        at = f"{prefix}-{row}"
        name = form.get(f"{at}-field", "")
        if not name:
            continue
        operator = form.get(f"{at}-operator", "equals")
        if name not in allowed or operator not in OPERATOR_LABELS:
            errors[f"{at}-field"] = "Choose a question asked before this point"
            continue
        text = form.get(f"{at}-value", "")
        if operator not in ("answered", "not_answered") and not text.strip():
            errors[f"{at}-value"] = "Enter the value to compare the answer with"
            continue
        try:
            value = typed_value(schema_at_variable(schema, name) or {}, text, operator)
        except BuilderError as exc:
            errors[f"{at}-value"] = str(exc)
            continue
        clauses.append(Clause(name, operator, value))
    if not clauses and not errors:
        errors[f"{prefix}-0-field"] = "Choose a question for the condition, or choose Always"
    if errors:
        return None, errors
    combine: Combine = "any" if form.get(f"{prefix}-combine") == "any" else "all"
    return condition_rule(Condition(tuple(clauses), combine)), {}


def _raw(prefix: str, text: str) -> tuple[Any, dict[str, str]]:
    try:
        rule = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, {f"{prefix}-raw": f"The rule is not valid JSON: {exc.msg} (line {exc.lineno})"}
    problems = check_rule(rule)
    if rule is None or problems:
        detail = "; ".join(p.message for p in problems) or "enter a rule"
        return None, {f"{prefix}-raw": f"The rule cannot be used: {detail}"}
    return rule, {}


def question_choices(definition: dict[str, Any], pages: int | None = None) -> list[tuple[str, str]]:
    """(field name, label) of the top-level questions on the first `pages` pages (all: None)."""
    ui = definition.get("ui", {})
    choices = []
    for page in definition.get("pages", [])[:pages]:
        for pointer in page.get("fields", []):
            name = pointer.removeprefix("/")
            label = ui.get(pointer, {}).get("label") or name
            choices.append((name, f"{label} ({name})"))
    return choices
