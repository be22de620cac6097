"""Definition tests: the designer's own cases (`tests` in the definition), run on every publish.

Each case's answers are pruned by the page flow, validated and quoted exactly as a resident's would
be; the case passes when every expectation it states holds. A fee line that cannot be computed for
a valid case is a failure naming the line.
"""

from __future__ import annotations

from typing import Any

import msgspec

from counterfoil.forms.compiled import CompiledForm
from counterfoil.forms.errors import DefinitionInvalid, RouteError
from counterfoil.forms.lint import lint
from counterfoil.forms.loader import load_definition
from counterfoil.forms.model import DefinitionTest
from counterfoil.forms.pointers import pointer_tokens
from counterfoil.rules import FeeError, Problem, RulesError, format_pence


class CaseResult(msgspec.Struct, frozen=True):
    name: str
    failures: list[str]

    @property
    def passed(self) -> bool:
        return not self.failures


def _covers(expected: str, actual: str) -> bool:
    want, got = pointer_tokens(expected), pointer_tokens(actual)
    return got[: len(want)] == want


def run_case(form: CompiledForm, case: DefinitionTest) -> CaseResult:
    expect = case.expect
    failures: list[str] = []
    try:
        quote = form.quote(case.answers)
    except FeeError as exc:
        return CaseResult(case.name, [f"the fee cannot be computed: {exc}"])
    if quote.valid != expect.valid:
        detail = "; ".join(f"{e.pointer}: {e.message}" for e in quote.errors)
        failures.append(
            f"expected the answers to be {'valid' if expect.valid else 'invalid'}, "
            f"but they are {'valid' if quote.valid else 'invalid'}"
            + (f" ({detail})" if detail else "")
        )
    if expect.errors is not None:
        actual = [e.pointer for e in quote.errors]
        missing = [p for p in expect.errors if not any(_covers(p, a) for a in actual)]
        extra = [a for a in actual if not any(_covers(p, a) for p in expect.errors)]
        if missing:
            failures.append(f"expected errors at {', '.join(missing)} but there were none")
        if extra:
            failures.append(f"unexpected errors at {', '.join(extra)}")
    if expect.total is not None and quote.total != expect.total:
        got = "no total" if quote.total is None else format_pence(quote.total)
        failures.append(f"expected a total of {format_pence(expect.total)}, got {got}")
    for line_id, amount in (expect.lines or {}).items():
        got_amount = quote.amounts.get(line_id)
        if got_amount != amount:
            got = "nothing" if got_amount is None else format_pence(got_amount)
            failures.append(f"expected line {line_id!r} to be {format_pence(amount)}, got {got}")
    if expect.department is not None:
        try:
            department = form.department(case.answers)
        except RouteError as exc:
            failures.append(str(exc))
        else:
            if department != expect.department:
                failures.append(f"expected department {expect.department!r}, got {department!r}")
    return CaseResult(case.name, failures)


def run_definition_tests(form: CompiledForm) -> list[CaseResult]:
    return [run_case(form, case) for case in form.definition.tests]


class DefinitionReport(msgspec.Struct, frozen=True):
    """Everything that decides whether a definition may be published."""

    problems: list[Problem]
    results: list[CaseResult]
    form: CompiledForm | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and all(r.passed for r in self.results)


def check_definition(source: bytes | str | dict[str, Any]) -> DefinitionReport:
    """Load, lint and run the tests of a definition; never raises for a bad definition."""
    try:
        definition = load_definition(source)
    except DefinitionInvalid as exc:
        return DefinitionReport(problems=exc.problems, results=[])
    problems = lint(definition)
    try:
        form = CompiledForm(definition)
    except RulesError as exc:
        # lint has already named each bad rule with its pointer; tests cannot run without them
        return DefinitionReport(problems=problems or [Problem("", str(exc))], results=[])
    return DefinitionReport(problems=problems, results=run_definition_tests(form), form=form)
