"""Question fields rendered once for everyone, never when they hold what a resident typed."""

from __future__ import annotations

from counterfoil.web.app import template_environment
from counterfoil.web.resident.fields import FieldView, Option
from counterfoil.web.resident.rendered_fields import FieldRenderer


def _radios(value: str = "", error: str | None = None) -> FieldView:
    options = [Option("yes", "Yes"), Option("no", "No")]
    return FieldView(
        widget="radios", name="side", label="Which side?", options=options, value=value, error=error
    )


def test_a_blank_field_is_rendered_once_and_kept() -> None:
    renderer = FieldRenderer(template_environment())
    first = renderer(_radios())
    assert 'name="side"' in first
    assert "Which side?" in first
    assert renderer(_radios()) is first
    assert len(renderer._kept) == 1


def test_a_field_with_an_answer_or_an_error_is_rendered_afresh_and_not_kept() -> None:
    renderer = FieldRenderer(template_environment())
    answered = renderer(_radios(value="yes"))
    assert 'value="yes" checked' in answered
    wrong = renderer(_radios(error="Select which side"))
    assert "Select which side" in wrong
    assert renderer._kept == {}


def test_the_cache_keeps_at_most_its_size() -> None:
    renderer = FieldRenderer(template_environment(), size=2)
    for label in ("One?", "Two?", "Three?"):
        renderer(FieldView(widget="text", name="n", label=label))
    assert len(renderer._kept) == 2
    assert all("One?" not in markup for markup in renderer._kept.values())
