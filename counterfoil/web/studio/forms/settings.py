"""A form's settings: title, description, department, confirmation, payment reference, retention."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from counterfoil.platform.staff import StaffMember
from counterfoil.web.studio.forms._drafts import (
    FormBody,
    departments,
    editor,
    open_draft,
    save_edit,
)

PREFIX = re.compile(r"^[A-Z2-9]{2,5}$")
ROUTE = "__route__"  # the department option that keeps a routing rule


def _values(definition: dict[str, Any]) -> dict[str, str]:
    fulfilment = definition.get("fulfilment", {})
    return {
        "title": definition.get("title", ""),
        "description": definition.get("description", ""),
        "department": fulfilment.get("department") or (ROUTE if "route" in fulfilment else ""),
        "confirmation_title": definition.get("confirmation", {}).get("title", ""),
        "next_steps": definition.get("confirmation", {}).get("next_steps", ""),
        "reference_prefix": definition.get("payment", {}).get("reference_prefix", ""),
        "retention_days": str(definition.get("retention_days", "")),
    }


def _set(holder: dict[str, Any], key: str, value: str) -> None:
    if value:
        holder[key] = value
    else:
        holder.pop(key, None)


def _apply(form: dict[str, str], allowed: set[str]) -> Any:
    def edit(definition: dict[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        title = form.get("title", "").strip()
        if not title or len(title) > 500:
            errors["title"] = "Enter a title of up to 500 characters"
        department = form.get("department", "")
        keeps_route = department == ROUTE and "route" in definition.get("fulfilment", {})
        if department not in allowed and not keeps_route:
            errors["department"] = "Choose the department that receives submissions"
        prefix = form.get("reference_prefix", "").strip().upper()
        if prefix and not PREFIX.match(prefix):
            errors["reference_prefix"] = "Enter 2 to 5 capital letters or digits 2 to 9"
        days = form.get("retention_days", "").strip()
        if days and not (days.isdigit() and 1 <= int(days) <= 36500):
            errors["retention_days"] = "Enter a number of days from 1 to 36500"
        if errors:
            return errors
        definition["title"] = title
        _set(definition, "description", form.get("description", "").strip())
        if not keeps_route:
            definition["fulfilment"] = {"department": department}
        for key, holder_key, field in (
            ("confirmation", "title", "confirmation_title"),
            ("confirmation", "next_steps", "next_steps"),
            ("payment", "reference_prefix", "reference_prefix"),
        ):
            holder = definition.setdefault(key, {})
            _set(
                holder,
                holder_key,
                prefix if field == "reference_prefix" else form.get(field, "").strip(),
            )
            if not holder:
                definition.pop(key)
        if days:
            definition["retention_days"] = int(days)
        else:
            definition.pop("retention_days", None)
        return {}

    return edit


def _choices(depts: list[Any], definition: dict[str, Any]) -> list[tuple[str, str]]:
    choices = [(d.slug, d.name) for d in depts]
    if "route" in definition.get("fulfilment", {}):
        choices.append((ROUTE, "Chosen by the form's routing rule"))
    return choices


@get("/{slug:str}/settings")
async def settings_page(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], slug: FromPath[str]
) -> Template:
    draft = await open_draft(request, staff, slug)
    depts = await departments(request, staff)
    return editor(
        "settings",
        staff,
        draft,
        values=_values(draft.definition),
        departments=_choices(depts, draft.definition),
    )


@post("/{slug:str}/settings")
async def save_settings(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    slug: FromPath[str],
    data: FormBody,
) -> Template | Redirect:
    depts = await departments(request, staff)
    outcome = await save_edit(request, staff, slug, data, _apply(data, {d.slug for d in depts}))
    if outcome.saved:
        return Redirect(f"/studio/forms/{slug}?saved=settings#settings", status_code=303)
    return editor(
        "settings", staff, outcome.draft, values=data, outcome=outcome,
        departments=_choices(depts, outcome.draft.definition),
    )  # fmt: skip


routes = [settings_page, save_settings]
