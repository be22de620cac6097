"""Designer API for forms (api.md): drafts, published versions, publishing and quotes."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlmodel import col, select

from counterfoil.forms import DefinitionReport, check_definition
from counterfoil.platform import Platform, forms_store
from counterfoil.platform.auth import Principal
from counterfoil.platform.db.models import FormVersion
from counterfoil.platform.errors import NotFound, PlatformError
from counterfoil.web.api.auth import AUTH, platform_of

DRAFT = 0


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


def _save_draft(platform: Platform, council: str, definition: dict[str, Any]) -> DefinitionReport:
    report = check_definition(definition)
    slug = definition.get("slug") if isinstance(definition, dict) else None
    if not isinstance(slug, str) or any(p.pointer == "/slug" for p in report.problems):
        return report  # nothing to store it under: the report says why
    with platform.session() as session:
        council_row = forms_store.council_by_slug(session, council)
        draft = session.exec(
            select(FormVersion).where(
                FormVersion.council_id == council_row.id,
                FormVersion.slug == slug,
                FormVersion.version == DRAFT,
            )
        ).first()
        if draft is None:
            assert council_row.id is not None
            draft = FormVersion(council_id=council_row.id, slug=slug, version=DRAFT, definition={})
        draft.definition = definition
        session.add(draft)
    return report


@post("/councils/{council:str}/forms", status_code=201)
async def save_draft(
    council: FromPath[str], request: Request[Any, Any, Any], principal: NamedDependency[Principal]
) -> dict[str, Any]:
    principal.require(council, "designer", "admin")
    definition = msgspec.json.decode(await request.body())
    report = await asyncio.to_thread(_save_draft, platform_of(request), council, definition)
    return {
        "slug": definition.get("slug") if isinstance(definition, dict) else None,
        **report_body(report),
    }


def _form(platform: Platform, council: str, slug: str) -> dict[str, Any]:
    with platform.session() as session:
        council_row = forms_store.council_by_slug(session, council)
        rows = session.exec(
            select(FormVersion)
            .where(FormVersion.council_id == council_row.id, FormVersion.slug == slug)
            .order_by(col(FormVersion.version))
        ).all()
    if not rows:
        raise NotFound(f"There is no form {slug!r}")
    draft = next((r for r in rows if r.version == DRAFT), None)
    return {
        "slug": slug,
        "draft": draft.definition if draft else None,
        "versions": [
            {"version": r.version, "published_at": r.published_at, "definition": r.definition}
            for r in rows
            if r.version != DRAFT
        ],
    }


@get("/councils/{council:str}/forms/{slug:str}")
async def read_form(
    council: FromPath[str],
    slug: FromPath[str],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
) -> dict[str, Any]:
    principal.require(council, "designer", "admin")
    return await asyncio.to_thread(_form, platform_of(request), council, slug)


def _publish(platform: Platform, council: str, slug: str) -> dict[str, Any]:
    with platform.session() as session:
        council_row = forms_store.council_by_slug(session, council)
        assert council_row.id is not None
        draft = forms_store.version(session, council_row.id, slug, DRAFT)
        row, report = forms_store.publish(session, council_row.id, draft.definition)
        if row is None:
            raise ReportError(report)
        return {"slug": slug, "version": row.version, **report_body(report)}


@post("/councils/{council:str}/forms/{slug:str}/publish", status_code=201)
async def publish(
    council: FromPath[str],
    slug: FromPath[str],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
) -> dict[str, Any]:
    principal.require(council, "designer", "admin")
    return await asyncio.to_thread(_publish, platform_of(request), council, slug)


def _quote(platform: Platform, council: str, slug: str, answers: Any) -> dict[str, Any]:
    with platform.session() as session:
        council_row = forms_store.council_by_slug(session, council)
        assert council_row.id is not None
        form = forms_store.compiled(forms_store.latest_published(session, council_row.id, slug))
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


forms_router = Router(
    path="/api/v1",
    route_handlers=[save_draft, read_form, publish, quote],
    dependencies=AUTH,
    tags=["forms"],
)
