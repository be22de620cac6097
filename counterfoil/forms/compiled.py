"""A definition made ready to serve: page flow, answer validator, fee schedule and routing, built
once and reused for every page view, quote and submission."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from counterfoil.forms.errors import RouteError
from counterfoil.forms.flow import PageFlow
from counterfoil.forms.model import FormDefinition, Page
from counterfoil.forms.pointers import pointer_tokens
from counterfoil.forms.validation import AnswerValidator, FieldError
from counterfoil.rules import CompiledRule, FeeSchedule, QuotedLine, RulesError


class Quote(msgspec.Struct, frozen=True):
    """What the quote API and check-your-answers show; `total` is None while answers are invalid."""

    valid: bool
    errors: list[FieldError]
    lines: list[QuotedLine]
    total: int | None
    amounts: dict[str, int] = msgspec.field(default_factory=dict)


class CompiledForm:
    __slots__ = ("_fees", "_route", "definition", "flow", "validator")

    def __init__(self, definition: FormDefinition) -> None:
        self.definition = definition
        self.flow = PageFlow(definition)
        self.validator = AnswerValidator(definition)
        self._fees = FeeSchedule(definition.fees.lines) if definition.fees else None
        route = definition.fulfilment.route
        self._route = None if route is None else CompiledRule(route)

    def prune(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        return self.flow.prune(answers)

    def errors(self, answers: Mapping[str, Any]) -> list[FieldError]:
        """Every error in the answers of the pages that apply."""
        return self.validator.errors(self.flow.prune(answers))

    def page_errors(self, page: Page, answers: Mapping[str, Any]) -> list[FieldError]:
        """The errors that belong to the fields of one page."""
        names = {pointer_tokens(f)[0] for f in page.fields}
        return [e for e in self.errors(answers) if (pointer_tokens(e.pointer) or [""])[0] in names]

    def quote(self, answers: Mapping[str, Any]) -> Quote:
        """Validation and the fee, on the pruned answers; FeeError if a line cannot be computed."""
        pruned = self.flow.prune(answers)
        errors = self.validator.errors(pruned)
        if errors:
            return Quote(valid=False, errors=errors, lines=[], total=None)
        if self._fees is None:
            return Quote(valid=True, errors=[], lines=[], total=0)
        fee = self._fees.quote(pruned)
        return Quote(valid=True, errors=[], lines=fee.lines, total=fee.total, amounts=fee.amounts)

    def department(self, answers: Mapping[str, Any]) -> str:
        """The slug of the department that receives a submission with these answers."""
        if self._route is None:
            assert self.definition.fulfilment.department is not None  # the meta-schema says so
            return self.definition.fulfilment.department
        try:
            chosen = self._route.evaluate(self.flow.prune(answers))
        except RulesError as exc:
            raise RouteError(f"the fulfilment route failed: {exc}") from exc
        if not isinstance(chosen, str) or not chosen:
            raise RouteError(f"the fulfilment route gave {chosen!r}, not a department slug")
        return chosen
