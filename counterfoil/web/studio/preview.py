"""Trying a draft before it goes live. The preview runs the resident pages themselves on the draft
(marked as a preview, its answers apart from any live journey) and ends in the answers and the quote
instead of a submission, which can be saved as a test; the fee panel quotes answers typed in."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from counterfoil.forms import CompiledForm, Quote, RouteError, answers_from_form, form_values
from counterfoil.platform import forms_store
from counterfoil.platform.errors import Conflict, InvalidRequest
from counterfoil.platform.staff import StaffMember
from counterfoil.rules import FeeError, format_pence
from counterfoil.web.resident import (
    FormSite,
    Journey,
    PageFields,
    answer_rows,
    apply_row_buttons,
    error_summary,
    fee_lines,
    finished_journey,
    form_post,
    load_draft,
    repeaters,
    save_answer,
    show_check_answers,
    show_question,
    show_start,
)
from counterfoil.web.studio._draft import (
    AnyRequest,
    FormData,
    change_draft,
    designer,
    form_path,
    in_thread,
    read_draft,
    studio_page,
)
from counterfoil.web.studio.testing import (
    FeeLineChoice,
    check_name,
    expectation_fields,
    expectation_from_form,
    fee_line_choices,
    field_errors,
)

# The draft revision each preview started from, by journey key: a test saved from the preview is
# saved onto that revision or refused, never onto a draft that changed under it.
_STARTED = "studio_previews"


async def _preview(request: AnyRequest, staff: StaffMember, slug: str) -> FormSite:
    council, revision, form = await in_thread(request, load_draft, staff.council_id, slug)
    site = FormSite(
        council=council,
        form=form,
        base_url=form_path(slug, "preview/"),
        journey_key=f"studio-preview/{staff.council_slug}/{slug}",
        frame={"layout": "studio/preview/frame.html", "staff": staff, "form_url": form_path(slug)},
        takes_payment=False,
    )
    if site.journey(request) is None:
        _pin(request, site, revision)
    return site


def _pin(request: AnyRequest, site: FormSite, revision: int) -> None:
    session = dict(request.session or {})
    session[_STARTED] = {**(session.get(_STARTED) or {}), site.journey_key: revision}
    request.set_session(session)


def _pinned(request: AnyRequest, site: FormSite) -> int | None:
    started = (request.session or {}).get(_STARTED) or {}
    revision = started.get(site.journey_key)
    return revision if isinstance(revision, int) else None


@get("/preview/")
async def preview_start(
    request: AnyRequest,
    slug: FromPath[str],
    staff: NamedDependency[StaffMember],
    restart: FromQuery[str | None] = None,
) -> Template:
    site = await _preview(request, staff, slug)
    if restart:  # a new preview: no answers, and the draft as it is now
        site.save(request, Journey())
        _, revision = await in_thread(request, read_draft, staff, slug)
        _pin(request, site, revision)
    return show_start(request, site)


@get("/preview/check-answers")
async def preview_check_answers(
    request: AnyRequest, slug: FromPath[str], staff: NamedDependency[StaffMember]
) -> Template | Redirect:
    site = await _preview(request, staff, slug)
    try:
        return show_check_answers(request, site)
    except FeeError as exc:  # the draft's own bug: say so instead of a server error
        raise Conflict(f"The fee cannot be worked out for these answers: {exc}") from exc


@post("/preview/check-answers")
async def preview_submit(
    request: AnyRequest, slug: FromPath[str], staff: NamedDependency[StaffMember]
) -> Template | Redirect:
    """ "Submit" in a preview stores nothing, starts nothing and takes no payment."""
    journey = finished_journey(request, await _preview(request, staff, slug))
    if not isinstance(journey, Journey):
        return journey
    return Redirect(form_path(slug, "preview-result"), status_code=303)


@get("/preview/{page_id:str}")
async def preview_question(
    request: AnyRequest,
    slug: FromPath[str],
    page_id: FromPath[str],
    staff: NamedDependency[StaffMember],
    change: FromQuery[str | None] = None,
) -> Template | Redirect:
    return show_question(request, await _preview(request, staff, slug), page_id, change)


@post("/preview/{page_id:str}")
async def preview_answer(
    request: AnyRequest,
    slug: FromPath[str],
    page_id: FromPath[str],
    staff: NamedDependency[StaffMember],
    change: FromQuery[str | None] = None,
) -> Template | Redirect:
    return await save_answer(request, await _preview(request, staff, slug), page_id, change)


@get("/preview-result")
async def preview_result(
    request: AnyRequest, slug: FromPath[str], staff: NamedDependency[StaffMember]
) -> Template | Redirect:
    site = await _preview(request, staff, slug)
    journey = finished_journey(request, site)
    if not isinstance(journey, Journey):
        return journey
    answers = site.form.prune(journey.answers)
    quote, _ = _quote(site.form, answers)
    expect: dict[str, Any] = {"valid": quote.valid, "total": quote.total, "lines": quote.amounts}
    expect["department"] = _department(site.form, answers)
    values = expectation_fields(expect, _lines(site))
    values.update(name="", revision=str(_pinned(request, site) or ""))
    return _result(staff, site, answers, values)


@post("/preview-result")
async def save_as_test(
    request: AnyRequest, slug: FromPath[str], data: FormData, staff: NamedDependency[StaffMember]
) -> Template | Redirect:
    """Save the preview's answers as a test of the draft, on the revision the preview started
    from; on a conflict, say so and keep everything typed for saving onto the current draft."""
    site = await _preview(request, staff, slug)
    journey = finished_journey(request, site)
    if not isinstance(journey, Journey):
        return journey
    answers = site.form.prune(journey.answers)
    name = data.get("name", "").strip()
    revision = data.get("revision", "")

    def add(draft: dict[str, Any]) -> None:
        tests = list(draft.get("tests") or [])
        check_name(name, tests)
        expect = expectation_from_form(data, fee_line_choices(draft), {})
        draft["tests"] = [*tests, {"name": name, "answers": answers, "expect": expect}]

    try:
        if not revision.isdigit():
            raise InvalidRequest("Start the preview again to save a test")
        await in_thread(request, change_draft, staff, slug, int(revision), add)
    except InvalidRequest as exc:
        return _result(staff, site, answers, data, failure=exc)
    except forms_store.DraftConflict as exc:
        _, current = await in_thread(request, read_draft, staff, slug)
        return _result(staff, site, answers, {**data, "revision": str(current)}, conflict=exc)
    return Redirect(form_path(slug, "tests?done=saved"), status_code=303)


def _result(
    staff: StaffMember,
    site: FormSite,
    answers: dict[str, Any],
    values: dict[str, str],
    failure: InvalidRequest | None = None,
    conflict: Conflict | None = None,
) -> Template:
    quote, fee_problem = _quote(site.form, answers)
    summary, errors = field_errors(failure) if failure else ([], {})
    slug = site.form.definition.slug
    return studio_page(
        "studio/preview/result.html",
        staff,
        status_code=409 if conflict else 400 if failure else 200,
        form=site.form.definition,
        form_url=form_path(slug),
        preview_url=form_path(slug, "preview/?restart=yes"),
        check_answers_url=site.url("check-answers"),
        rows=answer_rows(site.form, answers),
        fees=fee_lines(quote),
        total=format_pence(quote.total or 0),
        fee_problem=fee_problem,
        department=_department(site.form, answers),
        lines=_lines(site),
        values=values,
        error_list=summary,
        errors=errors,
        conflict=conflict.detail if conflict else None,
    )


@get("/fees-panel")
async def fees_panel(
    request: AnyRequest, slug: FromPath[str], staff: NamedDependency[StaffMember]
) -> Template:
    site = await _preview(request, staff, slug)
    return _panel(staff, site, {}, {}, None)


@post("/fees-panel")
async def fees_panel_quote(
    request: AnyRequest, slug: FromPath[str], staff: NamedDependency[StaffMember]
) -> Template:
    """Every question of the draft on one page: the answers typed are quoted as they stand."""
    site = await _preview(request, staff, slug)
    definition = site.form.definition
    fields = [pointer for page in definition.pages for pointer in page.fields]
    posted = await form_post(request)
    blank_rows: dict[str, int] = {}
    rework = apply_row_buttons(posted, repeaters(site.form, fields), blank_rows)
    answers = answers_from_form(definition, fields, posted).answers
    return _panel(staff, site, answers, blank_rows, None if rework else _quote(site.form, answers))


def _panel(
    staff: StaffMember,
    site: FormSite,
    answers: dict[str, Any],
    blank_rows: dict[str, int],
    quoted: tuple[Quote, str | None] | None,
) -> Template:
    form = site.form
    definition = form.definition
    applicable = form.flow.applicable(answers)
    sections: list[dict[str, Any]] = []
    for page in definition.pages:
        views = PageFields(definition).views(
            page.fields,
            form_values(definition, page.fields, answers),
            form.page_errors(page, answers) if quoted else [],
            blank_rows,
        )
        for view in views:
            view.is_heading = False  # many pages on one: no question is the page's heading
        sections.append({"page": page, "fields": views, "skipped": page not in applicable})
    quote, fee_problem = quoted if quoted else (None, None)
    return studio_page(
        "studio/preview/fees_panel.html",
        staff,
        status_code=400 if quote and not quote.valid else 200,
        form=definition,
        form_url=form_path(definition.slug),
        action=form_path(definition.slug, "fees-panel"),
        sections=sections,
        error_list=error_summary([v for s in sections for v in s["fields"]]),
        quote=quote,
        fees=fee_lines(quote) if quote else [],
        total=format_pence(quote.total) if quote and quote.total is not None else None,
        fee_problem=fee_problem,
    )


def _quote(form: CompiledForm, answers: dict[str, Any]) -> tuple[Quote, str | None]:
    """The quote, or an empty one and why, when a fee line cannot be worked out."""
    try:
        return form.quote(answers), None
    except FeeError as exc:
        return Quote(valid=True, errors=[], lines=[], total=None), str(exc)


def _department(form: CompiledForm, answers: dict[str, Any]) -> str | None:
    try:
        return form.department(answers)
    except RouteError:
        return None


def _lines(site: FormSite) -> list[FeeLineChoice]:
    return fee_line_choices(msgspec.to_builtins(site.form.definition))


preview_router = Router(
    path="/studio/forms/{slug:str}",
    route_handlers=[
        preview_start,
        preview_check_answers,
        preview_submit,
        preview_question,
        preview_answer,
        preview_result,
        save_as_test,
        fees_panel,
        fees_panel_quote,
    ],
    dependencies={"staff": Provide(designer)},
    include_in_schema=False,
)
