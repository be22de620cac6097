"""Fee lines made with the builders (fixed, per answer, conditional, concession), each with its
fund and VAT code, or with a raw JSON Logic amount for anything else."""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from counterfoil.forms.builder import (
    BuilderError,
    ConcessionFee,
    ConditionalFee,
    FeeSpec,
    FixedFee,
    PerAnswerFee,
    fee_amount,
    fee_spec,
    field_name,
    pence_to_pounds,
    pounds_to_pence,
)
from counterfoil.forms.pointers import schema_type
from counterfoil.platform.errors import NotFound
from counterfoil.platform.staff import StaffMember
from counterfoil.rules import check_rule
from counterfoil.web.studio.forms._conditions import (
    OPERATOR_CHOICES,
    condition_from_form,
    condition_values,
    posted_values,
    question_choices,
)
from counterfoil.web.studio.forms._drafts import (
    Edit,
    FormBody,
    FormDraft,
    Outcome,
    editor,
    move,
    open_draft,
    save_edit,
)

KINDS: Final = {
    "fixed": "A fixed amount",
    "per_answer": "An amount for each one of something (per item)",
    "conditional": "A fixed amount when a condition holds",
    "concession": "A percentage off the lines above when a condition holds",
    "raw": "A JSON Logic rule",
}
VAT_CODES: Final = [
    ("S", "Standard (S)"),
    ("Z", "Zero (Z)"),
    ("E", "Exempt (E)"),
    ("OS", "Outside the scope (OS)"),
]
CODE: Final = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
LINE_ID: Final = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
CONDITION = "fee"


def _lines(definition: dict[str, Any]) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = definition.get("fees", {}).get("lines", [])
    return lines


def _index(definition: dict[str, Any], line_id: str) -> int:
    for i, line in enumerate(_lines(definition)):
        if line.get("id") == line_id:
            return i
    raise NotFound(f"There is no fee line {line_id!r}")


def counted_fields(definition: dict[str, Any]) -> list[tuple[str, str]]:
    """Number answers a per-answer line can count: number fields, and number item questions of a
    list ("items.quantity": the sum over its items)."""
    ui = definition.get("ui", {})
    found = []
    for name, node in definition["schema"].get("properties", {}).items():
        label = ui.get(f"/{name}", {}).get("label") or name
        if schema_type(node) in ("integer", "number"):
            found.append((name, label))
        items = node.get("items") if schema_type(node) == "array" else None
        for sub, inner in (items or {}).get("properties", {}).items():
            if schema_type(inner) in ("integer", "number"):
                sub_label = ui.get(f"/{name}/{sub}", {}).get("label") or sub
                found.append((f"{name}.{sub}", f"{label}: total of {sub_label}"))
    return found


def line_values(line: dict[str, Any]) -> dict[str, Any]:
    spec = fee_spec(line.get("amount"))
    values: dict[str, Any] = {
        "id": line.get("id", ""),
        "description": line.get("description", ""),
        "fund": line.get("fund", ""),
        "vat": line.get("vat", "OS"),
        "kind": _kind(spec),
        "raw": json.dumps(line.get("amount"), indent=2),
        **condition_values(CONDITION, None),
    }
    if isinstance(spec, (FixedFee, ConditionalFee, PerAnswerFee)):
        values["amount"] = pence_to_pounds(spec.pence)
    if isinstance(spec, PerAnswerFee):
        values["counted"] = spec.field + (f".{spec.item_field}" if spec.item_field else "")
        values["free"] = str(spec.free)
    if isinstance(spec, ConcessionFee):
        values["percent"] = str(spec.percent)
    if isinstance(spec, (ConditionalFee, ConcessionFee)):
        values.update(condition_values(CONDITION, spec.when))
    return values


def _kind(spec: FeeSpec | None) -> str:
    kinds: dict[type, str] = {
        FixedFee: "fixed",
        PerAnswerFee: "per_answer",
        ConditionalFee: "conditional",
        ConcessionFee: "concession",
    }
    return kinds[type(spec)] if spec is not None else "raw"


def _amount(
    form: dict[str, str], definition: dict[str, Any], index: int, errors: dict[str, str]
) -> Any:
    kind = form.get("kind", "")
    fields = question_choices(definition)
    pence = 0
    if kind in ("fixed", "per_answer", "conditional"):
        try:
            pence = pounds_to_pence(form.get("amount", ""))
        except BuilderError as exc:
            errors["amount"] = str(exc)
    if kind == "fixed":
        return pence
    if kind == "raw":
        return _raw_amount(form.get("raw", ""), errors)
    if kind == "per_answer":
        counted = form.get("counted", "")
        free = form.get("free", "").strip() or "0"
        if counted not in dict(counted_fields(definition)):
            errors["counted"] = "Choose the number answer to charge for"
        if not free.isdigit():
            errors["free"] = "Enter how many are free as a whole number, like 0 or 3"
        if errors:
            return None
        field, _, item = counted.partition(".")
        return fee_amount(PerAnswerFee(pence, field, item or None, int(free)))
    condition, condition_errors = condition_from_form(CONDITION, form, definition["schema"], fields)
    errors.update(condition_errors)
    if condition is None and not condition_errors:
        errors[f"{CONDITION}-mode"] = "Choose the condition for this line"
    if kind == "conditional":
        return None if errors else fee_amount(ConditionalFee(pence, condition))
    try:
        percent = Decimal(form.get("percent", "").strip().rstrip("%"))
        if not 0 < percent <= 100:
            raise InvalidOperation
    except InvalidOperation:
        errors["percent"] = "Enter a percentage from 1 to 100, like 50"
        return None
    before = tuple(str(line["id"]) for line in _lines(definition)[:index])
    if not before:
        errors["percent"] = "Add the lines a concession takes a percentage off first"
    if errors:
        return None
    return fee_amount(ConcessionFee(percent, before, condition))


def _raw_amount(text: str, errors: dict[str, str]) -> Any:
    try:
        amount = json.loads(text)
    except json.JSONDecodeError as exc:
        errors["raw"] = f"The rule is not valid JSON: {exc.msg} (line {exc.lineno})"
        return None
    problems = check_rule(amount)
    valid_shape = (isinstance(amount, int) and not isinstance(amount, bool)) or (
        isinstance(amount, dict) and len(amount) == 1
    )
    if problems or not valid_shape:
        detail = "; ".join(p.message for p in problems) or "enter whole pence or one operation"
        errors["raw"] = f"The rule cannot be used: {detail}"
        return None
    return amount


def _apply_line(form: dict[str, str], line_id: str | None) -> Edit:
    def edit(definition: dict[str, Any]) -> dict[str, str]:
        lines = definition.setdefault("fees", {"currency": "GBP", "lines": []}).setdefault(
            "lines", []
        )
        index = _index(definition, line_id) if line_id else len(lines)
        errors: dict[str, str] = {}
        description = form.get("description", "").strip()
        if not description or len(description) > 500:
            errors["description"] = "Enter what the line is for, up to 500 characters"
        new_id = form.get("id", "").strip() or field_name(
            description, {str(x["id"]) for x in lines}
        )
        if not LINE_ID.match(new_id):
            errors["id"] = "A line id starts with a letter and has only a-z, 0-9, _ and -"
        elif any(x["id"] == new_id for i, x in enumerate(lines) if i != index):
            errors["id"] = f"Another line already has the id {new_id!r}"
        fund = form.get("fund", "").strip()
        if not CODE.match(fund):
            errors["fund"] = "Enter the fund code: up to 32 letters, digits, _ . or -"
        vat = form.get("vat", "")
        if vat not in dict(VAT_CODES):
            errors["vat"] = "Choose the VAT code"
        if form.get("kind") not in KINDS:
            errors["kind"] = "Choose the kind of fee line"
            return errors
        amount = _amount(form, definition, index, errors)
        if errors:
            return errors
        line = {
            "id": new_id,
            "description": description,
            "amount": amount,
            "fund": fund,
            "vat": vat,
        }
        if index == len(lines):
            lines.append(line)
        else:
            lines[index] = line
        return {}

    return edit


def _editor(
    staff: StaffMember, draft: FormDraft, line_id: str | None, values: dict[str, Any], **extra: Any
) -> Template:
    definition = draft.definition
    return editor(
        "fee_line",
        staff,
        draft,
        values=values,
        line_id=line_id,
        kind_name=KINDS.get(str(values.get("kind")), ""),
        vat_codes=VAT_CODES,
        counted=counted_fields(definition),
        fields=question_choices(definition),
        operators=OPERATOR_CHOICES,
        **extra,
    )


@get("/{slug:str}/fees")
async def fees_page(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], slug: FromPath[str]
) -> Template:
    return _fees(staff, await open_draft(request, staff, slug))


def _fees(staff: StaffMember, draft: FormDraft, outcome: Outcome | None = None) -> Template:
    lines = [
        {**line, "how": KINDS[_kind(fee_spec(line.get("amount")))]}
        for line in _lines(draft.definition)
    ]
    return editor("fees", staff, draft, outcome=outcome, lines=lines, kinds=list(KINDS.items()))


@get("/{slug:str}/fees/new")
async def new_line(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    slug: FromPath[str],
    kind: FromQuery[str] = "fixed",
) -> Template:
    draft = await open_draft(request, staff, slug)
    if kind not in KINDS:
        raise NotFound("Choose the kind of fee line")
    values = {"kind": kind, "vat": "OS", "free": "0", **condition_values(CONDITION, None)}
    values[f"{CONDITION}-mode"] = "builder"
    return _editor(staff, draft, None, values)


@get("/{slug:str}/fees/{line_id:str}")
async def line_page(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    slug: FromPath[str],
    line_id: FromPath[str],
) -> Template:
    draft = await open_draft(request, staff, slug)
    line = _lines(draft.definition)[_index(draft.definition, line_id)]
    return _editor(staff, draft, line_id, line_values(line))


def _back_to_fees(slug: str) -> Redirect:
    """After a saved change to a line: the fees page, with its "saved" banner."""
    return Redirect(f"/studio/forms/{slug}/fees?saved=1", status_code=303)


async def _save_line(
    request: Request[Any, Any, Any],
    staff: StaffMember,
    slug: str,
    line_id: str | None,
    data: dict[str, str],
) -> Template | Redirect:
    outcome = await save_edit(request, staff, slug, data, _apply_line(data, line_id))
    if outcome.saved:
        return _back_to_fees(slug)
    values = posted_values(CONDITION, data)
    return _editor(staff, outcome.draft, line_id, values, outcome=outcome)


@post("/{slug:str}/fees/new")
async def add_line(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    slug: FromPath[str],
    data: FormBody,
) -> Template | Redirect:
    return await _save_line(request, staff, slug, None, data)


@post("/{slug:str}/fees/{line_id:str}")
async def save_line(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    slug: FromPath[str],
    line_id: FromPath[str],
    data: FormBody,
) -> Template | Redirect:
    return await _save_line(request, staff, slug, line_id, data)


def _change_line(line_id: str, direction: str | None) -> Edit:
    """Move the line up or down, or (direction None) delete it."""

    def edit(definition: dict[str, Any]) -> dict[str, str]:
        lines = _lines(definition)
        index = _index(definition, line_id)
        if direction is None:
            lines.pop(index)
            if not lines:
                definition.pop("fees")
        else:
            move(lines, index, direction)
        return {}

    return edit


async def _after_change(
    request: Request[Any, Any, Any], staff: StaffMember, slug: str, data: dict[str, str], edit: Edit
) -> Template | Redirect:
    outcome = await save_edit(request, staff, slug, data, edit)
    if outcome.saved:
        return _back_to_fees(slug)
    return _fees(staff, outcome.draft, outcome)


@post("/{slug:str}/fees/{line_id:str}/move")
async def move_line(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    slug: FromPath[str],
    line_id: FromPath[str],
    data: FormBody,
) -> Template | Redirect:
    edit = _change_line(line_id, "up" if data.get("direction") == "up" else "down")
    return await _after_change(request, staff, slug, data, edit)


@post("/{slug:str}/fees/{line_id:str}/delete")
async def delete_line(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    slug: FromPath[str],
    line_id: FromPath[str],
    data: FormBody,
) -> Template | Redirect:
    return await _after_change(request, staff, slug, data, _change_line(line_id, None))


routes = [fees_page, new_line, line_page, add_line, save_line, move_line, delete_line]
