"""A form's pages: add, rename, reorder, delete, and a page's condition (builder or JSON Logic)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from counterfoil.forms.builder import field_name
from counterfoil.platform.errors import NotFound
from counterfoil.platform.staff import StaffMember
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
    editor,
    move,
    open_draft,
    save_edit,
)
from counterfoil.web.studio.forms._question_form import remove_question
from counterfoil.web.studio.forms.listing import overview_after, overview_template

WHEN = "when"


def page_index(definition: dict[str, Any], page_id: str) -> int:
    for i, page in enumerate(definition.get("pages", [])):
        if page.get("id") == page_id:
            return i
    raise NotFound(f"There is no page {page_id!r} in this form")


def _done(slug: str, page_id: str) -> Redirect:
    return Redirect(f"/studio/forms/{slug}?saved=page#page-{page_id}", status_code=303)


@post("/{slug:str}/pages")
async def add_page(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    slug: FromPath[str],
    data: FormBody,
) -> Template | Redirect:
    title = data.get("page_title", "").strip()
    added: list[str] = []

    def edit(definition: dict[str, Any]) -> dict[str, str]:
        if not title or len(title) > 500:
            return {"page_title": "Enter a page title of up to 500 characters"}
        taken = {p.get("id", "") for p in definition["pages"]}
        page_id = field_name(title, taken).replace("_", "-")
        definition["pages"].append({"id": page_id, "title": title, "fields": []})
        added.append(page_id)
        return {}

    outcome = await save_edit(request, staff, slug, data, edit)
    if outcome.saved:
        return Redirect(f"/studio/forms/{slug}/pages/{added[0]}", status_code=303)
    return overview_template(staff, outcome.draft, outcome=outcome, values=data)


def _page_editor(draft: FormDraft, page_id: str, values: dict[str, Any] | None) -> dict[str, Any]:
    definition = draft.definition
    index = page_index(definition, page_id)
    page = definition["pages"][index]
    if values is None:
        values = {"title": page.get("title", ""), "description": page.get("description", "")}
        values.update(condition_values(WHEN, page.get("when")))
    return {
        "page": page,
        "values": values,
        "fields": question_choices(definition, index),
        "operators": OPERATOR_CHOICES,
    }


@get("/{slug:str}/pages/{page_id:str}")
async def page_page(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    slug: FromPath[str],
    page_id: FromPath[str],
) -> Template:
    draft = await open_draft(request, staff, slug)
    return editor("page", staff, draft, **_page_editor(draft, page_id, None))


@post("/{slug:str}/pages/{page_id:str}")
async def save_page(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    slug: FromPath[str],
    page_id: FromPath[str],
    data: FormBody,
) -> Template | Redirect:
    def edit(definition: dict[str, Any]) -> dict[str, str]:
        index = page_index(definition, page_id)
        errors: dict[str, str] = {}
        title = data.get("title", "").strip()
        if not title or len(title) > 500:
            errors["title"] = "Enter a page title of up to 500 characters"
        fields = question_choices(definition, index)
        rule, condition_errors = condition_from_form(WHEN, data, definition["schema"], fields)
        errors.update(condition_errors)
        if errors:
            return errors
        page = definition["pages"][index]
        page["title"] = title
        page.pop("description", None)
        page.pop(WHEN, None)
        if data.get("description", "").strip():
            page["description"] = data["description"].strip()
        if rule is not None:
            page[WHEN] = rule
        return {}

    outcome = await save_edit(request, staff, slug, data, edit)
    if outcome.saved:
        return _done(slug, page_id)
    context = _page_editor(outcome.draft, page_id, posted_values(WHEN, data))
    return editor("page", staff, outcome.draft, outcome=outcome, **context)


def _move_page(page_id: str, direction: str) -> Edit:
    def edit(definition: dict[str, Any]) -> dict[str, str]:
        move(definition["pages"], page_index(definition, page_id), direction)
        return {}

    return edit


def _delete_page(page_id: str) -> Edit:
    def edit(definition: dict[str, Any]) -> dict[str, str]:
        index = page_index(definition, page_id)
        if len(definition["pages"]) == 1:
            return {"page": "A form needs at least one page"}
        page = definition["pages"].pop(index)
        for pointer in page.get("fields", []):
            remove_question(definition, None, pointer.removeprefix("/"))
        if not definition["schema"]["properties"]:
            return {"page": "A form needs at least one question: add one to another page first"}
        return {}

    return edit


@post("/{slug:str}/pages/{page_id:str}/move")
async def move_page(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    slug: FromPath[str],
    page_id: FromPath[str],
    data: FormBody,
) -> Template | Redirect:
    edit = _move_page(page_id, data.get("direction", ""))
    return await overview_after(request, staff, slug, data, edit, f"page-{page_id}")


@post("/{slug:str}/pages/{page_id:str}/delete")
async def delete_page(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    slug: FromPath[str],
    page_id: FromPath[str],
    data: FormBody,
) -> Template | Redirect:
    return await overview_after(request, staff, slug, data, _delete_page(page_id), "form-problems")


routes = [add_page, page_page, save_page, move_page, delete_page]
