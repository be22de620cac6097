"""The adapter for the built-in sandbox provider. It reaches the sandbox only over HTTP, exactly as
it would reach an external provider, so the sandbox proves the interface rather than skirting it."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

import httpx
import msgspec

from counterfoil.platform.payments.base import (
    CreatedPayment,
    GatewayUnavailable,
    PaymentGateway,
    PaymentRejected,
    PaymentState,
    PaymentStatus,
    Refund,
    RefundMismatch,
    WebhookEvent,
    WebhookRejected,
)
from counterfoil.platform.settings import Settings

SIGNATURE_HEADER = "Pay-Signature"


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


def sign(secret: str, body: bytes) -> str:
    """The `Pay-Signature` value for `body`: hex HMAC-SHA256, as GOV.UK Pay signs its webhooks."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    # Plain dicts are case-sensitive; HTTP header names are not.
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


class SandboxGateway(PaymentGateway):
    id = "sandbox"

    def __init__(
        self, settings: Settings, client: httpx.AsyncClient | None = None, timeout: float = 10.0
    ) -> None:
        self._base_url = settings.resolved_sandbox_url
        self._api_key = settings.sandbox_api_key
        self._webhook_secret = settings.sandbox_webhook_secret
        self._timeout = timeout
        # A client passed in belongs to the caller; one made here is ours to close.
        self._client = client
        self._owns_client = client is None

    async def aclose(self) -> None:
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def create(
        self,
        *,
        amount: int,
        reference: str,
        description: str,
        return_url: str,
        callback_url: str,
        metadata: Mapping[str, str],
        idempotency_key: str,
    ) -> CreatedPayment:
        body = {
            "amount": amount,
            "reference": reference,
            "description": description,
            "return_url": return_url,
            "callback_url": callback_url,
            "metadata": dict(metadata),
        }
        data = await self._call(
            "POST", "/v1/payments", json=body, headers={"Idempotency-Key": idempotency_key}
        )
        try:
            return CreatedPayment(
                provider_id=str(data["payment_id"]),
                next_url=str(data["_links"]["next_url"]["href"]),
                state=PaymentState(data["state"]["status"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise GatewayUnavailable(f"unexpected create response from sandbox: {exc}") from exc

    async def get(self, provider_id: str) -> PaymentStatus:
        data = await self._call("GET", f"/v1/payments/{provider_id}")
        try:
            return PaymentStatus(
                provider_id=str(data["payment_id"]),
                state=PaymentState(data["state"]["status"]),
                amount=int(data["amount"]),
                failure_code=data["state"].get("code"),
                refundable=int(data["refund_summary"]["amount_available"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise GatewayUnavailable(f"unexpected payment from sandbox: {exc}") from exc

    async def cancel(self, provider_id: str) -> None:
        await self._call("POST", f"/v1/payments/{provider_id}/cancel")

    async def refund(
        self, provider_id: str, *, amount: int, expected_refundable: int, idempotency_key: str
    ) -> Refund:
        data = await self._call(
            "POST",
            f"/v1/payments/{provider_id}/refunds",
            json={"amount": amount, "refund_amount_available": expected_refundable},
            headers={"Idempotency-Key": idempotency_key},
        )
        try:
            return Refund(
                refund_id=str(data["refund_id"]), amount=int(data["amount"]), status=data["status"]
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise GatewayUnavailable(f"unexpected refund from sandbox: {exc}") from exc

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        given = _header(headers, SIGNATURE_HEADER)
        if not given:
            raise WebhookRejected(f"no {SIGNATURE_HEADER} header")
        expected = sign(self._webhook_secret, body)
        if not hmac.compare_digest(expected.encode(), given.strip().lower().encode()):
            raise WebhookRejected("signature does not match the body")
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

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout)
        try:
            response = await self._client.request(
                method,
                f"{self._base_url}{path}",
                json=json,
                headers={"Authorization": f"Bearer {self._api_key}", **(headers or {})},
            )
        except httpx.TransportError as exc:
            raise GatewayUnavailable(f"sandbox did not answer: {exc!r}") from exc
        status = response.status_code
        if status >= 500 or status == 429:
            raise GatewayUnavailable(f"sandbox answered {status}")
        if status == 412:
            raise RefundMismatch(_detail(response))
        if status >= 400:
            raise PaymentRejected(f"sandbox refused ({status}): {_detail(response)}")
        if status == 204 or not response.content:
            return {}
        try:
            data = response.json()
        except ValueError as exc:
            raise GatewayUnavailable("sandbox answered with something other than JSON") from exc
        if not isinstance(data, dict):
            raise GatewayUnavailable("sandbox answered with something other than a JSON object")
        return data


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.text))
    except ValueError:
        return response.text[:200]
