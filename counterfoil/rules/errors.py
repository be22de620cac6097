"""Errors of the rules package.

RulesError
 ├── RuleInvalid          refused when loaded: unknown operator, too deep, unknown variable
 ├── RuleEvaluationError  failed while running: division by zero, text used as a number
 └── FeeError             a fee line that cannot give a whole amount, named by its line id
"""

from __future__ import annotations

import msgspec


class Problem(msgspec.Struct, frozen=True):
    """One problem found in a rule, located by a JSON Pointer into the document holding it."""

    pointer: str
    message: str


class RulesError(Exception):
    """Base of every error the rules package raises."""


class RuleInvalid(RulesError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.pointer or '/'}: {p.message}" for p in problems))


class RuleEvaluationError(RulesError):
    def __init__(self, message: str, *, missing: str | None = None) -> None:
        self.message = message
        # The variable path whose value was absent, when that is why the rule failed.
        self.missing = missing
        super().__init__(message)


class FeeError(RulesError):
    def __init__(self, line_id: str | None, message: str) -> None:
        self.line_id = line_id
        self.message = message
        super().__init__(f"fee line {line_id!r}: {message}" if line_id else message)
