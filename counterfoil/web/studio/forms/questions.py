"""Questions: add, edit, delete and reorder them on a page, or as the item questions of a list
(repeater), with every widget of form-definition.md."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from counterfoil.platform.errors import NotFound
from counterfoil.platform.staff import StaffMember
from counterfoil.web.studio.forms._drafts import (
    Edit,
    FormBody,
    FormDraft,
    editor,
    move,
    open_draft,
    save_edit,
)
from counterfoil.web.studio.forms._question_form import (
    PATTERN_CHOICES,
    WIDGET_NAMES,
    WIDGETS,
    apply_question,
    container,
    error_keywords,
    question_values,
    remove_question,
    widget_of,
)
from counterfoil.web.studio.forms.listing import overview_after
from counterfoil.web.studio.forms.pages import page_index


def _split(path: str) -> tuple[str | None, str]:
    """A question's path ("postcode", or "items.kind" for an item question of a list)."""
    parent, _, name = path.rpartition(".")
    return parent or None, name


def _check(definition: dict[str, Any], parent: str | None, name: str | None) -> None:
    properties = definition["schema"].get("properties", {})
    if parent is not None and (
        parent not in properties or widget_of(definition, None, parent) != "repeater"
    ):
        raise NotFound(f"There is no list question {parent!r}")
    if name is not None and name not in container(definition, parent).get("properties", {}):
        raise NotFound(f"There is no question {name!r}")


def _widget(widget: str | None, parent: str | None) -> str:
    # a list's items are one level deep: no list inside a list
    if widget not in WIDGET_NAMES or (parent is not None and widget == "repeater"):
        raise NotFound("Choose a kind of question")
    return widget


def _kind(
    definition: dict[str, Any], parent: str | None, old_name: str | None, widget: str | None
) -> str:
    """The kind of the question being saved: a new one's as chosen, an existing one's as it is."""
    return _widget(widget, parent) if old_name is None else widget_of(definition, parent, old_name)


def _context(
    draft: FormDraft, parent: str | None, name: str | None, widget: str, action: str
) -> dict[str, Any]:
    definition = draft.definition
    items = []
    if name is not None and parent is None and widget == "repeater":
        node = container(definition, name)
        ui = definition.get("ui", {})
        items = [
            {"name": n, "label": ui.get(f"/{name}/{n}", {}).get("label") or n}
            for n in node.get("properties", {})
        ]
    return {
        "path": name if parent is None else f"{parent}.{name}",
        "parent": parent,
        "widget": widget,
        "widget_name": WIDGET_NAMES[widget],
        "error_keywords": error_keywords(widget),
        "pattern_choices": PATTERN_CHOICES,
        "items": items,
        "item_widgets": [w for w in WIDGETS if w[0] != "repeater"],
        "action": action,
    }


def _render(
    staff: StaffMember,
    draft: FormDraft,
    parent: str | None,
    name: str | None,
    widget: str,
    action: str,
    values: dict[str, str] | None = None,
    **extra: Any,
) -> Template:
    if values is None:
        values = (
            question_values(draft.definition, parent, name)
            if name
            else {"required": "yes", "widget": widget}
        )
    context = _context(draft, parent, name, widget, action)
    return editor("question", staff, draft, values=values, **context, **extra)


def _saved(slug: str, parent: str | None, name: str) -> Redirect:
    if parent is not None:
        return Redirect(
            f"/studio/forms/{slug}/questions/{parent}?saved=1#item-{name}", status_code=303
        )
    return Redirect(f"/studio/forms/{slug}?saved=question#question-{name}", status_code=303)


async def _save(
    request: Request[Any, Any, Any],
    staff: StaffMember,
    slug: str,
    data: dict[str, str],
    action: str,
    *,
    parent: str | None = None,
    old_name: str | None = None,
    page_id: str | None = None,
) -> Template | Redirect:
    """Add a question (old_name None; its kind from the posted "widget") or change one."""
    widget = data.get("widget")

    def edit(definition: dict[str, Any]) -> dict[str, str]:
        _check(definition, parent, old_name)
        if page_id is not None:
            page_index(definition, page_id)
        kind = _kind(definition, parent, old_name, widget)
        return apply_question(
            definition, data, widget=kind, parent=parent, old_name=old_name, page_id=page_id
        )

    outcome = await save_edit(request, staff, slug, data, edit)
    definition = outcome.draft.definition
    if outcome.saved:
        name = old_name and (data.get("name", "").strip() or old_name)
        return _saved(slug, parent, name or _newest(definition, parent, page_id))
    _check(definition, parent, old_name)
    kind = _kind(definition, parent, old_name, widget)
    return _render(
        staff, outcome.draft, parent, old_name, kind, action, values=data, outcome=outcome
    )


def _newest(definition: dict[str, Any], parent: str | None, page_id: str | None) -> str:
    if parent is None and page_id is not None:
        fields = definition["pages"][page_index(definition, page_id)]["fields"]
        return str(fields[-1]).removeprefix("/")
    return str(next(reversed(container(definition, parent)["properties"])))


@get("/{slug:str}/pages/{page_id:str}/questions/new")
async def new_question(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    slug: FromPath[str],
    page_id: FromPath[str],
    widget: FromQuery[str | None] = None,
) -> Template:
    draft = await open_draft(request, staff, slug)
    page_index(draft.definition, page_id)
    action = f"/studio/forms/{slug}/pages/{page_id}/questions/new"
    return _render(staff, draft, None, None, _widget(widget, None), action)


@post("/{slug:str}/pages/{page_id:str}/questions/new")
async def add_question(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    slug: FromPath[str],
    page_id: FromPath[str],
    data: FormBody,
) -> Template | Redirect:
    action = f"/studio/forms/{slug}/pages/{page_id}/questions/new"
    return await _save(request, staff, slug, data, action, page_id=page_id)


@get("/{slug:str}/questions/{parent:str}/items/new")
async def new_item_question(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    slug: FromPath[str],
    parent: FromPath[str],
    widget: FromQuery[str | None] = None,
) -> Template:
    draft = await open_draft(request, staff, slug)
    _check(draft.definition, parent, None)
    action = f"/studio/forms/{slug}/questions/{parent}/items/new"
    return _render(staff, draft, parent, None, _widget(widget, parent), action)


@post("/{slug:str}/questions/{parent:str}/items/new")
async def add_item_question(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    slug: FromPath[str],
    parent: FromPath[str],
    data: FormBody,
) -> Template | Redirect:
    action = f"/studio/forms/{slug}/questions/{parent}/items/new"
    return await _save(request, staff, slug, data, action, parent=parent)


@get("/{slug:str}/questions/{path:str}")
async def question_page(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    slug: FromPath[str],
    path: FromPath[str],
    saved: FromQuery[str | None] = None,
) -> Template:
    draft = await open_draft(request, staff, slug)
    parent, name = _split(path)
    _check(draft.definition, parent, name)
    widget = widget_of(draft.definition, parent, name)
    action = f"/studio/forms/{slug}/questions/{path}"
    return _render(staff, draft, parent, name, widget, action, saved=saved)


@post("/{slug:str}/questions/{path:str}")
async def save_question(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    slug: FromPath[str],
    path: FromPath[str],
    data: FormBody,
) -> Template | Redirect:
    parent, name = _split(path)
    action = f"/studio/forms/{slug}/questions/{path}"
    return await _save(request, staff, slug, data, action, parent=parent, old_name=name)


def _move_question(path: str, direction: str) -> Edit:
    parent, name = _split(path)

    def edit(definition: dict[str, Any]) -> dict[str, str]:
        _check(definition, parent, name)
        if parent is None:
            page = next(p for p in definition["pages"] if f"/{name}" in p.get("fields", []))
            move(page["fields"], page["fields"].index(f"/{name}"), direction)
            return {}
        holder = container(definition, parent)
        order = list(holder["properties"])
        move(order, order.index(name), direction)
        holder["properties"] = {n: holder["properties"][n] for n in order}
        return {}

    return edit


def _delete_question(path: str) -> Edit:
    parent, name = _split(path)

    def edit(definition: dict[str, Any]) -> dict[str, str]:
        _check(definition, parent, name)
        if parent is None and len(definition["schema"]["properties"]) == 1:
            return {"form-problems": "A form needs at least one question"}
        remove_question(definition, parent, name)
        return {}

    return edit


def _anchor(path: str) -> str:
    parent, name = _split(path)
    return f"item-{name}" if parent else f"question-{name}"


@post("/{slug:str}/questions/{path:str}/move")
async def move_question(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    slug: FromPath[str],
    path: FromPath[str],
    data: FormBody,
) -> Template | Redirect:
    edit = _move_question(path, data.get("direction", ""))
    return await overview_after(request, staff, slug, data, edit, _anchor(path))


@post("/{slug:str}/questions/{path:str}/delete")
async def delete_question(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    slug: FromPath[str],
    path: FromPath[str],
    data: FormBody,
) -> Template | Redirect:
    return await overview_after(request, staff, slug, data, _delete_question(path), "form-problems")


routes = [
    new_question,
    add_question,
    new_item_question,
    add_item_question,
    question_page,
    save_question,
    move_question,
    delete_question,
]
