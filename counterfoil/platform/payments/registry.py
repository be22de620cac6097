"""The gateways the platform can use, by id. Adapters are imported here and nowhere else, so adding
a provider is one import and one `register` line."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

import httpx

from counterfoil.platform.payments.base import PaymentGateway, PaymentsError
from counterfoil.platform.payments.sandbox import SandboxGateway
from counterfoil.platform.settings import Settings


class UnknownGateway(PaymentsError, LookupError):
    """No gateway is registered under that id."""


@runtime_checkable
class _Closable(Protocol):
    async def aclose(self) -> None: ...


class GatewayRegistry:
    def __init__(self) -> None:
        self._gateways: dict[str, PaymentGateway] = {}

    def register(self, gateway: PaymentGateway) -> None:
        if gateway.id in self._gateways:
            raise ValueError(f"a payment gateway with id {gateway.id!r} is already registered")
        self._gateways[gateway.id] = gateway

    def get(self, gateway_id: str) -> PaymentGateway:
        try:
            return self._gateways[gateway_id]
        except KeyError:
            known = ", ".join(sorted(self._gateways)) or "none"
            raise UnknownGateway(
                f"no payment gateway {gateway_id!r} (registered: {known})"
            ) from None

    def __contains__(self, gateway_id: object) -> bool:
        return gateway_id in self._gateways

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._gateways))

    async def aclose(self) -> None:
        for gateway in self._gateways.values():
            if isinstance(gateway, _Closable):
                await gateway.aclose()


def default_registry(
    settings: Settings, client: httpx.AsyncClient | None = None
) -> GatewayRegistry:
    """Every gateway this install offers, configured from settings."""
    registry = GatewayRegistry()
    registry.register(SandboxGateway(settings, client))
    return registry
