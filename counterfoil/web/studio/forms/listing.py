"""The council's forms list, creating a form (from blank or a demo form), and its overview."""

from __future__ import annotations

import copy
import re
from typing import Any

import anyio.to_thread
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlmodel import col, select

from counterfoil.platform import forms_store
from counterfoil.platform.db.models import FormVersion
from counterfoil.platform.seed import demo_definitions
from counterfoil.platform.staff import StaffMember
from counterfoil.web.api.auth import platform_of
from counterfoil.web.studio.forms._drafts import (
    AnyRequest,
    Edit,
    FormBody,
    FormDraft,
    Outcome,
    can_edit,
    departments,
    editor,
    open_draft,
    save_edit,
    saved_at,
)
from counterfoil.web.studio.forms._question_form import WIDGETS, widget_of

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _forms(request: AnyRequest, council_id: int) -> list[dict[str, Any]]:
    with platform_of(request).session() as session:
        rows = session.exec(
            select(FormVersion)
            .where(FormVersion.council_id == council_id)
            .order_by(col(FormVersion.slug), col(FormVersion.version))
        ).all()
        forms: dict[str, dict[str, Any]] = {}
        for row in rows:
            entry = forms.setdefault(row.slug, {"slug": row.slug, "draft": None, "published": []})
            if row.version == forms_store.DRAFT:
                entry["draft"] = row
            else:
                entry["published"].append(row.version)
            entry["title"] = row.definition.get("title", row.slug)
        for entry in forms.values():
            changes = forms_store.history(session, council_id, entry["slug"])
            entry["last"] = changes[0] if changes else None
            entry["last_at"] = saved_at(changes[0].at) if changes else None
        return sorted(forms.values(), key=lambda f: str(f["title"]).lower())


@get("/")
async def forms_list(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]
) -> Template:
    forms = await anyio.to_thread.run_sync(_forms, request, staff.council_id)
    return Template("studio/forms/list.html", context={"staff": staff, "forms": forms})


def _demos() -> list[tuple[str, str]]:
    return [(str(d["slug"]), str(d["title"])) for d in demo_definitions()]


def _new_page(staff: StaffMember, values: dict[str, str], errors: dict[str, str]) -> Template:
    return Template(
        "studio/forms/new.html",
        context={"staff": staff, "values": values, "errors": errors, "demos": _demos()},
        status_code=400 if errors else 200,
    )


@get("/new")
async def new_form(staff: NamedDependency[StaffMember]) -> Template:
    can_edit(staff)
    return _new_page(staff, {"source": "blank"}, {})


def blank_definition(slug: str, title: str, department: str) -> dict[str, Any]:
    """The smallest form that passes lint: one page asking one question."""
    return {
        "slug": slug,
        "title": title,
        "schema": {
            "$schema": SCHEMA_DIALECT,
            "type": "object",
            "properties": {"first_question": {"type": "string", "maxLength": 500}},
            "required": ["first_question"],
            "additionalProperties": False,
        },
        "pages": [{"id": "first-page", "title": title, "fields": ["/first_question"]}],
        "ui": {"/first_question": {"widget": "text", "label": "First question"}},
        "fulfilment": {"department": department},
    }


def create_draft(request: AnyRequest, staff: StaffMember, definition: dict[str, Any]) -> bool:
    """Store a new form's first draft; False when the council already has a form of its slug."""
    with platform_of(request).session() as session:
        slug = str(definition["slug"])
        taken = session.exec(
            select(FormVersion).where(
                FormVersion.council_id == staff.council_id, FormVersion.slug == slug
            )
        ).first()
        if taken is not None:
            return False
        forms_store.save_draft(session, staff.council_id, definition, actor=staff.email)
        return True


@post("/new")
async def create_form(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], data: FormBody
) -> Template | Redirect:
    can_edit(staff)
    source, slug, title = (
        data.get("source", ""),
        data.get("slug", "").strip(),
        data.get("title", "").strip(),
    )
    errors: dict[str, str] = {}
    demos = {str(d["slug"]): d for d in demo_definitions()}
    if source not in demos and source != "blank":
        errors["source"] = "Choose how to start the form"
    if not SLUG.match(slug):
        errors["slug"] = "Enter a web address name of 2 to 63 characters: a-z, 0-9 and hyphens"
    if source == "blank" and not title:
        errors["title"] = "Enter the form's title"
    depts = await departments(request, staff)
    if source == "blank" and not depts:
        errors["source"] = "Add a department before creating a form"
    if errors:
        return _new_page(staff, data, errors)
    if source == "blank":
        definition = blank_definition(slug, title, depts[0].slug)
    else:
        definition = {**copy.deepcopy(demos[source]), "slug": slug}
        if title:
            definition["title"] = title
    if not await anyio.to_thread.run_sync(create_draft, request, staff, definition):
        return _new_page(staff, data, {"slug": f"There is already a form called {slug!r}"})
    return Redirect(f"/studio/forms/{slug}", status_code=303)


def overview_template(
    staff: StaffMember,
    draft: FormDraft,
    *,
    outcome: Outcome | None = None,
    values: dict[str, str] | None = None,
    saved: str | None = None,
) -> Template:
    """The form's overview: its pages and questions, each with its problems beside it."""
    definition = draft.definition
    ui = definition.get("ui", {})
    properties = definition["schema"].get("properties", {})
    pages = []
    for page in definition.get("pages", []):
        questions = []
        for pointer in page.get("fields", []):
            name = pointer.removeprefix("/")
            questions.append(
                {
                    "name": name,
                    "label": ui.get(pointer, {}).get("label") or name,
                    "widget": widget_of(definition, None, name) if name in properties else "?",
                }
            )
        pages.append({"page": page, "questions": questions})
    return editor(
        "overview",
        staff,
        draft,
        values=values,
        outcome=outcome,
        pages=pages,
        saved=saved,
        widgets=WIDGETS,
        updated_at=saved_at(draft.updated_at) if draft.updated_at else None,
    )


@get("/{slug:str}")
async def form_overview(
    staff: NamedDependency[StaffMember],
    request: Request[Any, Any, Any],
    slug: FromPath[str],
    saved: FromQuery[str | None] = None,
) -> Template:
    draft = await open_draft(request, staff, slug)
    return overview_template(staff, draft, saved=saved)


async def overview_after(
    request: AnyRequest,
    staff: StaffMember,
    slug: str,
    data: dict[str, str],
    edit: Edit,
    anchor: str,
) -> Template | Redirect:
    """After a button on the overview (add, move, delete): back to it, or to its message."""
    outcome = await save_edit(request, staff, slug, data, edit)
    if outcome.saved:
        return Redirect(f"/studio/forms/{slug}?saved=1#{anchor}", status_code=303)
    return overview_template(staff, outcome.draft, outcome=outcome, values=data)


routes = [forms_list, new_form, create_form, form_overview]
