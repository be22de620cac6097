"""Pure rules: JSON Logic evaluation and checking, fee lines, money. No I/O."""

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

__all__ = [
    "MAX_DEPTH",
    "STANDARD_OPERATORS",
    "CompiledRule",
    "FeeError",
    "FeeLine",
    "FeeQuote",
    "FeeSchedule",
    "Problem",
    "QuotedLine",
    "RuleEvaluationError",
    "RuleInvalid",
    "RulesError",
    "VariableCheck",
    "check_rule",
    "evaluate_rule",
    "format_pence",
    "is_truthy",
    "round_half_up",
]
