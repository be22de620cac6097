"""Loading a form's draft for an editor and saving an edit to it: every save names the revision
the editor loaded, so a save made on top of someone else's is refused, never silently lost."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import anyio.to_thread
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template
from sqlmodel import Session, col, select

from counterfoil.forms import check_definition
from counterfoil.forms.builder import place_requirements, required_fields
from counterfoil.platform import forms_store
from counterfoil.platform.db.models import Department, FormVersion
from counterfoil.platform.errors import NotFound
from counterfoil.platform.staff import StaffMember
from counterfoil.web.api.auth import platform_of
from counterfoil.web.studio.auth import require
from counterfoil.web.studio.forms._problems import Places, places_of

AnyRequest = Request[Any, Any, Any]
FormBody = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
UK_TIME = ZoneInfo("Europe/London")
# An edit: changes the definition in place and returns what is wrong with the designer's input
# (input id -> message); with any, nothing is saved.
Edit = Callable[[dict[str, Any]], dict[str, str]]


@dataclass
class FormDraft:
    """A form as an editor sees it: the draft, or the newest published version (revision 0)."""

    slug: str
    definition: dict[str, Any]
    revision: int
    updated_by: str | None = None
    updated_at: datetime | None = None
    places: Places = field(default_factory=Places)


@dataclass
class Outcome:
    draft: FormDraft  # after the save, or as it stands when nothing was saved
    errors: dict[str, str] = field(default_factory=dict)
    conflict: str | None = None

    @property
    def saved(self) -> bool:
        return not self.errors and self.conflict is None


def can_edit(staff: StaffMember) -> None:
    require(staff, "designer", "admin")


def _row(session: Session, council_id: int, slug: str) -> FormVersion:
    row = forms_store.draft(session, council_id, slug)
    if row is None:
        try:
            row = forms_store.latest_published(session, council_id, slug)
        except NotFound:
            raise NotFound(f"There is no form {slug!r}") from None
    return row


def _draft(row: FormVersion) -> FormDraft:
    definition = copy.deepcopy(row.definition)
    is_draft = row.version == forms_store.DRAFT
    return FormDraft(
        row.slug,
        definition,
        row.revision if is_draft else 0,
        row.updated_by,
        row.updated_at,
        places_of(definition, check_definition(definition).problems),
    )


def load_draft(request: AnyRequest, staff: StaffMember, slug: str) -> FormDraft:
    with platform_of(request).session() as session:
        return _draft(_row(session, staff.council_id, slug))


def saved_at(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC"))
    return f"{aware.astimezone(UK_TIME):%H:%M}"


def _save(request: AnyRequest, staff: StaffMember, slug: str, revision: int, edit: Edit) -> Outcome:
    with platform_of(request).session() as session:
        row = _row(session, staff.council_id, slug)
        current = row.revision if row.version == forms_store.DRAFT else 0
        if current != revision:
            return Outcome(_draft(row), conflict=conflict_message(row))
        definition = copy.deepcopy(row.definition)
        errors = edit(definition)
        if errors:
            return Outcome(_draft(row), errors=errors)
        # an edit may give a page with required fields a condition, or take it away
        place_requirements(definition, required_fields(definition) & _fields(definition))
        try:
            saved = forms_store.save_draft(
                session, staff.council_id, definition, actor=staff.email, expected_revision=revision
            )
        except forms_store.DraftConflict as exc:
            session.rollback()
            return Outcome(_draft(exc.current), conflict=conflict_message(exc.current))
        return Outcome(_draft(saved))


def _fields(definition: dict[str, Any]) -> set[str]:
    return set(definition.get("schema", {}).get("properties", {}))


def conflict_message(row: FormVersion) -> str:
    who = row.updated_by or "Someone else"
    return (
        f"{who} saved this form at {saved_at(row.updated_at)} after you opened it. Your changes "
        "below were not saved. Check the latest version, then save again to apply them to it."
    )


async def save_edit(
    request: AnyRequest, staff: StaffMember, slug: str, form: Mapping[str, str], edit: Edit
) -> Outcome:
    """Apply `edit` to the draft at the revision named by the posted `form`'s hidden field."""
    can_edit(staff)
    revision = _posted_revision(form)
    return await anyio.to_thread.run_sync(_save, request, staff, slug, revision, edit)


def _posted_revision(form: Mapping[str, str]) -> int:
    value = form.get("revision", "")
    return int(value) if value.isdigit() else -1


async def open_draft(request: AnyRequest, staff: StaffMember, slug: str) -> FormDraft:
    can_edit(staff)
    return await anyio.to_thread.run_sync(load_draft, request, staff, slug)


def _departments(request: AnyRequest, council_id: int) -> list[Department]:
    with platform_of(request).session() as session:
        rows = session.exec(
            select(Department)
            .where(Department.council_id == council_id)
            .order_by(col(Department.name), col(Department.id))
        ).all()
        return list(rows)


async def departments(request: AnyRequest, staff: StaffMember) -> list[Department]:
    return await anyio.to_thread.run_sync(_departments, request, staff.council_id)


def editor(
    name: str,
    staff: StaffMember,
    draft: FormDraft,
    *,
    values: dict[str, Any] | None = None,
    outcome: Outcome | None = None,
    **context: Any,
) -> Template:
    """An editor page: 400 with the designer's values when they need fixing, 409 on a conflict
    (their values kept, the hidden revision now the latest, so saving again applies them)."""
    status = 200
    errors: dict[str, str] = {}
    conflict = None
    if outcome is not None:
        draft, errors, conflict = outcome.draft, outcome.errors, outcome.conflict
        status = 409 if conflict else 400
    return Template(
        f"studio/forms/{name}.html",
        context={
            "staff": staff,
            "draft": draft,
            "definition": draft.definition,
            "form_slug": draft.slug,
            "draft_revision": draft.revision,
            "values": values or {},
            "errors": errors,
            "conflict": conflict,
            **context,
        },
        status_code=status,
    )


def move(items: list[Any], index: int, direction: str) -> None:
    """Swap an item with its neighbour above ("up") or below; at either end, nothing moves."""
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
