"""The packages' public surface: what others may import, pinned so a change to it is deliberate."""

from __future__ import annotations

import importlib

import pytest

PUBLIC_API = {
    "counterfoil.forms": [
        "AnswerValidator",
        "CaseResult",
        "CoercedPage",
        "CompiledForm",
        "DefinitionInvalid",
        "DefinitionReport",
        "FieldError",
        "FormDefinition",
        "FormsError",
        "Page",
        "PageFlow",
        "Quote",
        "RouteError",
        "UiField",
        "answers_from_form",
        "check_definition",
        "definition_diff",
        "form_values",
        "infer_widget",
        "lint",
        "load_definition",
        "metaschema",
        "run_definition_tests",
    ],
    "counterfoil.rules": [
        "CHECK_ALGORITHMS",
        "CompiledRule",
        "FeeError",
        "FeeLine",
        "FeeQuote",
        "FeeSchedule",
        "MAX_DEPTH",
        "Problem",
        "QuotedLine",
        "ReferenceMask",
        "ReferenceMaskInvalid",
        "ReferenceResult",
        "RuleEvaluationError",
        "RuleInvalid",
        "RulesError",
        "STANDARD_OPERATORS",
        "VariableCheck",
        "check_reference",
        "check_rule",
        "evaluate_rule",
        "format_pence",
        "is_truthy",
        "looks_like_card_number",
        "luhn_check_digit",
        "mask_problems",
        "mod11_check_digit",
        "round_half_up",
    ],
}


@pytest.mark.parametrize("package", sorted(PUBLIC_API))
def test_all_lists_exactly_the_public_names(package: str) -> None:
    exported = importlib.import_module(package).__all__
    assert len(set(exported)) == len(exported)
    assert sorted(exported) == PUBLIC_API[package]


def test_pinned_lists_are_sorted() -> None:
    assert all(names == sorted(names) for names in PUBLIC_API.values())


@pytest.mark.parametrize(
    ("package", "name"), [(p, n) for p, names in sorted(PUBLIC_API.items()) for n in names]
)
def test_each_public_name_is_importable(package: str, name: str) -> None:
    module = importlib.import_module(package)
    assert getattr(module, name) is not None
