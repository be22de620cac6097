"""Page flow: which pages apply to the answers so far, the next and previous page, and pruning.

A page whose `when` rule is false is skipped and the answers it held are dropped, so validation and
fees never see an answer to a question the resident was not asked. A page's rule sees only the
answers of the pages before it that apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from counterfoil.forms.model import FormDefinition, Page
from counterfoil.forms.pointers import pointer_tokens
from counterfoil.rules import CompiledRule, RulesError, is_truthy


def _top_level(pointer: str) -> str:
    tokens = pointer_tokens(pointer)
    return tokens[0] if tokens else ""


def _applies(condition: CompiledRule, kept: dict[str, Any]) -> bool:
    # Answers of the wrong type (a list compared with false) can make a condition fail; the page
    # is then skipped, as a failed comparison is false in JavaScript, and validation reports them.
    try:
        return is_truthy(condition.evaluate(kept))
    except RulesError:
        return False


class PageFlow:
    """The pages of one definition with their conditions compiled; safe to share and reuse."""

    __slots__ = ("_all_fields", "_conditions", "_fields", "_steps", "pages")

    def __init__(self, definition: FormDefinition) -> None:
        self.pages = list(definition.pages)
        self._conditions = [
            None if page.when is None else CompiledRule(page.when) for page in self.pages
        ]
        self._fields = [tuple({_top_level(p) for p in page.fields}) for page in self.pages]
        # With no conditions every page applies, and pruning only drops unknown keys.
        unconditional = all(c is None for c in self._conditions)
        self._all_fields = frozenset().union(*self._fields) if unconditional else None
        self._steps = list(enumerate(zip(self._conditions, self._fields, strict=True)))

    def applicable(self, answers: Mapping[str, Any]) -> list[Page]:
        return [self.pages[i] for i in self._applicable_indices(answers)[0]]

    def prune(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """The answers of the pages that apply; everything else (skipped or unknown) dropped."""
        if type(answers) is not dict and not isinstance(answers, Mapping):
            return {}  # a JSON body that is not an object answers nothing
        if self._all_fields is not None:
            return {k: v for k, v in answers.items() if k in self._all_fields}
        return self._applicable_indices(answers)[1]

    def _applicable_indices(self, answers: Mapping[str, Any]) -> tuple[list[int], dict[str, Any]]:
        kept: dict[str, Any] = {}
        indices: list[int] = []
        if type(answers) is not dict and not isinstance(answers, Mapping):
            answers = {}
        for i, (condition, fields) in self._steps:
            if condition is not None and not _applies(condition, kept):
                continue
            indices.append(i)
            for name in fields:  # a plain loop: this runs on every page view and quote
                if name in answers:
                    kept[name] = answers[name]
        return indices, kept

    def page(self, page_id: str) -> Page | None:
        return next((p for p in self.pages if p.id == page_id), None)

    def first(self, answers: Mapping[str, Any]) -> Page | None:
        pages = self.applicable(answers)
        return pages[0] if pages else None

    def next_page(self, page_id: str, answers: Mapping[str, Any]) -> Page | None:
        """The page after `page_id` that applies, or None when check-your-answers comes next."""
        return self._neighbour(page_id, answers, +1)

    def previous_page(self, page_id: str, answers: Mapping[str, Any]) -> Page | None:
        """The page before `page_id` that applies, or None when the start page comes before."""
        return self._neighbour(page_id, answers, -1)

    def _neighbour(self, page_id: str, answers: Mapping[str, Any], step: int) -> Page | None:
        position = next((i for i, p in enumerate(self.pages) if p.id == page_id), None)
        if position is None:
            return None
        applicable = set(self._applicable_indices(answers)[0])
        i = position + step
        while 0 <= i < len(self.pages):
            if i in applicable:
                return self.pages[i]
            i += step
        return None
