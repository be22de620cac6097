"""Question fields rendered once: the GOV.UK macros are most of a question page's cost
(bench/pages.py), and a field that shows nothing a resident typed (no value, no error) is the same
markup for everyone who sees it. Such fields are kept, by their whole view, in a bounded LRU; a
field holding a resident's answer is rendered afresh and never kept."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from threading import Lock

from jinja2 import Environment
from markupsafe import Markup

from counterfoil.web.resident.fields import FieldView

FIELDS_TEMPLATE = "resident/_fields.html"


def _shows_personal_data(view: FieldView) -> bool:
    return any(
        v.value or v.checked or v.error or any(v.date.values()) or v.rows for v in view.walk()
    )


class FieldRenderer:
    """`rendered_field(view)` in templates: the `field` macro's markup, from the cache when the
    view is one everyone sees."""

    def __init__(self, environment: Environment, size: int = 2048) -> None:
        self._environment = environment
        self._size = size
        self._kept: OrderedDict[str, Markup] = OrderedDict()
        self._lock = Lock()

    def __call__(self, view: FieldView) -> Markup:
        if _shows_personal_data(view):
            return self._render(view)
        key = repr(view)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
                return kept
        markup = self._render(view)
        with self._lock:
            self._kept[key] = markup
            if len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return markup

    def _render(self, view: FieldView) -> Markup:
        macro: Callable[[FieldView], str] = self._environment.get_template(
            FIELDS_TEMPLATE
        ).module.field  # type: ignore[attr-defined]
        return Markup(macro(view))
