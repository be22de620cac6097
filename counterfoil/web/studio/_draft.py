"""What the studio's preview, tests and versions pages share: the designer dependency, database
calls off the event loop, the form's draft, and saving a changed copy of it without overwriting."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import quote

import anyio.to_thread
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template

from counterfoil.platform import Platform, forms_store
from counterfoil.platform.staff import StaffMember
from counterfoil.web.api.auth import platform_of
from counterfoil.web.studio.auth import require, staff_member

P = ParamSpec("P")
T = TypeVar("T")
AnyRequest = Request[Any, Any, Any]
FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


async def designer(request: AnyRequest) -> StaffMember:
    """Dependency: the signed-in member, who must be a designer or an admin (else 403)."""
    member = await staff_member(request)
    require(member, "designer", "admin")
    return member


async def in_thread(
    request: AnyRequest,
    call: Callable[Concatenate[Platform, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """`call(platform, ...)`: a blocking database call, run off the event loop."""
    return await anyio.to_thread.run_sync(partial(call, platform_of(request), *args, **kwargs))


def form_path(slug: str, *rest: str) -> str:
    return "/".join([f"/studio/forms/{quote(slug)}", *rest])


def studio_page(
    template: str, staff: StaffMember, status_code: int = 200, **context: Any
) -> Template:
    return Template(template, context={"staff": staff, **context}, status_code=status_code)


def read_draft(platform: Platform, staff: StaffMember, slug: str) -> tuple[dict[str, Any], int]:
    """The draft's definition and revision; NotFound when this council's form has no draft."""
    with platform.session() as session:
        row = forms_store.version(session, staff.council_id, slug, forms_store.DRAFT)
        return row.definition, row.revision


def change_draft(
    platform: Platform,
    staff: StaffMember,
    slug: str,
    revision: int,
    change: Callable[[dict[str, Any]], None],
) -> int:
    """Apply `change` to a copy of the draft and save it as `staff`, refused (DraftConflict) when
    the draft is no longer at `revision`; the new revision."""
    with platform.session() as session:
        row = forms_store.version(session, staff.council_id, slug, forms_store.DRAFT)
        definition = dict(row.definition)
        change(definition)
        saved = forms_store.save_draft(
            session, staff.council_id, definition, actor=staff.email, expected_revision=revision
        )
        return saved.revision
