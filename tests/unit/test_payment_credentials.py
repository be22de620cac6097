"""Payment credentials: typed per provider, encrypted with rotating keys, never shown in a repr."""

from __future__ import annotations

import logging

import msgspec
import pytest
from cryptography.fernet import Fernet

from counterfoil.platform import Settings
from counterfoil.platform.payments.credentials import (
    CredentialsCipher,
    CredentialsKeyMissing,
    CredentialsUnreadable,
    GovUkPayCredentials,
    NoCredentials,
    StripeCredentials,
    derived_key,
)

API_KEY = "api_test_0123456789abcdefWXYZ"
SECRET = "whsec_signing-secret-never-shown"


def _settings(**values: str) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_a_token_decrypts_to_the_same_credentials_and_holds_no_secret_in_clear() -> None:
    cipher = CredentialsCipher.from_settings(
        _settings(credentials_keys=Fernet.generate_key().decode())
    )
    credentials = GovUkPayCredentials(api_key=API_KEY, webhook_secret=SECRET)
    token = cipher.encrypt(credentials)
    assert API_KEY not in token
    assert SECRET not in token
    assert cipher.decrypt(token, GovUkPayCredentials) == credentials


def test_keys_rotate_the_first_encrypts_and_every_one_decrypts() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    before = CredentialsCipher.from_settings(_settings(credentials_keys=old))
    token = before.encrypt(StripeCredentials(secret_key="sk_test_1234", webhook_secret=SECRET))
    after = CredentialsCipher.from_settings(_settings(credentials_keys=f"{new}, {old}"))
    assert after.decrypt(token, StripeCredentials).secret_key == "sk_test_1234"
    rotated = after.rotate(token)
    only_new = CredentialsCipher.from_settings(_settings(credentials_keys=new))
    assert only_new.decrypt(rotated, StripeCredentials).webhook_secret == SECRET
    with pytest.raises(CredentialsUnreadable, match="cannot be decrypted"):
        only_new.decrypt(token, StripeCredentials)


def test_without_keys_the_secret_key_gives_a_stable_dev_key() -> None:
    first = CredentialsCipher.from_settings(_settings(secret_key="dev-secret"))
    second = CredentialsCipher.from_settings(_settings(secret_key="dev-secret"))
    token = first.encrypt(GovUkPayCredentials(api_key=API_KEY, webhook_secret=SECRET))
    assert second.decrypt(token, GovUkPayCredentials).api_key == API_KEY
    assert derived_key("dev-secret") != derived_key("another-secret")


def test_with_no_key_at_all_credentials_are_refused_clearly() -> None:
    cipher = CredentialsCipher.from_settings(_settings())
    with pytest.raises(CredentialsKeyMissing, match="COUNTERFOIL_CREDENTIALS_KEYS"):
        cipher.encrypt(GovUkPayCredentials(api_key=API_KEY, webhook_secret=SECRET))


def test_a_key_that_is_not_a_fernet_key_is_refused_clearly() -> None:
    with pytest.raises(CredentialsKeyMissing, match="must hold Fernet keys"):
        CredentialsCipher.from_settings(_settings(credentials_keys="not-a-key"))


def test_a_token_of_another_provider_is_unreadable_not_misread() -> None:
    cipher = CredentialsCipher.from_settings(_settings(secret_key="dev-secret"))
    token = cipher.encrypt(GovUkPayCredentials(api_key=API_KEY, webhook_secret=SECRET))
    with pytest.raises(CredentialsUnreadable, match="not StripeCredentials"):
        cipher.decrypt(token, StripeCredentials)


@pytest.mark.parametrize(
    ("credentials", "shown"),
    [
        (
            GovUkPayCredentials(api_key=API_KEY, webhook_secret=SECRET),
            "GovUkPayCredentials(api_key=***, webhook_secret=***)",
        ),
        (
            StripeCredentials(secret_key="sk_live_abcdefgh5678", webhook_secret=SECRET),
            "StripeCredentials(secret_key=***, webhook_secret=***)",
        ),
        (NoCredentials(), "NoCredentials()"),
    ],
)
def test_repr_str_and_logs_hide_the_secrets(
    credentials: GovUkPayCredentials | StripeCredentials | NoCredentials,
    shown: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert repr(credentials) == shown
    assert str(credentials) == shown
    assert f"{credentials}" == shown
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("credentials %s %r", credentials, [credentials])
    assert SECRET not in caplog.text
    assert API_KEY not in caplog.text


def test_the_hint_is_the_last_four_characters_of_the_api_key_only() -> None:
    assert GovUkPayCredentials(api_key=API_KEY, webhook_secret=SECRET).hint() == "…WXYZ"
    assert StripeCredentials(secret_key="sk_test_9876", webhook_secret=SECRET).hint() == "…9876"
    assert NoCredentials().hint() == ""


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"api_key": API_KEY}, "missing required field `webhook_secret`"),
        ({"api_key": 12, "webhook_secret": SECRET}, "Expected `str`, got `int`"),
        ({"api_key": API_KEY, "webhook_secret": SECRET, "x": "y"}, "unknown field `x`"),
    ],
)
def test_credentials_have_their_providers_exact_shape(
    given: dict[str, object], message: str
) -> None:
    with pytest.raises(msgspec.ValidationError, match=message):
        msgspec.convert(given, GovUkPayCredentials, strict=True)
