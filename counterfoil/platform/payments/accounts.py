"""Which gateway takes a council's payments: built from the council's PaymentAccount (the form's
own, else the council's default) with its decrypted credentials, else the built-in sandbox when
settings allow (`sandbox_fallback`, on for dev and demos).

Gateways are cached per account and rebuilt when the account's `updated_at` changes, so their HTTP
connections are reused; every gateway shares one HTTP client, closed by `aclose()` at shutdown.
The methods read the database synchronously: call them from async code with `asyncio.to_thread`.

NoPaymentAccount (a PaymentsError): the council has no account for this and the sandbox is off
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Protocol, runtime_checkable

import httpx
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from counterfoil.platform.context import Platform
from counterfoil.platform.db.models import Council, Payment, PaymentAccount
from counterfoil.platform.payments.base import PaymentGateway, PaymentsError
from counterfoil.platform.payments.credentials import CredentialsCipher, NoCredentials
from counterfoil.platform.payments.registry import GatewayRegistry, default_registry
from counterfoil.platform.payments.sandbox import SandboxGateway

SANDBOX = SandboxGateway.id
# The gateways of a council: (PaymentAccount id, or None for the built-in sandbox, gateway).
AccountGateway = tuple[int | None, PaymentGateway]


class NoPaymentAccount(PaymentsError, LookupError):
    pass


@runtime_checkable
class _Closable(Protocol):
    async def aclose(self) -> None: ...


class PaymentAccounts:
    def __init__(
        self,
        platform: Platform,
        registry: GatewayRegistry | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._platform = platform
        self._settings = platform.settings
        self._registry = registry or default_registry()
        self._cipher = CredentialsCipher.from_settings(platform.settings)
        # A client passed in belongs to the caller; one made here is ours to close.
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient()
        self._sandbox = self._registry.get(SANDBOX).build(
            self._settings, NoCredentials(), self._client
        )
        # Activities call in from worker threads.
        self._lock = threading.Lock()
        self._cache: dict[int, tuple[datetime, PaymentGateway]] = {}
        self._replaced: list[PaymentGateway] = []

    def __repr__(self) -> str:
        return f"PaymentAccounts(cached={len(self._cache)})"

    @property
    def registry(self) -> GatewayRegistry:
        return self._registry

    @property
    def sandbox(self) -> PaymentGateway:
        """The built-in sandbox's gateway (account None)."""
        return self._sandbox

    def gateway_for_form(self, council_id: int, form_slug: str) -> AccountGateway:
        """The form's own account, else the council's default, else the sandbox (account None)."""
        with self._platform.session() as session:
            accounts = session.exec(
                _active(council_id)
                .where(col(PaymentAccount.form_slug).in_([form_slug, ""]))
                .order_by(col(PaymentAccount.id).desc())
            ).all()
        account = next((a for a in accounts if a.form_slug == form_slug), None) or next(
            (a for a in accounts if a.form_slug == ""), None
        )
        if account is not None:
            assert account.id is not None
            return account.id, self._gateway(account)
        if not self._settings.sandbox_fallback:
            raise NoPaymentAccount(
                f"council {council_id} has no payment account for {form_slug!r} "
                "and the sandbox fallback is off"
            )
        return None, self._sandbox

    def gateway_for_payment(self, payment: Payment) -> PaymentGateway:
        """The gateway of the account the payment was taken with, retired or not."""
        if payment.account_id is None:
            if payment.provider != SANDBOX:
                raise NoPaymentAccount(f"payment {payment.provider_id} names no account")
            return self._sandbox
        with self._platform.session() as session:
            account = session.get(PaymentAccount, payment.account_id)
        if account is None:
            raise NoPaymentAccount(
                f"payment {payment.provider_id}: no account {payment.account_id}"
            )
        return self._gateway(account)

    def council_gateways(self, council_id: int) -> list[AccountGateway]:
        """Every account the council has had (retired ones still own payments), then the sandbox."""
        with self._platform.session() as session:
            accounts = session.exec(
                select(PaymentAccount)
                .where(PaymentAccount.council_id == council_id)
                .order_by(col(PaymentAccount.id))
            ).all()
        found: list[AccountGateway] = [(a.id, self._gateway(a)) for a in accounts]
        return [*found, (None, self._sandbox)]

    def webhook_gateways(self, council_slug: str, provider: str) -> list[AccountGateway] | None:
        """The gateways whose signing secrets may have signed a `provider` webhook for the
        council (each account has its own): None when there is no such council. The sandbox
        signs every council's webhooks with its one secret from settings."""
        if provider == SANDBOX:
            return [(None, self._sandbox)]
        with self._platform.session() as session:
            council = session.exec(select(Council).where(Council.slug == council_slug)).first()
            if council is None or council.id is None:
                return None
            accounts = session.exec(
                _active(council.id)
                .where(PaymentAccount.provider == provider)
                .order_by(col(PaymentAccount.id))
            ).all()
        return [(a.id, self._gateway(a)) for a in accounts]

    async def aclose(self) -> None:
        with self._lock:
            gateways = [g for _, g in self._cache.values()] + self._replaced + [self._sandbox]
            self._cache.clear()
            self._replaced.clear()
        for gateway in gateways:
            if isinstance(gateway, _Closable):
                await gateway.aclose()
        if self._owns_client:
            await self._client.aclose()

    def _gateway(self, account: PaymentAccount) -> PaymentGateway:
        assert account.id is not None
        with self._lock:
            cached = self._cache.get(account.id)
        if cached is not None and cached[0] == account.updated_at:
            return cached[1]
        if account.provider == SANDBOX:
            gateway = self._sandbox
        else:
            adapter = self._registry.get(account.provider)
            credentials = self._cipher.decrypt(account.credentials, adapter.credentials)
            gateway = adapter.build(self._settings, credentials, self._client)
        with self._lock:
            old = self._cache.get(account.id)
            if old is not None and old[1] is not self._sandbox:
                self._replaced.append(old[1])  # may be in use: closed at shutdown
            self._cache[account.id] = (account.updated_at, gateway)
        return gateway


def _active(council_id: int) -> SelectOfScalar[PaymentAccount]:
    return select(PaymentAccount).where(
        PaymentAccount.council_id == council_id, col(PaymentAccount.retired_at).is_(None)
    )


def active_account(session: Session, council_id: int, form_slug: str) -> PaymentAccount | None:
    """The scope's current account (form_slug "" for the council default)."""
    return session.exec(
        _active(council_id)
        .where(PaymentAccount.form_slug == form_slug)
        .order_by(col(PaymentAccount.id).desc())
    ).first()
