"""Payment provider credentials: one typed Struct per provider, encrypted at rest as one Fernet
token with the keys from settings (`credentials_keys`; the first encrypts, all decrypt).

CredentialsError (a PaymentsError)
 ├── CredentialsKeyMissing   no key is configured, so nothing can be encrypted or read
 └── CredentialsUnreadable   a stored token that none of the keys opens, or that is not credentials
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any, ClassVar

import msgspec
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from counterfoil.platform.payments.base import PaymentsError
from counterfoil.platform.settings import Settings

HINT_CHARACTERS = 4


class CredentialsError(PaymentsError):
    pass


class CredentialsKeyMissing(CredentialsError):
    pass


class CredentialsUnreadable(CredentialsError):
    pass


class Credentials(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A provider's secrets. The repr names the fields, never their values, so credentials never
    reach a log line or a traceback by accident."""

    # The field whose last characters identify the credentials to staff (the hint).
    hinted: ClassVar[str | None] = None

    def __repr__(self) -> str:
        hidden = ", ".join(f"{name}=***" for name in self.__struct_fields__)
        return f"{type(self).__name__}({hidden})"

    __str__ = __repr__

    def hint(self) -> str:
        """What staff may see: the last characters of the API key, or nothing."""
        if self.hinted is None:
            return ""
        value: str = getattr(self, self.hinted)
        return f"…{value[-HINT_CHARACTERS:]}"


class NoCredentials(Credentials, frozen=True, forbid_unknown_fields=True):
    """The built-in sandbox: its keys come from settings."""


class GovUkPayCredentials(Credentials, frozen=True, forbid_unknown_fields=True):
    hinted: ClassVar[str | None] = "api_key"
    api_key: str
    webhook_secret: str


class StripeCredentials(Credentials, frozen=True, forbid_unknown_fields=True):
    hinted: ClassVar[str | None] = "secret_key"
    secret_key: str
    webhook_secret: str


class CredentialsCipher:
    """Encrypts credentials into one token and back. Without a key it refuses, clearly, only when
    used: an install that never stores credentials (the sandbox alone) needs none."""

    def __init__(self, keys: list[bytes]) -> None:
        self._fernet = MultiFernet([Fernet(key) for key in keys]) if keys else None

    def __repr__(self) -> str:
        return f"CredentialsCipher(keys={'set' if self._fernet else 'none'})"

    @classmethod
    def from_settings(cls, settings: Settings) -> CredentialsCipher:
        keys = [k.strip() for k in settings.credentials_keys.split(",") if k.strip()]
        if keys:
            try:
                return cls([key.encode() for key in keys])
            except ValueError as exc:  # not 32 url-safe base64-encoded bytes
                raise CredentialsKeyMissing(
                    "COUNTERFOIL_CREDENTIALS_KEYS must hold Fernet keys "
                    "(python -c 'from cryptography.fernet import Fernet; "
                    "print(Fernet.generate_key().decode())')"
                ) from exc
        if settings.secret_key:
            return cls([derived_key(settings.secret_key)])
        return cls([])

    def encrypt(self, credentials: Credentials) -> str:
        return self._cipher().encrypt(msgspec.json.encode(credentials)).decode()

    def decrypt(self, token: str, kind: type[Credentials]) -> Any:
        try:
            plain = self._cipher().decrypt(token.encode())
        except InvalidToken:
            raise CredentialsUnreadable(
                "stored payment credentials cannot be decrypted with the configured keys"
            ) from None
        try:
            return msgspec.json.decode(plain, type=kind)
        except msgspec.ValidationError:
            raise CredentialsUnreadable(
                f"stored payment credentials are not {kind.__name__}"
            ) from None

    def rotate(self, token: str) -> str:
        """The token re-encrypted with the first key (after a new key was put first)."""
        try:
            return self._cipher().rotate(token.encode()).decode()
        except InvalidToken:
            raise CredentialsUnreadable(
                "stored payment credentials cannot be decrypted with the configured keys"
            ) from None

    def _cipher(self) -> MultiFernet:
        if self._fernet is None:
            raise CredentialsKeyMissing(
                "No key to encrypt payment credentials: set COUNTERFOIL_CREDENTIALS_KEYS "
                "(or COUNTERFOIL_SECRET_KEY in development)"
            )
        return self._fernet


def derived_key(secret_key: str) -> bytes:
    """A Fernet key derived from the app's secret key (HKDF-SHA256), for development."""
    salt = hashlib.sha256(b"counterfoil payment credentials").digest()
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"credentials-key-v1").derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(raw)
