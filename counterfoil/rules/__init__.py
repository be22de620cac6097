"""Pure rules: JSON Logic evaluation and checking, fee lines, money, typed references. No I/O."""

from counterfoil.rules.errors import (
    FeeError,
    Problem,
    RuleEvaluationError,
    RuleInvalid,
    RulesError,
)
from counterfoil.rules.fees import FeeLine, FeeQuote, FeeSchedule, QuotedLine
from counterfoil.rules.logic import (
    MAX_DEPTH,
    STANDARD_OPERATORS,
    CompiledRule,
    VariableCheck,
    check_rule,
    evaluate_rule,
    is_truthy,
)
from counterfoil.rules.money import format_pence, round_half_up
from counterfoil.rules.references import (
    CHECK_ALGORITHMS,
    ReferenceMask,
    ReferenceMaskInvalid,
    ReferenceResult,
    check_reference,
    looks_like_card_number,
    luhn_check_digit,
    mask_problems,
    mod11_check_digit,
)

__all__ = [
    "CHECK_ALGORITHMS",
    "MAX_DEPTH",
    "STANDARD_OPERATORS",
    "CompiledRule",
    "FeeError",
    "FeeLine",
    "FeeQuote",
    "FeeSchedule",
    "Problem",
    "QuotedLine",
    "ReferenceMask",
    "ReferenceMaskInvalid",
    "ReferenceResult",
    "RuleEvaluationError",
    "RuleInvalid",
    "RulesError",
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
]
