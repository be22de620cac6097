"""PaymentAccounts, the contract others call (activities, callbacks, daily reconciliation): which
gateway a form, a payment or a council uses, cached per account until it changes; and the
`counterfoil payments` commands. A real database, no servers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from sqlmodel import select
from typer.testing import CliRunner

from counterfoil.cli import app
from counterfoil.platform import Platform, Settings
from counterfoil.platform.db.models import Council, Payment, PaymentAccount
from counterfoil.platform.payments.account_admin import delete_account, set_account
from counterfoil.platform.payments.accounts import NoPaymentAccount, PaymentAccounts
from counterfoil.platform.payments.credentials import CredentialsCipher, GovUkPayCredentials
from counterfoil.platform.payments.govuk_pay import GovUkPayGateway
from counterfoil.platform.payments.sandbox import SandboxGateway
from counterfoil.platform.payments.stripe_gateway import StripeGateway
from counterfoil.platform.seed import seed_demo

GOVUK = {"api_key": "api_test_first-key-AAAA", "webhook_secret": "first-signing-secret"}
STRIPE = {"secret_key": "sk_test_stripe-key-BBBB", "webhook_secret": "whsec_stripe"}
KEY = Fernet.generate_key().decode()


def _open(database_url: str, **values: object) -> Platform:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        credentials_keys=KEY,
        **values,  # type: ignore[arg-type]
    )
    return Platform.open(settings)


@pytest.fixture
def platform(database_url: str) -> Iterator[Platform]:
    platform = _open(database_url)
    seed_demo(platform)
    yield platform
    platform.close()


def _council_id(platform: Platform) -> int:
    with platform.session() as session:
        council_id = session.exec(select(Council.id).where(Council.slug == "demo")).one()
    assert council_id is not None
    return council_id


def _set(platform: Platform, scope: str, provider: str, credentials: dict[str, str]) -> None:
    set_account(
        platform,
        "demo",
        scope,
        provider=provider,
        mode="test",
        credentials=credentials,
        actor="test",
    )


def test_the_forms_own_account_then_the_councils_then_the_sandbox(platform: Platform) -> None:
    accounts = PaymentAccounts(platform)
    council = _council_id(platform)
    assert accounts.gateway_for_form(council, "bulky-waste") == (None, accounts.sandbox)
    _set(platform, "default", "govuk_pay", GOVUK)
    _set(platform, "bulky-waste", "stripe", STRIPE)
    form_account, form_gateway = accounts.gateway_for_form(council, "bulky-waste")
    default_account, default_gateway = accounts.gateway_for_form(council, "missed-bin")
    assert isinstance(form_gateway, StripeGateway)
    assert isinstance(default_gateway, GovUkPayGateway)
    assert form_account != default_account
    assert form_account is not None
    asyncio.run(accounts.aclose())


def test_without_the_sandbox_fallback_a_council_with_no_account_is_refused(
    platform: Platform, database_url: str
) -> None:
    strict = _open(database_url, sandbox_fallback=False)
    accounts = PaymentAccounts(strict)
    with pytest.raises(NoPaymentAccount, match="sandbox fallback is off"):
        accounts.gateway_for_form(_council_id(platform), "bulky-waste")
    strict.close()


def test_gateways_are_cached_until_the_account_changes(platform: Platform) -> None:
    accounts = PaymentAccounts(platform)
    council = _council_id(platform)
    _set(platform, "default", "govuk_pay", GOVUK)
    account_id, first = accounts.gateway_for_form(council, "bulky-waste")
    assert accounts.gateway_for_form(council, "bulky-waste") == (account_id, first)
    # a key rotated at the provider: the same account, a new gateway with the new key
    _set(platform, "default", "govuk_pay", {**GOVUK, "api_key": "api_test_second-key-CCCC"})
    same_account, second = accounts.gateway_for_form(council, "bulky-waste")
    assert same_account == account_id
    assert second is not first
    assert repr(second) == repr(first)  # the repr shows the URL, never the key
    asyncio.run(accounts.aclose())


def test_a_payment_keeps_its_retired_account_and_the_council_lists_every_account(
    platform: Platform,
) -> None:
    accounts = PaymentAccounts(platform)
    council = _council_id(platform)
    _set(platform, "default", "govuk_pay", GOVUK)
    old_account, _ = accounts.gateway_for_form(council, "bulky-waste")
    _set(platform, "default", "stripe", STRIPE)
    delete_account(platform, "demo", "default", "test")
    payment = Payment(
        submission_id=1,
        attempt=1,
        provider="govuk_pay",
        provider_id="p1",
        amount=100,
        idempotency_key="k",
        account_id=old_account,
    )
    assert isinstance(accounts.gateway_for_payment(payment), GovUkPayGateway)
    sandbox_payment = Payment(
        submission_id=1,
        attempt=2,
        provider="sandbox",
        provider_id="p2",
        amount=1,
        idempotency_key="j",
    )
    assert isinstance(accounts.gateway_for_payment(sandbox_payment), SandboxGateway)
    listed = accounts.council_gateways(council)
    kinds = [(account_id is None, type(gateway)) for account_id, gateway in listed]
    assert kinds == [(False, GovUkPayGateway), (False, StripeGateway), (True, SandboxGateway)]
    assert accounts.gateway_for_form(council, "bulky-waste") == (None, accounts.sandbox)
    asyncio.run(accounts.aclose())


def test_the_command_reads_secrets_from_stdin_and_rotation_reencrypts(
    platform: Platform, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNTERFOIL_DATABASE_URL", database_url)
    monkeypatch.setenv("COUNTERFOIL_CREDENTIALS_KEYS", KEY)
    runner = CliRunner()
    argv = ["payments", "set", "--council", "demo", "--provider", "govuk_pay"]
    result = runner.invoke(app, argv, input=json.dumps(GOVUK))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "default: govuk_pay (test) …AAAA"
    refused = runner.invoke(app, argv, input=json.dumps({"api_key": GOVUK["api_key"]}))
    assert refused.exit_code == 1
    assert "/credentials/webhook_secret" in refused.output
    assert GOVUK["api_key"] not in refused.output
    new_key = Fernet.generate_key().decode()
    monkeypatch.setenv("COUNTERFOIL_CREDENTIALS_KEYS", f"{new_key},{KEY}")
    rotated = runner.invoke(app, ["payments", "rotate-keys"])
    assert rotated.exit_code == 0, rotated.output
    assert rotated.output.strip() == "re-encrypted 1 account(s)"
    with platform.session() as session:
        token = session.exec(select(PaymentAccount.credentials)).one()
    only_new = CredentialsCipher([new_key.encode()])
    assert only_new.decrypt(token, GovUkPayCredentials) == GovUkPayCredentials(**GOVUK)
