"""The services list, a form's start page and its question pages (one URL per page)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from litestar import get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from counterfoil.forms import (
    CompiledForm,
    FieldError,
    Page,
    answers_from_form,
    form_values,
    infer_widget,
)
from counterfoil.forms.pointers import schema_at_pointer
from counterfoil.platform.errors import NotFound
from counterfoil.web.resident._common import (
    CHECK_ANSWERS,
    AnyRequest,
    form_url,
    open_journey,
    render,
    see_other,
    session_ended,
    title,
    with_platform,
)
from counterfoil.web.resident._loading import CouncilView, load_services
from counterfoil.web.resident.fields import FieldView, PageFields, error_summary, input_name
from counterfoil.web.resident.journey import Journey, save_journey

# The buttons that re-show a page instead of saving it: "Add another" and a repeater row's "Remove".
ADD_ROW = "add-row"
REMOVE_ROW = "remove-row"


@get("/{council:str}/", name="resident:services")
async def services(request: AnyRequest, council: FromPath[str]) -> Template:
    view, links = await with_platform(request, load_services, council)
    return render("services.html", view, page_title=title("Services", view.name), services=links)


@get("/{council:str}/{slug:str}/", name="resident:start")
async def start_page(request: AnyRequest, council: FromPath[str], slug: FromPath[str]) -> Template:
    view, form, journey = await open_journey(request, council, slug)
    if journey is not None and journey.reference is not None:
        save_journey(request, council, slug, Journey())  # submitted: start afresh
    first = form.flow.first({})
    definition = form.definition
    return render(
        "start.html",
        view,
        page_title=title(definition.title, view.name),
        form=definition,
        paragraphs=_paragraphs(definition.description),
        start_url=form_url(council, slug, first.id if first else CHECK_ANSWERS),
    )


@get("/{council:str}/{slug:str}/{page_id:str}", name="resident:question")
async def question_page(
    request: AnyRequest,
    council: FromPath[str],
    slug: FromPath[str],
    page_id: FromPath[str],
    change: FromQuery[str | None] = None,
) -> Template | Redirect:
    view, form, page, journey = await _open_page(request, council, slug, page_id)
    if journey is None:  # the first page view of this form starts its journey
        journey = Journey()
        save_journey(request, council, slug, journey)
    if page not in form.flow.applicable(journey.answers):
        return see_other(_after(form, council, slug, page.id, journey.answers, change))
    values = form_values(form.definition, page.fields, journey.answers)
    return _question(view, form, page, journey.answers, values, [], {}, change)


@post("/{council:str}/{slug:str}/{page_id:str}", name="resident:answer")
async def answer_page(
    request: AnyRequest,
    council: FromPath[str],
    slug: FromPath[str],
    page_id: FromPath[str],
    change: FromQuery[str | None] = None,
) -> Template | Redirect:
    view, form, page, journey = await _open_page(request, council, slug, page_id)
    if journey is None:
        return session_ended(view, slug, form.definition.title)
    if page not in form.flow.applicable(journey.answers):
        return see_other(_after(form, council, slug, page.id, journey.answers, change))
    posted = await _form_post(request)
    blank_rows: dict[str, int] = {}
    rework = _rework(posted, _repeaters(form, page), blank_rows)
    coerced = answers_from_form(form.definition, page.fields, posted)
    merged = coerced.merged_into(journey.answers)
    values = form_values(form.definition, page.fields, merged)
    if rework:  # add or remove a row: show the page again, nothing checked or saved yet
        return _question(view, form, page, journey.answers, values, [], blank_rows, change)
    errors = form.page_errors(page, merged)
    if errors:
        return _question(view, form, page, journey.answers, values, errors, {}, change)
    if merged != journey.answers:
        journey.answers = form.prune(merged)
        journey.submit_key = None
    save_journey(request, council, slug, journey)
    return see_other(_after(form, council, slug, page.id, journey.answers, change))


def _question(
    council: CouncilView,
    form: CompiledForm,
    page: Page,
    saved: Mapping[str, Any],
    values: Mapping[str, Any],
    errors: Sequence[FieldError],
    blank_rows: Mapping[str, int],
    change: str | None,
) -> Template:
    views: list[FieldView] = PageFields(form.definition).views(
        page.fields, dict(values), errors, blank_rows
    )
    summary = error_summary(views)
    slug = form.definition.slug
    previous = form.flow.previous_page(page.id, saved)
    if change:
        back = form_url(council.slug, slug, CHECK_ANSWERS)
    elif previous is not None:
        back = form_url(council.slug, slug, previous.id)
    else:
        back = form_url(council.slug, slug)
    action = form_url(council.slug, slug, page.id) + ("?change=yes" if change else "")
    heading = next((v for v in views if v.is_heading), None)
    return render(
        "question.html",
        council,
        status_code=400 if summary else 200,
        page_title=title(page.title, form.definition.title, council.name, error=bool(summary)),
        form=form.definition,
        page=page,
        fields=views,
        heading_field=heading,
        error_list=summary,
        back_url=back,
        action=action,
        change=bool(change),
    )


def _after(
    form: CompiledForm,
    council: str,
    slug: str,
    page_id: str,
    answers: Mapping[str, Any],
    change: str | None,
) -> str:
    """Where a saved page leads: back to check-answers when changing, else the next page."""
    following = form.flow.next_page(page_id, answers)
    if change or following is None:
        return form_url(council, slug, CHECK_ANSWERS)
    return form_url(council, slug, following.id)


async def _open_page(
    request: AnyRequest, council: str, slug: str, page_id: str
) -> tuple[CouncilView, CompiledForm, Page, Journey | None]:
    """The form, its page `page_id` (NotFound when there is none) and the journey so far."""
    view, form, journey = await open_journey(request, council, slug)
    page = form.flow.page(page_id)
    if page is None:
        raise NotFound(f"There is no page {page_id!r}")
    return view, form, page, journey


async def _form_post(request: AnyRequest) -> dict[str, list[str]]:
    data = await request.form()
    return {
        key: [v for v in data.getall(key) if isinstance(v, str)]
        for key in set(data.keys())
        if key not in ("_csrf_token",)
    }


def _repeaters(form: CompiledForm, page: Page) -> set[str]:
    names = set()
    for pointer in page.fields:
        schema = schema_at_pointer(form.definition.schema, pointer)
        widget = form.definition.ui_for(pointer).widget
        if schema is not None and infer_widget(schema, widget) == "repeater":
            names.add(input_name(pointer))
    return names


def _rework(posted: dict[str, list[str]], repeaters: set[str], blank_rows: dict[str, int]) -> bool:
    """Apply an "Add another" or "Remove" press to the POST; True when one was pressed.

    Only the repeaters of this page can be named, so a crafted value changes nothing else.
    """
    added = _one(posted.pop(ADD_ROW, []))
    removed = _one(posted.pop(REMOVE_ROW, []))
    if added is not None and added in repeaters:
        # Blank rows are dropped when the POST is read; keep as many as were shown, plus one.
        rows: dict[str, bool] = {}
        for key, values in posted.items():
            index = key[len(added) + 1 :].split("-", 1)[0]
            if key.startswith(f"{added}-") and index.isdigit():
                rows[index] = rows.get(index, False) or any(v.strip() for v in values)
        blank_rows[added] = sum(1 for filled in rows.values() if not filled) + 1
        return True
    name, _, index = (removed or "").rpartition("-")
    if name in repeaters and index.isdigit():
        for key in [k for k in posted if k.startswith(f"{name}-{index}-")]:
            del posted[key]
        posted.setdefault(name, [""])  # an emptied list is an answer ([]), not a missing one
        blank_rows[name] = 1
        return True
    return False


def _one(values: list[str]) -> str | None:
    return values[-1] if values else None


def _paragraphs(text: str | None) -> list[str]:
    """A description as plain-text paragraphs (blank lines separate them); autoescaped later."""
    return [p.strip() for p in (text or "").split("\n\n") if p.strip()]
