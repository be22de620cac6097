"""The draft's tests in the studio: list them, edit what a test expects (pounds typed, pence
stored), delete one, and run them all with the linter. Every change is a draft save that names the
revision it was made on, so nobody's edit is overwritten."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from counterfoil.forms import DefinitionReport, check_definition
from counterfoil.platform import forms_store
from counterfoil.platform.errors import InvalidRequest, NotFound
from counterfoil.platform.staff import StaffMember
from counterfoil.rules import Problem, format_pence
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

# Fixed texts for the banner after a redirect: nothing from the query string is shown as such.
DONE = {"saved": "Test saved", "changed": "Test changed", "deleted": "Test deleted"}
_POUNDS = re.compile(r"-?\d+(\.\d{1,2})?")


@dataclass(frozen=True)
class FeeLineChoice:
    id: str
    description: str


def fee_line_choices(definition: Mapping[str, Any]) -> list[FeeLineChoice]:
    """The draft's fee lines, each of which a test may expect an amount of."""
    lines = (definition.get("fees") or {}).get("lines") or []
    return [FeeLineChoice(str(line["id"]), str(line.get("description", ""))) for line in lines]


def pounds(pence: int | None) -> str:
    """Pence as pounds for an input box ("35.00", "-17.50"); blank for nothing expected."""
    return "" if pence is None else format_pence(pence).replace("£", "").replace(",", "")


def pence_from_pounds(text: str) -> int | None:
    """Pounds as typed ("£1,200.50", "35", "-17.5") in pence; None for a blank box; ValueError
    for anything else."""
    cleaned = text.strip().replace(",", "").replace("£", "", 1).replace(" ", "")
    if not cleaned:
        return None
    if not _POUNDS.fullmatch(cleaned):
        raise ValueError(cleaned)
    try:
        return int(Decimal(cleaned) * 100)
    except InvalidOperation as exc:
        raise ValueError(cleaned) from exc


def expectation_fields(expect: Mapping[str, Any], lines: Sequence[FeeLineChoice]) -> dict[str, str]:
    """The expectation form's inputs, filled from a test's `expect`."""
    amounts = expect.get("lines") or {}
    fields = {
        "valid": "yes" if expect.get("valid", True) else "no",
        "total": pounds(expect.get("total")),
        "department": str(expect.get("department") or ""),
    }
    fields.update({f"line-{line.id}": pounds(amounts.get(line.id)) for line in lines})
    return fields


def expectation_from_form(
    data: Mapping[str, str], lines: Sequence[FeeLineChoice], kept: Mapping[str, Any]
) -> dict[str, Any]:
    """A test's `expect` from the form (blank boxes expect nothing), keeping what the form does
    not show (`errors`) from `kept`; InvalidRequest naming each box that is not an amount."""
    problems: list[tuple[str, str]] = []

    def amount(name: str, what: str) -> int | None:
        try:
            return pence_from_pounds(data.get(name, ""))
        except ValueError:
            problems.append((name, f"Enter {what} in pounds, like 35.00"))
            return None

    expect: dict[str, Any] = {"valid": data.get("valid", "yes") != "no"}
    total = amount("total", "the total")
    if total is not None:
        expect["total"] = total
    chosen = {
        line.id: pence
        for line in lines
        if (pence := amount(f"line-{line.id}", f"the amount of {line.description or line.id}"))
        is not None
    }
    if chosen:
        expect["lines"] = chosen
    department = data.get("department", "").strip()
    if department:
        expect["department"] = department
    if kept.get("errors") is not None:
        expect["errors"] = kept["errors"]
    if problems:
        raise InvalidRequest("Some amounts are not in pounds", problems)
    return expect


def check_name(name: str, tests: Sequence[Mapping[str, Any]], skip: int | None = None) -> None:
    """Names say which test failed, so each must be given and different from the others."""
    if not name:
        raise InvalidRequest("Enter a name for the test", [("name", "Enter a name for the test")])
    if any(t.get("name") == name for i, t in enumerate(tests) if i != skip):
        message = f"There is already a test called \u201c{name}\u201d"
        raise InvalidRequest(message, [("name", message)])


def field_errors(exc: InvalidRequest) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The GOV.UK error summary's items, and each input's message by input name."""
    problems = exc.problems or [("", exc.detail)]
    summary = [
        {"text": message, "href": f"#{name or 'main-content'}"} for name, message in problems
    ]
    return summary, {name: message for name, message in problems if name}


def in_words(problem: Problem, definition: Mapping[str, Any]) -> str:
    """A lint problem located by what the designer calls things, not by a JSON Pointer."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in problem.pointer.split("/")[1:]]
    where = problem.pointer or "The form"
    try:
        if parts[:1] == ["pages"]:
            where = f"Page \u201c{definition['pages'][int(parts[1])]['title']}\u201d"
        elif parts[:2] == ["fees", "lines"]:
            line = definition["fees"]["lines"][int(parts[2])]
            where = f"Fee line \u201c{line.get('description') or line['id']}\u201d"
        elif parts[:1] == ["tests"]:
            where = f"Test \u201c{definition['tests'][int(parts[1])]['name']}\u201d"
        elif parts[:2] == ["schema", "properties"] or parts[:1] == ["ui"]:
            key = "/" + parts[2] if parts[0] == "schema" else parts[1]
            label = (definition.get("ui", {}).get(key) or {}).get("label")
            where = f"Question \u201c{label or key.lstrip('/')}\u201d"
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        pass  # a pointer into something malformed: the pointer itself says where
    return f"{where}: {problem.message}"


def report_view(report: DefinitionReport, definition: Mapping[str, Any]) -> dict[str, Any]:
    """What the report template shows: lint problems in words and each test's outcome."""
    return {
        "problems": [in_words(p, definition) for p in report.problems],
        "results": report.results,
        "ok": report.ok,
    }


@get("/tests")
async def list_tests(
    request: AnyRequest,
    slug: FromPath[str],
    staff: NamedDependency[StaffMember],
    done: FromQuery[str | None] = None,
) -> Template:
    definition, revision = await in_thread(request, read_draft, staff, slug)
    return studio_page(
        "studio/tests/list.html",
        staff,
        form=definition,
        form_url=form_path(slug),
        tests=_summaries(definition),
        revision=revision,
        notice=DONE.get(done or ""),
    )


@get("/tests/report")
async def report_page(
    request: AnyRequest, slug: FromPath[str], staff: NamedDependency[StaffMember]
) -> Template:
    definition, revision = await in_thread(request, read_draft, staff, slug)
    report = check_definition(definition)
    return studio_page(
        "studio/tests/report.html",
        staff,
        form=definition,
        form_url=form_path(slug),
        revision=revision,
        **report_view(report, definition),
    )


@get("/tests/{index:int}")
async def edit_test_page(
    request: AnyRequest,
    slug: FromPath[str],
    index: FromPath[int],
    staff: NamedDependency[StaffMember],
) -> Template:
    definition, revision = await in_thread(request, read_draft, staff, slug)
    test = _test(definition, index)
    values = _stored_values(test, definition, str(revision))
    return _edit_form(staff, slug, index, definition, values)


@post("/tests/{index:int}")
async def edit_test(
    request: AnyRequest,
    slug: FromPath[str],
    index: FromPath[int],
    data: FormData,
    staff: NamedDependency[StaffMember],
) -> Template | Redirect:
    definition, _ = await in_thread(request, read_draft, staff, slug)
    test = _test(definition, index)
    name = data.get("name", "").strip()

    def change(draft: dict[str, Any]) -> None:
        tests = list(draft.get("tests") or [])
        check_name(name, tests, skip=index)
        expect = expectation_from_form(data, fee_line_choices(draft), test.get("expect") or {})
        tests[index] = {**test, "name": name, "expect": expect}
        draft["tests"] = tests

    try:
        await in_thread(request, change_draft, staff, slug, _revision(data), change)
    except (InvalidRequest, forms_store.DraftConflict) as exc:
        return _edit_form(staff, slug, index, definition, data, exc)
    return Redirect(form_path(slug, "tests?done=changed"), status_code=303)


@post("/tests/{index:int}/delete")
async def delete_test(
    request: AnyRequest,
    slug: FromPath[str],
    index: FromPath[int],
    data: FormData,
    staff: NamedDependency[StaffMember],
) -> Template | Redirect:
    definition, _ = await in_thread(request, read_draft, staff, slug)
    test = _test(definition, index)

    def change(draft: dict[str, Any]) -> None:
        draft["tests"] = [t for i, t in enumerate(draft.get("tests") or []) if i != index]

    try:
        await in_thread(request, change_draft, staff, slug, _revision(data), change)
    except forms_store.DraftConflict as exc:
        values = _stored_values(test, definition, data.get("revision", ""))
        return _edit_form(staff, slug, index, definition, values, exc)
    return Redirect(form_path(slug, "tests?done=deleted"), status_code=303)


def _summaries(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each test with what it expects, in words."""
    summaries = []
    for index, test in enumerate(definition.get("tests") or []):
        expect = test.get("expect") or {}
        said = ["valid answers" if expect.get("valid", True) else "invalid answers"]
        if expect.get("total") is not None:
            said.append(f"total {format_pence(expect['total'])}")
        said += [f"{k} {format_pence(v)}" for k, v in (expect.get("lines") or {}).items()]
        if expect.get("department"):
            said.append(f"sent to {expect['department']}")
        if expect.get("errors"):
            said.append(f"errors at {', '.join(expect['errors'])}")
        summaries.append({"index": index, "name": test.get("name", ""), "expects": "; ".join(said)})
    return summaries


def _test(definition: Mapping[str, Any], index: int) -> dict[str, Any]:
    tests = definition.get("tests") or []
    if not 0 <= index < len(tests):
        raise NotFound(f"There is no test {index}")
    return dict(tests[index])


def _stored_values(
    test: Mapping[str, Any], definition: Mapping[str, Any], revision: str
) -> dict[str, str]:
    """The edit form's fields as the test stands, to be saved onto `revision`."""
    values = {"name": str(test.get("name", "")), "revision": revision}
    values.update(expectation_fields(test.get("expect") or {}, fee_line_choices(definition)))
    return values


def _revision(data: Mapping[str, str]) -> int:
    given = data.get("revision", "")
    if not given.isdigit():
        raise InvalidRequest("The form was out of date: open the tests again")
    return int(given)


def _edit_form(
    staff: StaffMember,
    slug: str,
    index: int,
    definition: Mapping[str, Any],
    values: Mapping[str, str],
    failure: InvalidRequest | forms_store.DraftConflict | None = None,
) -> Template:
    summary, errors = field_errors(failure) if isinstance(failure, InvalidRequest) else ([], {})
    conflict = failure.detail if isinstance(failure, forms_store.DraftConflict) else None
    test = _test(definition, index)
    return studio_page(
        "studio/tests/edit.html",
        staff,
        status_code=409 if conflict else 400 if failure else 200,
        form=definition,
        form_url=form_path(slug),
        index=index,
        test=test,
        answers=json.dumps(test.get("answers"), indent=2, ensure_ascii=False),
        lines=fee_line_choices(definition),
        values=values,
        error_list=summary,
        errors=errors,
        conflict=conflict,
    )


tests_router = Router(
    path="/studio/forms/{slug:str}",
    route_handlers=[list_tests, report_page, edit_test_page, edit_test, delete_test],
    dependencies={"staff": Provide(designer)},
    include_in_schema=False,
)
