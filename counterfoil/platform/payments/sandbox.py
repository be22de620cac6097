"""The adapter for the built-in sandbox provider. The sandbox speaks GOV.UK Pay's API, so this is
the GOV.UK Pay adapter pointed at it, reached only over HTTP as an external provider would be; it
differs in taking a callback URL per payment and in the shape of its webhook events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import msgspec

from counterfoil.platform.payments.base import PaymentState, WebhookEvent, WebhookRejected
from counterfoil.platform.payments.govuk_pay import SIGNATURE_HEADER, GovUkPayGateway, sign
from counterfoil.platform.settings import Settings

__all__ = ["SIGNATURE_HEADER", "SandboxGateway", "sign"]


class _State(msgspec.Struct):
    status: PaymentState
    finished: bool = False
    code: str | None = None


class _Resource(msgspec.Struct):
    payment_id: str
    state: _State


class _Event(msgspec.Struct):
    event_id: str
    event_type: str
    resource_id: str
    resource: _Resource


class SandboxGateway(GovUkPayGateway):
    id = "sandbox"
    sends_callback_url = True

    def __init__(
        self, settings: Settings, client: httpx.AsyncClient | None = None, timeout: float = 10.0
    ) -> None:
        super().__init__(
            base_url=settings.resolved_sandbox_url,
            api_key=settings.sandbox_api_key,
            webhook_secret=settings.sandbox_webhook_secret,
            client=client,
            timeout=timeout,
        )

    def __repr__(self) -> str:
        return f"SandboxGateway(base_url={self._base_url!r})"

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        self._check_signature(headers, body)
        try:
            event = msgspec.json.decode(body, type=_Event)
            payload: dict[str, Any] = msgspec.json.decode(body)
        except msgspec.DecodeError as exc:
            raise WebhookRejected(f"signed body is not a payment event: {exc}") from exc
        return WebhookEvent(
            event_id=event.event_id,
            provider_id=event.resource.payment_id,
            state=event.resource.state.status,
            failure_code=event.resource.state.code,
            payload=payload,
        )
