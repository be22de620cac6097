"""The sandbox's test cards (payments.md, the numbers GOV.UK Pay's sandbox uses) and the checks on
the card form. Pure: no database, no HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum


class Outcome(Enum):
    SUCCESS = "success"
    DECLINED = "declined"  # failed, P0010
    PROVIDER_ERROR = "error"  # error, P0050
    CHALLENGE = "3ds"  # a 3-D Secure challenge first, then success if approved


TEST_CARDS: dict[str, Outcome] = {
    "4242424242424242": Outcome.SUCCESS,
    "4444333322221111": Outcome.SUCCESS,
    "5105105105105100": Outcome.SUCCESS,
    "371449635398431": Outcome.SUCCESS,
    "4000000000000002": Outcome.DECLINED,
    "4000000000000069": Outcome.DECLINED,  # expired card
    "4000000000000127": Outcome.DECLINED,  # security code error
    "4000000000000119": Outcome.PROVIDER_ERROR,
    "4000002500003155": Outcome.CHALLENGE,
}


@dataclass(frozen=True)
class CardForm:
    number: str
    expiry_month: str
    expiry_year: str
    name: str
    cvc: str


@dataclass(frozen=True)
class FieldProblem:
    field: str  # the input's id, for the error summary's link
    message: str


@dataclass(frozen=True)
class CardCheck:
    outcome: Outcome | None
    last4: str
    problems: list[FieldProblem]


def normalise_number(raw: str) -> str:
    # People type cards in groups; GOV.UK Pay ignores spaces and dashes too.
    return raw.replace(" ", "").replace("-", "")


def _expiry_valid(month: str, year: str, today: date) -> bool:
    if not (month.strip().isdigit() and year.strip().isdigit()):
        return False
    m, y = int(month), int(year)
    if len(year.strip()) == 2:
        y += 2000
    if not 1 <= m <= 12 or y > today.year + 20:
        return False
    return (y, m) >= (today.year, today.month)


def check_card(form: CardForm, today: date) -> CardCheck:
    number = normalise_number(form.number)
    problems: list[FieldProblem] = []
    outcome = TEST_CARDS.get(number)
    if outcome is None:
        problems.append(FieldProblem("card-number", "Enter a valid card number"))
    if not _expiry_valid(form.expiry_month, form.expiry_year, today):
        problems.append(FieldProblem("expiry-month", "Enter a valid expiry date"))
    if not form.name.strip():
        problems.append(FieldProblem("cardholder-name", "Enter the name as it appears on the card"))
    cvc = form.cvc.strip()
    if not (cvc.isdigit() and len(cvc) in (3, 4)):
        problems.append(FieldProblem("cvc", "Enter a valid card security code"))
    return CardCheck(outcome=None if problems else outcome, last4=number[-4:], problems=problems)
