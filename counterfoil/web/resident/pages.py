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
    FormSite,
    live_site,
    render,
    see_other,
    session_ended,
    title,
    with_platform,
)
from counterfoil.web.resident._loading import load_services
from counterfoil.web.resident.fields import FieldView, PageFields, error_summary, input_name
from counterfoil.web.resident.journey import Journey

# The buttons that re-show a page instead of saving it: "Add another" and a repeater row's "Remove".
ADD_ROW = "add-row"
REMOVE_ROW = "remove-row"


@get("/{council:str}/", name="resident:services")
async def services(request: AnyRequest, council: FromPath[str]) -> Template:
    view, links = await with_platform(request, load_services, council)
    return render("services.html", view, page_title=title("Services", view.name), services=links)


@get("/{council:str}/{slug:str}/", name="resident:start")
async def start_page(request: AnyRequest, council: FromPath[str], slug: FromPath[str]) -> Template:
    return show_start(request, await live_site(request, council, slug))


@get("/{council:str}/{slug:str}/{page_id:str}", name="resident:question")
async def question_page(
    request: AnyRequest,
    council: FromPath[str],
    slug: FromPath[str],
    page_id: FromPath[str],
    change: FromQuery[str | None] = None,
) -> Template | Redirect:
    return show_question(request, await live_site(request, council, slug), page_id, change)


@post("/{council:str}/{slug:str}/{page_id:str}", name="resident:answer")
async def answer_page(
    request: AnyRequest,
    council: FromPath[str],
    slug: FromPath[str],
    page_id: FromPath[str],
    change: FromQuery[str | None] = None,
) -> Template | Redirect:
    return await save_answer(request, await live_site(request, council, slug), page_id, change)


def show_start(request: AnyRequest, site: FormSite) -> Template:
    journey = site.journey(request)
    if journey is not None and journey.reference is not None:
        site.save(request, Journey())  # submitted: start afresh
    form = site.form
    first = form.flow.first({})
    definition = form.definition
    return site.render(
        "start.html",
        page_title=title(definition.title, site.council.name),
        form=definition,
        paragraphs=_paragraphs(definition.description),
        start_url=site.url(first.id if first else CHECK_ANSWERS),
    )


def show_question(
    request: AnyRequest, site: FormSite, page_id: str, change: str | None
) -> Template | Redirect:
    form, page = site.form, _page(site, page_id)
    journey = site.journey(request)
    if journey is None:  # the first page view of this form starts its journey
        journey = Journey()
        site.save(request, journey)
    if page not in form.flow.applicable(journey.answers):
        return see_other(_after(site, page.id, journey.answers, change))
    values = form_values(form.definition, page.fields, journey.answers)
    return _question(site, page, journey.answers, values, [], {}, change)


async def save_answer(
    request: AnyRequest, site: FormSite, page_id: str, change: str | None
) -> Template | Redirect:
    form, page = site.form, _page(site, page_id)
    journey = site.journey(request)
    if journey is None:
        return session_ended(site)
    if page not in form.flow.applicable(journey.answers):
        return see_other(_after(site, page.id, journey.answers, change))
    posted = await form_post(request)
    blank_rows: dict[str, int] = {}
    rework = apply_row_buttons(posted, repeaters(form, page.fields), blank_rows)
    coerced = answers_from_form(form.definition, page.fields, posted)
    merged = coerced.merged_into(journey.answers)
    values = form_values(form.definition, page.fields, merged)
    if rework:  # add or remove a row: show the page again, nothing checked or saved yet
        return _question(site, page, journey.answers, values, [], blank_rows, change)
    errors = form.page_errors(page, merged)
    if errors:
        return _question(site, page, journey.answers, values, errors, {}, change)
    if merged != journey.answers:
        journey.answers = form.prune(merged)
        journey.submit_key = None
    site.save(request, journey)
    return see_other(_after(site, page.id, journey.answers, change))


def _question(
    site: FormSite,
    page: Page,
    saved: Mapping[str, Any],
    values: Mapping[str, Any],
    errors: Sequence[FieldError],
    blank_rows: Mapping[str, int],
    change: str | None,
) -> Template:
    form, council = site.form, site.council
    views: list[FieldView] = PageFields(form.definition).views(
        page.fields, dict(values), errors, blank_rows
    )
    summary = error_summary(views)
    previous = form.flow.previous_page(page.id, saved)
    if change:
        back = site.url(CHECK_ANSWERS)
    elif previous is not None:
        back = site.url(previous.id)
    else:
        back = site.url()
    action = site.url(page.id) + ("?change=yes" if change else "")
    heading = next((v for v in views if v.is_heading), None)
    return site.render(
        "question.html",
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


def _after(site: FormSite, page_id: str, answers: Mapping[str, Any], change: str | None) -> str:
    """Where a saved page leads: back to check-answers when changing, else the next page."""
    following = site.form.flow.next_page(page_id, answers)
    if change or following is None:
        return site.url(CHECK_ANSWERS)
    return site.url(following.id)


def _page(site: FormSite, page_id: str) -> Page:
    """The form's page `page_id`; NotFound when there is none."""
    page = site.form.flow.page(page_id)
    if page is None:
        raise NotFound(f"There is no page {page_id!r}")
    return page


async def form_post(request: AnyRequest) -> dict[str, list[str]]:
    """The POSTed form as a multidict of strings, without the CSRF token."""
    data = await request.form()
    return {
        key: [v for v in data.getall(key) if isinstance(v, str)]
        for key in set(data.keys())
        if key not in ("_csrf_token",)
    }


def repeaters(form: CompiledForm, pointers: Sequence[str]) -> set[str]:
    """The input names of the "add another" lists among `pointers`."""
    names = set()
    for pointer in pointers:
        schema = schema_at_pointer(form.definition.schema, pointer)
        widget = form.definition.ui_for(pointer).widget
        if schema is not None and infer_widget(schema, widget) == "repeater":
            names.add(input_name(pointer))
    return names


def apply_row_buttons(
    posted: dict[str, list[str]], repeaters: set[str], blank_rows: dict[str, int]
) -> bool:
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
