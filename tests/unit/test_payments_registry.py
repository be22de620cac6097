"""The gateway registry, the payments package's public names, and the sandbox's card checks."""

from __future__ import annotations

from datetime import date

import pytest

import counterfoil.platform.payments as payments
from counterfoil.platform import Settings
from counterfoil.platform.payments import SandboxGateway, UnknownGateway, default_registry
from counterfoil.platform.payments.credentials import NoCredentials, StripeCredentials
from counterfoil.platform.payments.registry import Adapter
from counterfoil.web.sandbox._cards import CardForm, Outcome, check_card


def _settings() -> Settings:
    return Settings(_env_file=None)


def test_registry_refuses_a_duplicate_id() -> None:
    registry = default_registry()
    with pytest.raises(ValueError, match="'sandbox' is already registered"):
        registry.register(Adapter("sandbox", NoCredentials, lambda *_: SandboxGateway(_settings())))


def test_registry_holds_every_real_adapter_and_names_them_for_an_unknown_id() -> None:
    registry = default_registry()
    assert list(registry) == ["govuk_pay", "sandbox", "stripe"]
    assert registry.get("stripe").credentials is StripeCredentials
    assert not registry.get("sandbox").live
    with pytest.raises(
        UnknownGateway,
        match=r"no payment gateway 'paypal' \(registered: govuk_pay, sandbox, stripe\)",
    ):
        registry.get("paypal")


def test_payments_package_exports_are_pinned() -> None:
    assert sorted(payments.__all__) == [
        "CreatedPayment",
        "GatewayRegistry",
        "GatewayUnavailable",
        "PaymentGateway",
        "PaymentRejected",
        "PaymentState",
        "PaymentStatus",
        "PaymentsError",
        "Refund",
        "RefundMismatch",
        "RefundStatus",
        "SandboxGateway",
        "UnknownGateway",
        "WebhookEvent",
        "WebhookRejected",
        "default_registry",
    ]


def _form(number: str, month: str = "12", year: str = "2030", cvc: str = "123") -> CardForm:
    return CardForm(number=number, expiry_month=month, expiry_year=year, name="A N Other", cvc=cvc)


@pytest.mark.parametrize(
    ("number", "outcome"),
    [
        ("4242 4242 4242 4242", Outcome.SUCCESS),
        ("3714-496353-98431", Outcome.SUCCESS),
        ("4000000000000069", Outcome.DECLINED),
        ("4000000000000119", Outcome.PROVIDER_ERROR),
        ("4000002500003155", Outcome.CHALLENGE),
    ],
)
def test_test_cards_have_their_outcomes(number: str, outcome: Outcome) -> None:
    check = check_card(_form(number), date(2026, 11, 26))
    assert (check.outcome, check.problems) == (outcome, [])


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (_form("4111111111111111"), "Enter a valid card number"),
        (_form("4242424242424242", month="10", year="26"), "Enter a valid expiry date"),
        (_form("4242424242424242", month="13"), "Enter a valid expiry date"),
        (_form("4242424242424242", cvc="12"), "Enter a valid card security code"),
    ],
)
def test_card_form_problems(form: CardForm, message: str) -> None:
    check = check_card(form, date(2026, 11, 26))
    assert check.outcome is None
    assert [p.message for p in check.problems] == [message]


def test_expiry_this_month_is_still_valid() -> None:
    check = check_card(_form("4242424242424242", month="11", year="26"), date(2026, 11, 26))
    assert check.outcome is Outcome.SUCCESS
