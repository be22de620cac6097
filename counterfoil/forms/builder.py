"""Rules made without writing JSON Logic: conditions from clauses, fee amounts from a few kinds of
fee line, and the reverse (a rule back into clauses or a fee line, or None when it is something
else and only the raw JSON Logic box can show it). Money is typed in pounds, stored in pence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Literal

from counterfoil.forms.pointers import schema_type

# operator name -> JSON Logic operator; "answered"/"not_answered" compare with null (no value)
OPERATORS: Final = {
    "equals": "==",
    "not_equals": "!=",
    "more_than": ">",
    "less_than": "<",
    "one_of": "in",
    "answered": "!=",
    "not_answered": "==",
}
OPERATOR_LABELS: Final = {
    "equals": "is",
    "not_equals": "is not",
    "more_than": "is more than",
    "less_than": "is less than",
    "one_of": "is one of",
    "answered": "is answered",
    "not_answered": "is not answered",
}
VALUELESS: Final = frozenset({"answered", "not_answered"})
Combine = Literal["all", "any"]


class BuilderError(ValueError):
    """Something typed into a builder cannot become a rule (the message is for the designer)."""


@dataclass(frozen=True)
class Clause:
    field: str  # a variable path: "collection_type", "address.postcode"
    operator: str
    value: Any = None


@dataclass(frozen=True)
class Condition:
    clauses: tuple[Clause, ...]
    combine: Combine = "all"


def clause_rule(clause: Clause) -> dict[str, Any]:
    var = {"var": clause.field}
    if clause.operator in VALUELESS:
        return {OPERATORS[clause.operator]: [var, None]}
    if clause.operator not in OPERATORS:
        raise BuilderError(f"unknown operator {clause.operator!r}")
    return {OPERATORS[clause.operator]: [var, clause.value]}


def condition_rule(condition: Condition) -> dict[str, Any]:
    if not condition.clauses:
        raise BuilderError("a condition needs at least one clause")
    rules = [clause_rule(c) for c in condition.clauses]
    if len(rules) == 1:
        return rules[0]
    return {"and" if condition.combine == "all" else "or": rules}


def _clause_of(rule: Any) -> Clause | None:
    if not isinstance(rule, dict) or len(rule) != 1:
        return None
    op, args = next(iter(rule.items()))
    if not isinstance(args, list) or len(args) != 2:
        return None
    var, value = args
    if not (isinstance(var, dict) and set(var) == {"var"} and isinstance(var["var"], str)):
        return None
    field = var["var"]
    if value is None and op in ("==", "!="):
        return Clause(field, "not_answered" if op == "==" else "answered")
    for name, symbol in OPERATORS.items():
        if symbol == op and name not in VALUELESS:
            if name == "one_of" and not isinstance(value, list):
                return None
            if name != "one_of" and isinstance(value, (list, dict)):
                return None
            return Clause(field, name, value)
    return None


def condition_of(rule: Any) -> Condition | None:
    """The clauses a rule was built from, or None when the builder cannot show it."""
    single = _clause_of(rule)
    if single is not None:
        return Condition((single,))
    if isinstance(rule, dict) and len(rule) == 1:
        op, args = next(iter(rule.items()))
        if op in ("and", "or") and isinstance(args, list) and args:
            clauses = [_clause_of(a) for a in args]
            if all(c is not None for c in clauses):
                combine: Combine = "all" if op == "and" else "any"
                return Condition(tuple(c for c in clauses if c is not None), combine)
    return None


def condition_schema(condition: Condition) -> dict[str, Any] | None:
    """The same test as a JSON Schema (for `if`/`then`), or None for a field inside an object."""
    parts: list[dict[str, Any]] = []
    for c in condition.clauses:
        if "." in c.field:
            return None
        here: dict[str, Any]
        if c.operator == "answered":
            here = {"required": [c.field]}
        elif c.operator == "not_answered":
            here = {"not": {"required": [c.field]}}
        elif c.operator == "not_equals":
            here = {"properties": {c.field: {"not": {"const": c.value}}}}
        else:
            test = {
                "equals": {"const": c.value},
                "one_of": {"enum": c.value},
                "more_than": {"exclusiveMinimum": c.value},
                "less_than": {"exclusiveMaximum": c.value},
            }[c.operator]
            here = {"properties": {c.field: test}, "required": [c.field]}
        parts.append(here)
    if len(parts) == 1:
        return parts[0]
    return {"allOf" if condition.combine == "all" else "anyOf": parts}


def typed_value(node: dict[str, Any], text: str, operator: str) -> Any:
    """A clause's value as the field's schema types it; "one of" takes a comma-separated list."""
    if operator in VALUELESS:
        return None
    if operator == "one_of":
        items = node.get("items") if schema_type(node) == "array" else None
        inner = items if isinstance(items, dict) else node
        values = [_typed(inner, part.strip()) for part in re.split(r"[,\n]", text)]
        return [v for v in values if v != ""]
    if schema_type(node) == "array" and isinstance(node.get("items"), dict):
        return _typed(node["items"], text.strip())
    return _typed(node, text.strip())


def _typed(node: dict[str, Any], text: str) -> Any:
    kind = schema_type(node)
    if kind == "boolean":
        lowered = text.lower()
        if lowered in ("yes", "true"):
            return True
        if lowered in ("no", "false"):
            return False
        raise BuilderError(f"Enter yes or no, not {text!r}")
    if kind in ("integer", "number"):
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise BuilderError(f"Enter a number, not {text!r}") from None
        if kind == "integer" or number == number.to_integral_value():
            if number != number.to_integral_value():
                raise BuilderError(f"Enter a whole number, not {text!r}")
            return int(number)
        return float(number)
    return text


def value_text(value: Any) -> str:
    """A clause value as the designer typed it (the inverse of `typed_value`)."""
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


_POUNDS: Final = re.compile(r"^-?\d+(\.\d{1,2})?$")


def pounds_to_pence(text: str) -> int:
    """ "12.50", "£1,200", "12" -> pence."""
    cleaned = text.strip().replace("£", "").replace(",", "").replace(" ", "")
    if not _POUNDS.match(cleaned):
        raise BuilderError("Enter an amount in pounds, like 12.50")
    return int(Decimal(cleaned) * 100)


def pence_to_pounds(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}{pounds}.{rest:02d}"


# --- fee lines -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FixedFee:
    pence: int


@dataclass(frozen=True)
class PerAnswerFee:
    """`pence` for each unit of a number field, or of the sum of a repeater's item field, after
    the first `free` units."""

    pence: int
    field: str
    item_field: str | None = None
    free: int = 0


@dataclass(frozen=True)
class ConditionalFee:
    """`pence` when the rule `when` holds (made with `condition_rule`, or written as JSON Logic)."""

    pence: int
    when: Any


@dataclass(frozen=True)
class ConcessionFee:
    """`percent` off the sum of the named earlier lines when `when` holds (a credit)."""

    percent: Decimal
    lines: tuple[str, ...]
    when: Any


FeeSpec = FixedFee | PerAnswerFee | ConditionalFee | ConcessionFee


def _count(spec: PerAnswerFee) -> dict[str, Any]:
    if spec.item_field is None:
        # an unanswered (optional or skipped) number counts as none rather than failing the fee
        return {"var": [spec.field, 0]}
    item = {"+": [{"var": "accumulator"}, {"var": f"current.{spec.item_field}"}]}
    return {"reduce": [{"var": spec.field}, item, 0]}


def fee_amount(spec: FeeSpec) -> int | dict[str, Any]:
    """The `amount` of a fee line: whole pence or a JSON Logic rule."""
    if isinstance(spec, FixedFee):
        return spec.pence
    if isinstance(spec, PerAnswerFee):
        count: dict[str, Any] = _count(spec)
        if spec.free:
            count = {"max": [0, {"-": [count, spec.free]}]}
        return {"*": [count, spec.pence]}
    if isinstance(spec, ConditionalFee):
        return {"if": [spec.when, spec.pence, 0]}
    if not spec.lines:
        raise BuilderError("A concession needs fee lines before it to take a percentage off")
    lines = [{"var": f"lines.{line}"} for line in spec.lines]
    total = lines[0] if len(lines) == 1 else {"+": lines}
    factor = -spec.percent / 100
    off = {"*": [int(factor) if factor == int(factor) else float(factor), total]}
    return {"if": [spec.when, off, 0]}


def _one(rule: Any, op: str, arity: int) -> list[Any] | None:
    if isinstance(rule, dict) and set(rule) == {op}:
        args = rule[op]
        if isinstance(args, list) and len(args) == arity:
            return args
    return None


def _per_answer(rule: Any) -> PerAnswerFee | None:
    product = _one(rule, "*", 2)
    if product is None or not _is_int(product[1]):
        return None
    count, pence = product
    free = 0
    bounded = _one(count, "max", 2)
    if bounded is not None and bounded[0] == 0:
        minus = _one(bounded[1], "-", 2)
        if minus is None or not _is_int(minus[1]):
            return None
        count, free = minus
    if isinstance(count, dict) and set(count) == {"var"}:
        path = count["var"][0] if isinstance(count["var"], list) else count["var"]
        return PerAnswerFee(pence, path, None, free) if isinstance(path, str) else None
    reduce = _one(count, "reduce", 3)
    if reduce is None or reduce[2] != 0 or not isinstance(reduce[0], dict):
        return None
    source, step = reduce[0].get("var"), _one(reduce[1], "+", 2)
    if not isinstance(source, str) or step is None or step[0] != {"var": "accumulator"}:
        return None
    current = step[1].get("var") if isinstance(step[1], dict) else None
    if not isinstance(current, str) or not current.startswith("current."):
        return None
    return PerAnswerFee(pence, source, current.removeprefix("current."), free)


def _concession(when: Any, off: Any) -> ConcessionFee | None:
    product = _one(off, "*", 2)
    if product is None or not isinstance(product[0], (int, float)) or product[0] >= 0:
        return None
    factor, total = product
    summed = isinstance(total, dict) and set(total) == {"+"} and isinstance(total["+"], list)
    names = []
    for term in total["+"] if summed else [total]:
        var = term.get("var") if isinstance(term, dict) and set(term) == {"var"} else None
        if not isinstance(var, str) or not var.startswith("lines."):
            return None
        names.append(var.removeprefix("lines."))
    percent = Decimal(format((-Decimal(repr(factor)) * 100).normalize(), "f"))
    return ConcessionFee(percent, tuple(names), when)


def fee_spec(amount: Any) -> FeeSpec | None:
    """The fee line an amount was built as, or None when only the raw rule box can show it."""
    if _is_int(amount):
        return FixedFee(amount)
    per_answer = _per_answer(amount)
    if per_answer is not None:
        return per_answer
    choice = _one(amount, "if", 3)
    if choice is None or choice[2] != 0 or choice[0] is None:
        return None
    if _is_int(choice[1]):
        return ConditionalFee(choice[1], choice[0])
    return _concession(choice[0], choice[1])


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- names and renames -----------------------------------------------------------------------


def field_name(label: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A property name from a question's label ("What is your postcode?" -> "your_postcode")."""
    words = re.sub(r"^(what|which|how|when|where|do|does|is|are)\s+(is|are)?\s*", "", label.lower())
    base = re.sub(r"[^a-z0-9]+", "_", words).strip("_")[:40].strip("_") or "question"
    if not base[0].isalpha():
        base = f"q_{base}"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def rename_variable(rule: Any, old: str, new: str) -> Any:
    """A copy of `rule` in which every `var` reading `old` (or below it) reads `new` instead."""
    if isinstance(rule, list):
        return [rename_variable(r, old, new) for r in rule]
    if not isinstance(rule, dict):
        return rule
    if set(rule) == {"var"}:
        args = rule["var"]
        path = args[0] if isinstance(args, list) and args else args
        if isinstance(path, str) and (path == old or path.startswith(f"{old}.")):
            renamed = new + path[len(old) :]
            return {"var": [renamed, *args[1:]] if isinstance(args, list) else renamed}
        return rule
    return {k: rename_variable(v, old, new) for k, v in rule.items()}


# --- requirements on conditional pages -------------------------------------------------------

_PAGE_MARK: Final = "counterfoil:required-when-page:"


def required_fields(definition: dict[str, Any]) -> set[str]:
    """The top-level fields the designer made required, wherever `place_requirements` put them."""
    schema = definition.get("schema", {})
    names = set(schema.get("required", []))
    for part in schema.get("allOf", []):
        if isinstance(part, dict) and str(part.get("$comment", "")).startswith(_PAGE_MARK):
            names.update(part.get("then", {}).get("required", []))
    return names


def place_requirements(definition: dict[str, Any], names: set[str]) -> None:
    """Require `names`: at the top level, or, on a page with a condition, only when that condition
    holds (`if`/`then`), since a field a skipped page never asked cannot always be required."""
    schema = definition["schema"]
    kept = [
        part
        for part in schema.get("allOf", [])
        if not (isinstance(part, dict) and str(part.get("$comment", "")).startswith(_PAGE_MARK))
    ]
    always = set(names)
    for page in definition.get("pages", []):
        wanted = [
            f.removeprefix("/") for f in page.get("fields", []) if f.removeprefix("/") in names
        ]
        if page.get("when") is None or not wanted:
            continue
        always.difference_update(wanted)
        condition = condition_of(page["when"])
        test = condition_schema(condition) if condition is not None else None
        if test is not None:
            then = {"required": wanted}
            kept.append({"$comment": f"{_PAGE_MARK}{page['id']}", "if": test, "then": then})
    ordered = [n for n in schema.get("properties", {}) if n in always]
    if ordered:
        schema["required"] = ordered
    else:
        schema.pop("required", None)
    if kept:
        schema["allOf"] = kept
    else:
        schema.pop("allOf", None)
