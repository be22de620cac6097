"""JSON Logic rules: checked when a definition is loaded, compiled once, evaluated many times.

Evaluation is `datalogic-py` (Rust core, maintained, about 20x the speed of the pure-Python
`panzi-json-logic`; see docs/rules.md for the comparison). This module adds what the library leaves
to us: bare literal rules, the operator allow-list of the JSON Logic specification, a nesting limit,
variables checked against the fields a form provides, and (for amounts) a missing value reported as
an error instead of JavaScript's silent `null -> 0`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

import datalogic_py

from counterfoil.rules.errors import Problem, RuleEvaluationError, RuleInvalid

# The operators of the JSON Logic specification (jsonlogic.com/operations.html), minus `log`,
# which only prints. The engine knows many more (dates, tensors, `now`); a form may not use them,
# so definitions stay portable to any JSON Logic implementation.
STANDARD_OPERATORS: Final = frozenset(
    {
        "var", "missing", "missing_some",
        "if", "?:", "==", "===", "!=", "!==", "!", "!!", "or", "and",
        ">", ">=", "<", "<=", "max", "min", "+", "-", "*", "/", "%",
        "map", "reduce", "filter", "all", "none", "some", "merge", "in", "cat", "substr",
    }
)  # fmt: skip
MAX_DEPTH: Final = 24
MAX_NODES: Final = 2000

# Operators whose second argument runs once per element of the first (reduce: also a third).
_ITERATORS: Final = frozenset({"map", "filter", "all", "none", "some", "reduce"})
_ARITHMETIC: Final = frozenset({"+", "-", "*", "/", "%", "max", "min"})
_MISSING_MARK: Final = "counterfoil-missing#"
_THROWN_MISSING: Final = re.compile(re.escape(_MISSING_MARK) + r"(\d+)")

_ENGINE: Final = datalogic_py.Engine()

# Whether a dotted variable path ("address.postcode", "items.0.quantity") names something real.
VariableCheck = Callable[[str], bool]


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def operator_of(node: Any) -> str | None:
    """The operator of a rule node, or None for a literal (a one-key object is an operation)."""
    if isinstance(node, dict) and len(node) == 1:
        return str(next(iter(node)))
    return None


def _args(node: dict[str, Any], op: str) -> list[Any]:
    raw = node[op]
    return raw if isinstance(raw, list) else [raw]


def _static_var(node: Any) -> tuple[str, bool] | None:
    """(path, has_default) of a `var` whose path is written out, not computed."""
    if operator_of(node) != "var":
        return None
    args = _args(node, "var")
    if not args:
        return "", False
    if isinstance(args[0], (str, int)) and not isinstance(args[0], bool):
        return str(args[0]), len(args) > 1
    return None


def check_rule(
    rule: Any, *, pointer: str = "", variables: VariableCheck | None = None
) -> list[Problem]:
    """Every problem in `rule`, each with a JSON Pointer (prefixed by `pointer`) to its spot."""
    problems: list[Problem] = []
    nodes = 0

    def item_check(source: Any, outer: VariableCheck | None) -> VariableCheck | None:
        # Inside map/filter/...: a var names a part of the current element of a static list.
        static = _static_var(source)
        if outer is None or static is None or not static[0]:
            return None
        base = static[0]
        return lambda path: path == "" or outer(f"{base}.*.{path}")

    def reduce_check(source: Any, outer: VariableCheck | None) -> VariableCheck | None:
        element = item_check(source, outer)
        if element is None:
            return None

        def known(path: str) -> bool:
            head, _, rest = path.partition(".")
            if head == "accumulator":
                return True
            return head == "current" and element(rest)

        return known

    def walk(node: Any, here: str, depth: int, known: VariableCheck | None) -> None:
        nonlocal nodes
        nodes += 1
        if depth > MAX_DEPTH:
            problems.append(Problem(here, f"rule is nested more than {MAX_DEPTH} levels deep"))
            return
        if isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{here}/{i}", depth + 1, known)
            return
        if not isinstance(node, dict):
            return
        op = operator_of(node)
        if op is None:
            problems.append(
                Problem(here, "an operation must be an object with exactly one operator key")
            )
            return
        at = f"{here}/{_escape(op)}"
        if op not in STANDARD_OPERATORS:
            problems.append(Problem(at, f"unknown operator {op!r}"))
            return
        if op == "var":
            static = _static_var(node)
            if static and known is not None and static[0] and not known(static[0]):
                problems.append(Problem(at, f"no field provides the variable {static[0]!r}"))
        if op == "missing" and known is not None:
            for i, name in enumerate(_args(node, op)):
                if isinstance(name, str) and not known(name):
                    problems.append(Problem(f"{at}/{i}", f"no field provides {name!r}"))
        args = node[op]
        if op in _ITERATORS and isinstance(args, list) and len(args) >= 2:
            inner = reduce_check(args[0], known) if op == "reduce" else item_check(args[0], known)
            for i, arg in enumerate(args):
                walk(arg, f"{at}/{i}", depth + 1, inner if i == 1 else known)
        else:
            walk(args, at, depth + 1, known)

    walk(rule, pointer, 0, variables)
    if nodes > MAX_NODES:
        problems.append(Problem(pointer, f"rule has more than {MAX_NODES} parts"))
    return problems


def _guard_missing(node: Any, paths: list[str]) -> Any:
    """A copy of `node` in which a variable read by arithmetic throws when its value is absent."""
    op = operator_of(node)
    if op is None:
        return [_guard_missing(n, paths) for n in node] if isinstance(node, list) else node
    args = _args(node, op)
    guarded = [_guard_missing(arg, paths) for arg in args]
    if op in _ARITHMETIC:
        for i, arg in enumerate(guarded):
            static = _static_var(arg)
            if static is not None and not static[1] and static[0]:
                paths.append(static[0])
                guarded[i] = {"var": [static[0], {"throw": f"{_MISSING_MARK}{len(paths) - 1}"}]}
    return {op: guarded if isinstance(node[op], list) else guarded[0]}


def _null_equality(node: Any) -> Any:
    """A copy of `node` whose `==`/`!=` treat null as JavaScript does: equal only to null.

    datalogic-py's loose equality says `null == false` and `null == 0`; JavaScript (and so JSON
    Logic) says neither, and a page condition on an unanswered yes/no question depends on it.
    """
    op = operator_of(node)
    if op is None:
        return [_null_equality(n) for n in node] if isinstance(node, list) else node
    args = [_null_equality(arg) for arg in _args(node, op)]
    if op in ("==", "!=") and len(args) == 2:
        left, right = args
        equal = {
            "if": [
                {"===": [left, None]}, {"===": [right, None]},
                {"===": [right, None]}, False,
                {"==": [left, right]},
            ]
        }  # fmt: skip
        return equal if op == "==" else {"!": [equal]}
    return {op: args if isinstance(node[op], list) else args[0]}


class CompiledRule:
    """A rule ready to evaluate; build once per definition and reuse."""

    __slots__ = ("_compiled", "_literal", "_missing_paths", "source")

    def __init__(self, rule: Any, *, missing_is_error: bool = False) -> None:
        problems = check_rule(rule)
        if problems:
            raise RuleInvalid(problems)
        self.source = rule
        self._missing_paths: list[str] = []
        self._literal = not isinstance(rule, (dict, list))
        if self._literal:
            # datalogic refuses a bare string rule; the specification passes literals through.
            self._compiled = None
            return
        runnable = _null_equality(rule)
        if missing_is_error:
            runnable = _guard_missing(runnable, self._missing_paths)
        try:
            self._compiled = _ENGINE.compile(runnable)
        except datalogic_py.DataLogicError as exc:
            raise RuleInvalid([Problem("", str(exc))]) from exc

    def evaluate(self, data: Any) -> Any:
        if self._compiled is None:
            return self.source
        try:
            return self._compiled.evaluate(data)
        except datalogic_py.DataLogicError as exc:
            raise self._explain(exc) from exc

    def top_level_reads(self) -> frozenset[str] | None:
        """The top-level names this rule reads, or None when it computes a name at run time.

        Handing the engine only these keys skips converting the rest of a large answers object.
        """
        if self._compiled is None:
            return frozenset()
        facts = self._compiled.facts()
        # An empty path is `{"var": ""}`: the rule reads the whole data, so every key is needed.
        if facts["computed_reads"] or not facts["reads_complete"] or [] in facts["reads"]:
            return None
        return frozenset(str(path[0]) for path in facts["reads"])

    def _explain(self, exc: datalogic_py.DataLogicError) -> RuleEvaluationError:
        text = str(exc)
        found = _THROWN_MISSING.search(text)
        if found:
            path = self._missing_paths[int(found.group(1))]
            return RuleEvaluationError(f"reads {path!r}, which has no value", missing=path)
        if '"NaN"' in text:
            return RuleEvaluationError(
                f"the calculation in {exc.operator!r} has no numeric result "
                "(a division by zero, or text used as a number)"
            )
        return RuleEvaluationError(f"the rule failed: {text}")


def evaluate_rule(rule: Any, data: Any) -> Any:
    """One-off evaluation; for repeated use, keep a CompiledRule."""
    return CompiledRule(rule).evaluate(data)


def is_truthy(value: Any) -> bool:
    """JSON Logic truthiness: JavaScript's, except that an empty array is false."""
    if isinstance(value, list):
        return len(value) > 0
    if isinstance(value, dict):
        return True
    return bool(value)
