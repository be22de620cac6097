"""Import (paste or upload) and export of a form's definition JSON, the same JSON the API takes."""

from __future__ import annotations

import json
from typing import Any

import anyio.to_thread
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from counterfoil.forms import DefinitionInvalid, load_definition
from counterfoil.platform.staff import StaffMember
from counterfoil.web.studio.forms._drafts import FormDraft, can_edit, editor, open_draft, save_edit
from counterfoil.web.studio.forms.listing import create_draft


async def _posted(request: Request[Any, Any, Any]) -> tuple[dict[str, str], Any, dict[str, str]]:
    """(the text fields, the definition or None, errors) from a paste or an upload."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    upload = form.get("file")
    text = fields.get("json", "")
    if isinstance(upload, UploadFile) and upload.filename:
        text = (await upload.read()).decode("utf-8", errors="replace")
        fields["json"] = text
    try:
        definition = json.loads(text)
    except json.JSONDecodeError as exc:
        return fields, None, {"json": f"This is not JSON: {exc.msg} at line {exc.lineno}"}
    try:
        load_definition(definition)
    except DefinitionInvalid as exc:
        first = "; ".join(f"{p.pointer or '/'}: {p.message}" for p in exc.problems[:5])
        return fields, None, {"json": f"This is not a form definition: {first}"}
    return fields, definition, {}


def _page(
    staff: StaffMember, draft: FormDraft | None, values: dict[str, str], **extra: Any
) -> Template:
    if draft is None:
        status = 400 if extra.get("errors") else 200
        context = {"staff": staff, "values": values, "errors": {}, "draft": None, **extra}
        return Template("studio/forms/import.html", context=context, status_code=status)
    return editor("import", staff, draft, values=values, **extra)


@get("/import")
async def import_new_page(staff: NamedDependency[StaffMember]) -> Template:
    can_edit(staff)
    return _page(staff, None, {})


@post("/import")
async def import_new(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]
) -> Template | Redirect:
    can_edit(staff)
    fields, definition, errors = await _posted(request)
    if definition is None:
        return _page(staff, None, fields, errors=errors)
    if not await anyio.to_thread.run_sync(create_draft, request, staff, definition):
        taken = {
            "json": f"There is already a form called {definition['slug']!r}: import into it instead"
        }
        return _page(staff, None, fields, errors=taken)
    return Redirect(f"/studio/forms/{definition['slug']}?saved=import", status_code=303)


@get("/{slug:str}/import")
async def import_page(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], slug: FromPath[str]
) -> Template:
    return _page(staff, await open_draft(request, staff, slug), {})


@post("/{slug:str}/import")
async def import_into(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], slug: FromPath[str]
) -> Template | Redirect:
    can_edit(staff)
    fields, definition, errors = await _posted(request)
    if definition is not None and definition.get("slug") != slug:
        errors = {"json": f"This JSON is the form {definition.get('slug')!r}, not {slug!r}"}

    def replace(current: dict[str, Any]) -> dict[str, str]:
        if errors:
            return errors
        current.clear()
        current.update(definition)
        return {}

    outcome = await save_edit(request, staff, slug, fields, replace)
    if outcome.saved:
        return Redirect(f"/studio/forms/{slug}?saved=import", status_code=303)
    return _page(staff, outcome.draft, fields, outcome=outcome)


@get("/{slug:str}/export")
async def export(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], slug: FromPath[str]
) -> Response[bytes]:
    draft = await open_draft(request, staff, slug)
    return Response(
        json.dumps(draft.definition, indent=2, ensure_ascii=False).encode(),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{slug}.json"'},
    )


routes = [import_new_page, import_new, import_page, import_into, export]
