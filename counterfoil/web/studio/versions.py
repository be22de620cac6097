"""Publishing from the studio and the published versions: publish runs the linter and every test and
refuses with each reason; each version is shown read-only with who published it and when; a diff
between any two versions (or the draft); and republishing an older version as the newest."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlmodel import col, select

from counterfoil.forms import DefinitionReport, definition_diff
from counterfoil.platform import Platform, forms_store
from counterfoil.platform.db.models import FormVersion
from counterfoil.platform.errors import NotFound
from counterfoil.platform.staff import StaffMember
from counterfoil.web.studio._draft import (
    AnyRequest,
    designer,
    form_path,
    in_thread,
    studio_page,
)
from counterfoil.web.studio.testing import report_view

DRAFT = forms_store.DRAFT
LONDON = ZoneInfo("Europe/London")


def _rows(platform: Platform, staff: StaffMember, slug: str) -> list[FormVersion]:
    """The draft (if any) and every published version, oldest first; NotFound for no such form."""
    with platform.session() as session:
        rows = list(
            session.exec(
                select(FormVersion)
                .where(FormVersion.council_id == staff.council_id, FormVersion.slug == slug)
                .order_by(col(FormVersion.version))
            ).all()
        )
    if not rows:
        raise NotFound(f"There is no form {slug!r}")
    return rows


def _publish(
    platform: Platform, staff: StaffMember, slug: str, number: int | None
) -> tuple[FormVersion | None, DefinitionReport, dict[str, Any]]:
    """Publish the draft, or republish version `number`, as `staff`."""
    with platform.session() as session:
        if number is None:
            source = forms_store.version(session, staff.council_id, slug, DRAFT).definition
            row, report = forms_store.publish(session, staff.council_id, source, actor=staff.email)
        else:
            source = forms_store.version(session, staff.council_id, slug, number).definition
            row, report = forms_store.republish(
                session, staff.council_id, slug, number, actor=staff.email
            )
        return row, report, source


@post("/publish")
async def publish_draft(
    request: AnyRequest, slug: FromPath[str], staff: NamedDependency[StaffMember]
) -> Template | Redirect:
    return await _published(request, staff, slug, None)


@post("/versions/{number:int}/republish")
async def republish_version(
    request: AnyRequest,
    slug: FromPath[str],
    number: FromPath[int],
    staff: NamedDependency[StaffMember],
) -> Template | Redirect:
    return await _published(request, staff, slug, number)


async def _published(
    request: AnyRequest, staff: StaffMember, slug: str, number: int | None
) -> Template | Redirect:
    row, report, source = await in_thread(request, _publish, staff, slug, number)
    if row is None:
        return studio_page(
            "studio/versions/refused.html",
            staff,
            status_code=422,
            form=source,
            form_url=form_path(slug),
            republishing=number,
            **report_view(report, source),
        )
    return Redirect(form_path(slug, f"versions?published={row.version}"), status_code=303)


@get("/versions")
async def versions_page(
    request: AnyRequest,
    slug: FromPath[str],
    staff: NamedDependency[StaffMember],
    published: FromQuery[int | None] = None,
) -> Template:
    rows = await in_thread(request, _rows, staff, slug)
    draft = next((r for r in rows if r.version == DRAFT), None)
    versions = [r for r in reversed(rows) if r.version != DRAFT]
    return studio_page(
        "studio/versions/list.html",
        staff,
        form=(draft or rows[-1]).definition,
        form_url=form_path(slug),
        draft=draft and {"revision": draft.revision, "by": draft.updated_by,
                         "at": _when(draft.updated_at)},
        versions=[{"number": r.version, "by": r.updated_by, "at": _when(r.published_at),
                   "newest": i == 0} for i, r in enumerate(versions)],
        choices=_choices(rows),
        published=published if any(r.version == published for r in versions) else None,
    )  # fmt: skip


@get("/versions/{number:int}")
async def version_page(
    request: AnyRequest,
    slug: FromPath[str],
    number: FromPath[int],
    staff: NamedDependency[StaffMember],
) -> Template:
    row = _one(await in_thread(request, _rows, staff, slug), number)
    return studio_page(
        "studio/versions/version.html",
        staff,
        form=row.definition,
        form_url=form_path(slug),
        number=number,
        by=row.updated_by,
        at=_when(row.published_at if number != DRAFT else row.updated_at),
        document=json.dumps(row.definition, indent=2, ensure_ascii=False),
    )


@get("/versions/diff")
async def diff_page(
    request: AnyRequest,
    slug: FromPath[str],
    staff: NamedDependency[StaffMember],
    old: FromQuery[int] = DRAFT,
    new: FromQuery[int] = DRAFT,
) -> Template:
    """The change from version `old` to version `new` (0 is the draft) as a unified diff."""
    rows = await in_thread(request, _rows, staff, slug)
    before, after = _one(rows, old), _one(rows, new)
    lines = definition_diff(
        before.definition, after.definition, before_name=_name(old), after_name=_name(new)
    )
    return studio_page(
        "studio/versions/diff.html",
        staff,
        form=after.definition,
        form_url=form_path(slug),
        choices=_choices(rows),
        old=old,
        new=new,
        old_name=_name(old),
        new_name=_name(new),
        lines=[{"text": line, "kind": _kind(line)} for line in lines],
    )


def _one(rows: list[FormVersion], number: int) -> FormVersion:
    found = next((r for r in rows if r.version == number), None)
    if found is None:
        raise NotFound(f"There is no {_name(number)}")
    return found


def _choices(rows: list[FormVersion]) -> list[dict[str, Any]]:
    return [{"value": r.version, "text": _name(r.version)} for r in rows]


def _name(number: int) -> str:
    return "draft" if number == DRAFT else f"version {number}"


def _kind(line: str) -> str:
    """How a diff line is marked: added, removed, a hunk header, or context."""
    if line.startswith(("+++", "---")):
        return "file"
    return {"+": "added", "-": "removed", "@": "hunk"}.get(line[:1], "context")


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:  # SQLite hands back UTC without its zone
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


versions_router = Router(
    path="/studio/forms/{slug:str}",
    route_handlers=[publish_draft, republish_version, versions_page, version_page, diff_page],
    dependencies={"staff": Provide(designer)},
    include_in_schema=False,
)
