"""The payment providers the platform can use, by id: for each, its credentials' shape and how to
build its gateway. Adapters are imported here and nowhere else, so adding a provider is one import
and one `register` line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from counterfoil.platform.payments.base import PaymentGateway, PaymentsError
from counterfoil.platform.payments.credentials import (
    Credentials,
    GovUkPayCredentials,
    NoCredentials,
    StripeCredentials,
)
from counterfoil.platform.payments.govuk_pay import GovUkPayGateway
from counterfoil.platform.payments.sandbox import SandboxGateway
from counterfoil.platform.payments.stripe_gateway import StripeGateway
from counterfoil.platform.settings import Settings

# settings, the account's decrypted credentials, the shared HTTP client → a gateway
Builder = Callable[[Settings, Any, httpx.AsyncClient | None], PaymentGateway]


class UnknownGateway(PaymentsError, LookupError):
    """No gateway is registered under that id."""


@dataclass(frozen=True)
class Adapter:
    id: str
    credentials: type[Credentials]
    build: Builder
    # Whether it can take real money (the sandbox cannot: its accounts are test mode only).
    live: bool = True


class GatewayRegistry:
    def __init__(self) -> None:
        self._adapters: dict[str, Adapter] = {}

    def register(self, adapter: Adapter) -> None:
        if adapter.id in self._adapters:
            raise ValueError(f"a payment gateway with id {adapter.id!r} is already registered")
        self._adapters[adapter.id] = adapter

    def get(self, gateway_id: str) -> Adapter:
        try:
            return self._adapters[gateway_id]
        except KeyError:
            known = ", ".join(sorted(self._adapters)) or "none"
            raise UnknownGateway(
                f"no payment gateway {gateway_id!r} (registered: {known})"
            ) from None

    def __contains__(self, gateway_id: object) -> bool:
        return gateway_id in self._adapters

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._adapters))


def _sandbox(
    settings: Settings, _: NoCredentials, client: httpx.AsyncClient | None
) -> PaymentGateway:
    return SandboxGateway(settings, client)


def _govuk_pay(
    settings: Settings, credentials: GovUkPayCredentials, client: httpx.AsyncClient | None
) -> PaymentGateway:
    return GovUkPayGateway(
        base_url=settings.govuk_pay_url,
        api_key=credentials.api_key,
        webhook_secret=credentials.webhook_secret,
        client=client,
    )


def _stripe(
    settings: Settings, credentials: StripeCredentials, client: httpx.AsyncClient | None
) -> PaymentGateway:
    return StripeGateway(
        api_key=credentials.secret_key,
        webhook_secret=credentials.webhook_secret,
        base_url=settings.stripe_api_base,
        client=client,
    )


def default_registry() -> GatewayRegistry:
    """Every provider this install offers."""
    registry = GatewayRegistry()
    registry.register(Adapter(SandboxGateway.id, NoCredentials, _sandbox, live=False))
    registry.register(Adapter(GovUkPayGateway.id, GovUkPayCredentials, _govuk_pay))
    registry.register(Adapter(StripeGateway.id, StripeCredentials, _stripe))
    return registry
