"""References that residents type (council tax account, penalty notice number): checked against a
mask and a check digit, and a card number typed into the wrong box spotted. Pure: no I/O.

A mask has one symbol per character: `#` a digit, `@` a letter or digit, `$` a letter, `c` the
check digit; any other character must be typed as it is (letters in any case). Spaces in the mask
and in the typed value are ignored, so `"#### ####c"` and `"12345678 9"` are fine.

The check digit covers every digit before it in the value (literal digits of the mask included,
letters skipped). Two algorithms:

`luhn`: mod 10, as on payment cards; the digits before it and the check digit pass Luhn
(79927398713: 7992739871 gives 3). It catches every single-digit change and every swap of two
adjacent digits except 09 <-> 90.

`mod11`: modulus 11 with position weights, as on UK council tax, NNDR and NHS numbers. The digit
just before the check digit has weight 2, the one before it 3, and so on leftwards; with S the sum
of digit x weight, the check digit is (11 - S mod 11) mod 11. A result of 10 has no digit: no
reference with those digits is valid (councils do not issue them). Example: 12345678 has
S = 1x9 + 2x8 + 3x7 + 4x6 + 5x5 + 6x4 + 7x3 + 8x2 = 156, 156 mod 11 = 2, check digit 11 - 2 = 9,
so 123456789 is valid (and so is the NHS number 943 476 5919). It catches every swap of two
adjacent digits, and every single-digit change while at most 9 digits precede the check digit.
Its blind spots: the digits whose weight is a multiple of 11 (the 10th, 21st, ... digit left of
the check digit) are not covered, so a change there passes. Neither algorithm covers letters.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Final, Literal

import msgspec

from counterfoil.rules.errors import RulesError

CHECK_ALGORITHMS: Final = ("luhn", "mod11")
MAX_MASK_LENGTH: Final = 60

_DIGITS: Final = frozenset("0123456789")
_LETTERS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
# What each symbol accepts (of the upper-cased value) and how a resident is told what it needs.
_SYMBOLS: Final = {
    "#": (_DIGITS, "a number"),
    "@": (_DIGITS | _LETTERS, "a letter or a number"),
    "$": (_LETTERS, "a letter"),
    "c": (_DIGITS, "a number"),
}
_CHECK: Final = "c"

ReferenceProblem = Literal["length", "character", "check"]


class ReferenceMaskInvalid(RulesError):
    """A mask or check algorithm that cannot be used (the linter refuses it before a publish)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class ReferenceResult(msgspec.Struct, frozen=True):
    """`value` is the typed value with spaces removed and letters in upper case; when `ok` is false,
    `problem` says which kind and `reason` says it to a resident (`position` counts from 1)."""

    ok: bool
    value: str
    problem: ReferenceProblem | None = None
    reason: str = ""
    position: int | None = None


def mask_problems(mask: str, check: str | None) -> list[str]:
    """Everything wrong with a mask and its check algorithm, worded for a form designer."""
    problems: list[str] = []
    symbols = mask.replace(" ", "")
    if not symbols:
        problems.append("the mask is empty")
    if len(symbols) > MAX_MASK_LENGTH:
        problems.append(f"the mask is longer than {MAX_MASK_LENGTH} characters")
    # Only printable ASCII: a resident must be able to type every literal on any keyboard.
    odd = sorted({ch for ch in symbols if not (ch.isascii() and ch.isprintable())})
    if odd:
        problems.append(f"the mask may hold only printable ASCII characters, not {odd[0]!r}")
    checks = symbols.count(_CHECK)
    if checks > 1:
        problems.append("the mask has more than one check digit 'c'")
    if check is None and checks:
        problems.append("the mask has a check digit 'c' but no check algorithm")
    if check is not None:
        if check not in CHECK_ALGORITHMS:
            problems.append(f"unknown check {check!r}: use one of {', '.join(CHECK_ALGORITHMS)}")
        if not checks:
            problems.append(f"check {check!r} needs a check digit 'c' in the mask")
    return problems


def luhn_check_digit(digits: str) -> int:
    """The digit that, appended to `digits`, makes the whole pass Luhn."""
    total = 0
    # Appending a digit shifts every position: the digit now rightmost is doubled.
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return (10 - total % 10) % 10


def mod11_check_digit(digits: str) -> int | None:
    """The position-weighted modulus 11 check digit of `digits`, or None when it would be 10."""
    total = sum((ord(ch) - 48) * weight for weight, ch in enumerate(reversed(digits), start=2))
    digit = (11 - total % 11) % 11
    return None if digit == 10 else digit


_CHECK_DIGIT: Final[dict[str, Callable[[str], int | None]]] = {
    "luhn": luhn_check_digit,
    "mod11": mod11_check_digit,
}


class ReferenceMask:
    """A mask compiled once (per form field) and used to check every value typed into it."""

    __slots__ = ("_check_at", "_digit_of", "_slots", "algorithm", "mask")

    def __init__(self, mask: str, algorithm: str | None = None) -> None:
        problems = mask_problems(mask, algorithm)
        if problems:
            raise ReferenceMaskInvalid(problems)
        self.mask = mask
        self.algorithm = algorithm
        symbols = mask.replace(" ", "")
        # Per position: the characters accepted, and how to say what belongs there.
        self._slots: tuple[tuple[frozenset[str], str], ...] = tuple(
            _SYMBOLS.get(ch) or (frozenset(ch.upper()), f"'{ch.upper()}'") for ch in symbols
        )
        self._check_at = symbols.find(_CHECK)
        self._digit_of = _CHECK_DIGIT[algorithm] if algorithm else None

    def check(self, value: str) -> ReferenceResult:
        typed = value.replace(" ", "").upper()
        if len(typed) != len(self._slots):
            return ReferenceResult(
                ok=False,
                value=typed,
                problem="length",
                reason=f"It should have {len(self._slots)} characters, not {len(typed)}",
            )
        for position, (ch, (accepted, wanted)) in enumerate(
            zip(typed, self._slots, strict=True), start=1
        ):
            if ch not in accepted:
                return ReferenceResult(
                    ok=False,
                    value=typed,
                    problem="character",
                    reason=f"Character {position} should be {wanted}",
                    position=position,
                )
        if self._digit_of is not None:
            covered = "".join(ch for ch in typed[: self._check_at] if ch in _DIGITS)
            if self._digit_of(covered) != ord(typed[self._check_at]) - 48:
                return ReferenceResult(
                    ok=False,
                    value=typed,
                    problem="check",
                    reason="The check digit does not match: check you copied every number",
                    position=self._check_at + 1,
                )
        return ReferenceResult(ok=True, value=typed)


@lru_cache(maxsize=256)
def _compiled(mask: str, algorithm: str | None) -> ReferenceMask:
    return ReferenceMask(mask, algorithm)


def check_reference(value: str, mask: str, algorithm: str | None = None) -> ReferenceResult:
    """Check a typed reference; ReferenceMaskInvalid if the mask or algorithm cannot be used."""
    return _compiled(mask, algorithm).check(value)


# A card number is 12 to 19 digits; typed with spaces or hyphens it is at most this long.
_LONGEST_TYPED_CARD: Final = 19 * 2 - 1


def looks_like_card_number(value: str | int) -> bool:
    """12-19 digits (spaces and hyphens ignored) that pass Luhn: refuse it, and never store it."""
    if type(value) is int:
        # A number field reads "4242 4242 4242 4242" as an integer.
        if not 10**11 <= value < 10**19:
            return False
        digits = str(value)
    elif type(value) is str:
        # Length first: most answers are short or long text and leave here, before any scanning.
        if not 12 <= len(value) <= _LONGEST_TYPED_CARD:
            return False
        digits = value.replace(" ", "").replace("-", "")
        if not (12 <= len(digits) <= 19 and digits.isascii() and digits.isdigit()):
            return False
    else:
        return False
    return luhn_check_digit(digits[:-1]) == ord(digits[-1]) - 48
