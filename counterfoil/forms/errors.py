"""Errors of the forms package.

FormsError
 └── DefinitionInvalid   a definition that cannot be loaded: unreadable JSON, or the meta-schema
                         refused it; carries every problem at once, each with a JSON Pointer
"""

from __future__ import annotations

from counterfoil.rules import Problem


class FormsError(Exception):
    """Base of every error the forms package raises."""


class DefinitionInvalid(FormsError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.pointer or '/'}: {p.message}" for p in problems))


class RouteError(FormsError):
    """The fulfilment route rule failed or gave something other than a department slug."""
