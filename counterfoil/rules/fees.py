"""Fee lines: whole-pence amounts or rules, each rounded half-up once, summed into a quote.

A line's rule reads the answers and, as `lines.<id>`, the lines before it. A line that cannot give a
whole number of pence (not a number, a division by zero, a missing answer) raises FeeError naming
the line: never a wrong amount.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from counterfoil.rules.errors import FeeError, RuleEvaluationError
from counterfoil.rules.logic import CompiledRule
from counterfoil.rules.money import round_half_up


class FeeLine(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """One fee line as a definition writes it; `amount` is pence or a JSON Logic rule."""

    id: str
    description: str
    amount: Any
    fund: str
    vat: str


class QuotedLine(msgspec.Struct, frozen=True):
    id: str
    description: str
    amount: int
    fund: str
    vat: str


class FeeQuote(msgspec.Struct, frozen=True):
    """The lines a resident is shown (zero lines left out), every line's amount, and the total."""

    lines: list[QuotedLine]
    amounts: dict[str, int]
    total: int

    @property
    def is_free(self) -> bool:
        return self.total == 0


class FeeSchedule:
    """The fee lines of one definition, compiled once; `quote` runs for every page view."""

    __slots__ = ("_lines", "_rules")

    def __init__(self, lines: Sequence[FeeLine]) -> None:
        self._lines = list(lines)
        self._rules: list[tuple[CompiledRule, frozenset[str] | None] | None] = []
        for line in self._lines:
            if _is_whole_pence(line.amount):
                self._rules.append(None)
            else:
                rule = CompiledRule(line.amount, missing_is_error=True)
                self._rules.append((rule, rule.top_level_reads()))

    def quote(self, answers: Mapping[str, Any]) -> FeeQuote:
        amounts: dict[str, int] = {}
        shown: list[QuotedLine] = []
        total = 0
        for line, compiled in zip(self._lines, self._rules, strict=True):
            if compiled is None:
                amount = line.amount
            else:
                rule, reads = compiled
                amount = _line_amount(line.id, rule, _rule_data(answers, amounts, reads))
            amounts[line.id] = amount
            total += amount
            if amount:
                shown.append(QuotedLine(line.id, line.description, amount, line.fund, line.vat))
        if total < 0:
            raise FeeError(None, f"the fees add up to {total} pence; a total cannot be negative")
        return FeeQuote(lines=shown, amounts=amounts, total=total)


def _rule_data(
    answers: Mapping[str, Any], amounts: dict[str, int], reads: frozenset[str] | None
) -> dict[str, Any]:
    """What a line's rule sees: only the names it reads when known (converting the rest of a large
    answers object into the engine is most of a quote's cost), and the lines before it."""
    if reads is None:
        return {**answers, "lines": amounts}
    data: dict[str, Any] = {}
    for name in reads:
        if name == "lines":
            data[name] = amounts
        elif name in answers:
            data[name] = answers[name]
    return data


def _is_whole_pence(amount: Any) -> bool:
    return isinstance(amount, int) and not isinstance(amount, bool)


def _line_amount(line_id: str, rule: CompiledRule, data: dict[str, Any]) -> int:
    try:
        value = rule.evaluate(data)
    except RuleEvaluationError as exc:
        raise FeeError(line_id, exc.message) from exc
    if type(value) is int:
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FeeError(line_id, f"the rule gave {value!r}, not an amount in pence")
    if not math.isfinite(value):
        raise FeeError(line_id, "the rule gave a number too large to charge")
    return round_half_up(value)
