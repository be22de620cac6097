"""Designer API for forms (api.md): drafts, published versions, publishing and quotes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar

import msgspec
from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter
from sqlmodel import Session, col, select

from counterfoil.forms import DefinitionReport, check_definition, definition_diff
from counterfoil.platform import Platform, forms_store
from counterfoil.platform.auth import Principal
from counterfoil.platform.db.models import FormVersion
from counterfoil.platform.errors import InvalidRequest, NotFound, PlatformError
from counterfoil.web.api.auth import AUTH, platform_of

DRAFT = forms_store.DRAFT
# Version numbers are database integers: a larger one is a 400, not an overflow deeper down.
MAX_VERSION = 2**31 - 1
P = ParamSpec("P")
T = TypeVar("T")


class ReportError(PlatformError):
    """A definition refused at publish: 422 with every problem and failing test."""

    status = 422

    def __init__(self, report: DefinitionReport) -> None:
        failures = [
            (f"/tests/{i}", f"test {r.name!r}: {'; '.join(r.failures)}")
            for i, r in enumerate(report.results)
            if not r.passed
        ]
        super().__init__(
            "The form cannot be published",
            [(p.pointer, p.message) for p in report.problems] + failures,
        )


def report_body(report: DefinitionReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "problems": [{"pointer": p.pointer, "message": p.message} for p in report.problems],
        "tests": [
            {"name": r.name, "passed": r.passed, "failures": r.failures} for r in report.results
        ],
    }


async def _as_designer(
    request: Request[Any, Any, Any],
    principal: Principal,
    council: str,
    call: Callable[Concatenate[Platform, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """`call(platform, ...)` off the event loop, for a designer or admin of `council` only."""
    principal.require(council, "designer", "admin")
    return await asyncio.to_thread(call, platform_of(request), *args, **kwargs)


def _council_id(session: Session, council: str) -> int:
    council_row = forms_store.council_by_slug(session, council)
    assert council_row.id is not None
    return council_row.id


def _versions(
    platform: Platform, principal: Principal, slug: str, *numbers: int
) -> list[FormVersion]:
    """The principal's council's versions of a form (DRAFT for the draft), read in one session."""
    with platform.session() as session:
        return [forms_store.version(session, principal.council_id, slug, n) for n in numbers]


def _published(
    slug: str, row: FormVersion | None, report: DefinitionReport, **extra: Any
) -> dict[str, Any]:
    """The answer to a publish: the new version, or ReportError when the checks refused it."""
    if row is None:
        raise ReportError(report)
    return {"slug": slug, "version": row.version, **extra, **report_body(report)}


def _save_draft(
    platform: Platform, principal: Principal, definition: Any, expected: int | None
) -> tuple[DefinitionReport, int | None]:
    report = check_definition(definition)
    slug = definition.get("slug") if isinstance(definition, dict) else None
    if not isinstance(slug, str) or any(p.pointer == "/slug" for p in report.problems):
        return report, None  # nothing to store it under: the report says why
    with platform.session() as session:
        row = forms_store.save_draft(
            session,
            principal.council_id,
            definition,
            actor=principal.actor,
            expected_revision=expected,
        )
        return report, row.revision


def _expected_revision(request: Request[Any, Any, Any]) -> int | None:
    """The draft revision named by `If-Match` (as returned by the last save or read), if any."""
    given = request.headers.get("if-match", "").strip().strip('"')
    if not given:
        return None
    if not given.isdigit():
        raise InvalidRequest("If-Match must be the draft's revision number")
    return int(given)


@post("/councils/{council:str}/forms", status_code=201)
async def save_draft(
    council: FromPath[str], request: Request[Any, Any, Any], principal: NamedDependency[Principal]
) -> dict[str, Any]:
    """Create or replace a form's draft. Send `If-Match: <revision>` to be refused (409) rather
    than overwrite a draft someone else saved since you read it. Tests are part of the draft:
    adding, changing or deleting a test case (what the studio's "Save these answers as a test"
    does) is a save of the whole definition with its changed `tests`."""
    principal.require(council, "designer", "admin")
    definition = msgspec.json.decode(await request.body())
    report, revision = await asyncio.to_thread(
        _save_draft, platform_of(request), principal, definition, _expected_revision(request)
    )
    return {
        "slug": definition.get("slug") if isinstance(definition, dict) else None,
        "revision": revision,
        **report_body(report),
    }


def _form(platform: Platform, council: str, slug: str) -> dict[str, Any]:
    with platform.session() as session:
        council_id = _council_id(session, council)
        rows = session.exec(
            select(FormVersion)
            .where(FormVersion.council_id == council_id, FormVersion.slug == slug)
            .order_by(col(FormVersion.version))
        ).all()
        changes = forms_store.history(session, council_id, slug)
    if not rows:
        raise NotFound(f"There is no form {slug!r}")
    draft = next((r for r in rows if r.version == DRAFT), None)
    return {
        "slug": slug,
        "draft": draft.definition if draft else None,
        "revision": draft.revision if draft else None,
        "versions": [
            {
                "version": r.version,
                "published_at": r.published_at,
                "published_by": r.updated_by,
                "definition": r.definition,
            }
            for r in rows
            if r.version != DRAFT
        ],
        "history": [
            {"at": c.at, "actor": c.actor, "action": c.action, "detail": c.detail} for c in changes
        ],
    }


@get("/councils/{council:str}/forms/{slug:str}")
async def read_form(
    council: FromPath[str],
    slug: FromPath[str],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
) -> dict[str, Any]:
    return await _as_designer(request, principal, council, _form, council, slug)


def _publish(platform: Platform, principal: Principal, slug: str) -> dict[str, Any]:
    with platform.session() as session:
        draft = forms_store.version(session, principal.council_id, slug, DRAFT)
        row, report = forms_store.publish(
            session, principal.council_id, draft.definition, actor=principal.actor
        )
        return _published(slug, row, report)


@post("/councils/{council:str}/forms/{slug:str}/publish", status_code=201)
async def publish(
    council: FromPath[str],
    slug: FromPath[str],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
) -> dict[str, Any]:
    """Lint the draft and run its tests; publish it as a new version, or 422 with every problem."""
    return await _as_designer(request, principal, council, _publish, principal, slug)


def _republish(platform: Platform, principal: Principal, slug: str, number: int) -> dict[str, Any]:
    with platform.session() as session:
        row, report = forms_store.republish(
            session, principal.council_id, slug, number, actor=principal.actor
        )
        return _published(slug, row, report, republished=number)


@post("/councils/{council:str}/forms/{slug:str}/versions/{number:int}/republish", status_code=201)
async def republish(
    council: FromPath[str],
    slug: FromPath[str],
    number: Annotated[int, PathParameter(ge=0, le=MAX_VERSION)],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
) -> dict[str, Any]:
    """Make an older version the newest (a new version with its definition, checked again)."""
    return await _as_designer(request, principal, council, _republish, principal, slug, number)


def _check(platform: Platform, principal: Principal, slug: str) -> dict[str, Any]:
    (draft,) = _versions(platform, principal, slug, DRAFT)
    return report_body(check_definition(draft.definition))


@post("/councils/{council:str}/forms/{slug:str}/check", status_code=200)
async def check(
    council: FromPath[str],
    slug: FromPath[str],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
) -> dict[str, Any]:
    """Lint the draft and run its tests without publishing."""
    return await _as_designer(request, principal, council, _check, principal, slug)


def _diff(platform: Platform, principal: Principal, slug: str, old: int, new: int) -> list[str]:
    before, after = _versions(platform, principal, slug, old, new)
    name = {DRAFT: "draft"}
    return definition_diff(
        before.definition,
        after.definition,
        before_name=name.get(old, f"version {old}"),
        after_name=name.get(new, f"version {new}"),
    )


@get("/councils/{council:str}/forms/{slug:str}/diff")
async def diff(
    council: FromPath[str],
    slug: FromPath[str],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    old: Annotated[int, QueryParameter(ge=0, le=MAX_VERSION)] = DRAFT,
    new: Annotated[int, QueryParameter(ge=0, le=MAX_VERSION)] = DRAFT,
) -> dict[str, Any]:
    """The unified diff between two versions (0 is the draft): `?old=1&new=2`."""
    lines = await _as_designer(request, principal, council, _diff, principal, slug, old, new)
    return {"slug": slug, "old": old, "new": new, "diff": lines}


def _quote(
    platform: Platform, council: str, slug: str, answers: Any, *, draft: bool = False
) -> dict[str, Any]:
    with platform.session() as session:
        council_id = _council_id(session, council)
        if draft:
            row = forms_store.version(session, council_id, slug, DRAFT)
        else:
            row = forms_store.latest_published(session, council_id, slug)
        form = forms_store.compiled(row)
    quote = form.quote(answers if isinstance(answers, dict) else {})
    return {
        "valid": quote.valid,
        "errors": [{"pointer": e.pointer, "message": e.message} for e in quote.errors],
        "lines": [msgspec.to_builtins(line) for line in quote.lines],
        "total": quote.total,
    }


class Answers(msgspec.Struct):
    answers: dict[str, Any]


@post("/councils/{council:str}/forms/{slug:str}/quote", status_code=200)
async def quote(
    council: FromPath[str],
    slug: FromPath[str],
    data: JSONBody[Answers],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
) -> dict[str, Any]:
    principal.require(council)
    return await asyncio.to_thread(_quote, platform_of(request), council, slug, data.answers)


@post("/councils/{council:str}/forms/{slug:str}/draft/quote", status_code=200)
async def quote_draft(
    council: FromPath[str],
    slug: FromPath[str],
    data: JSONBody[Answers],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
) -> dict[str, Any]:
    """The quote of the draft, as the studio's preview and fee panel show it (nothing is made)."""
    return await _as_designer(
        request, principal, council, _quote, council, slug, data.answers, draft=True
    )


forms_router = Router(
    path="/api/v1",
    route_handlers=[save_draft, read_form, publish, republish, check, diff, quote, quote_draft],
    dependencies=AUTH,
    tags=["forms"],
)
