"""The adapter for GOV.UK Pay's public API (https://docs.payments.service.gov.uk/api_reference/).

Payments are created with an `Idempotency-Key`, looked up by id (strongly consistent), cancelled,
and refunded with `refund_amount_available` so a refund cannot happen twice. A period's payments
come from the search endpoint (`GET /v1/payments?from_date=&to_date=&page=&display_size=`), page by
page until `_links.next_page` is absent; it is eventually consistent, which is fine for a day that
ended hours ago. Webhooks carry a
`Pay-Signature`: the hex HMAC-SHA256 of the raw body with the service's webhook signing secret.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
import msgspec

from counterfoil.platform.payments.base import (
    CreatedPayment,
    GatewayUnavailable,
    PaymentGateway,
    PaymentRejected,
    PaymentState,
    PaymentStatus,
    ProviderPayment,
    Refund,
    RefundMismatch,
    RefundStatus,
    WebhookEvent,
    WebhookRejected,
)

SIGNATURE_HEADER = "Pay-Signature"
_T = TypeVar("_T")
# GOV.UK Pay's code for an Idempotency-Key already used with a different request body.
IDEMPOTENCY_KEY_REUSED = "P0191"
# The search endpoint's largest page.
SEARCH_PAGE_SIZE = 500


class GovUkPayUnavailable(GatewayUnavailable):
    """GatewayUnavailable carrying GOV.UK Pay's `Retry-After` in seconds, when it sent one."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class _State(msgspec.Struct):
    status: PaymentState
    finished: bool = False
    code: str | None = None


class _Href(msgspec.Struct):
    href: str


class _Links(msgspec.Struct):
    next_url: _Href | None = None


class _RefundSummary(msgspec.Struct):
    amount_available: int = 0


class _Payment(msgspec.Struct):
    payment_id: str
    amount: int
    state: _State
    refund_summary: _RefundSummary = msgspec.field(default_factory=_RefundSummary)
    links: _Links = msgspec.field(name="_links", default_factory=_Links)


class _Refund(msgspec.Struct):
    refund_id: str
    amount: int
    status: RefundStatus


class _WebhookResource(msgspec.Struct):
    payment_id: str
    state: _State


class _WebhookMessage(msgspec.Struct):
    webhook_message_id: str
    resource_id: str
    resource_type: str
    event_type: str
    resource: _WebhookResource


class _SearchResult(msgspec.Struct):
    payment_id: str
    amount: int
    state: _State
    created_date: datetime
    reference: str = ""
    metadata: dict[str, Any] | None = None


class _SearchLinks(msgspec.Struct):
    next_page: _Href | None = None


class _SearchPage(msgspec.Struct):
    results: list[_SearchResult]
    total: int = 0
    links: _SearchLinks = msgspec.field(name="_links", default_factory=_SearchLinks)


class _Error(msgspec.Struct):
    code: str | None = None
    description: str | None = None
    field: str | None = None


def sign(secret: str, body: bytes) -> str:
    """The `Pay-Signature` GOV.UK Pay sends with `body`: hex HMAC-SHA256 with the signing secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    # Plain dicts are case-sensitive; HTTP header names are not.
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


class GovUkPayGateway(PaymentGateway):
    id = "govuk_pay"
    sends_callback_url = False
    search_page_size = SEARCH_PAGE_SIZE

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        webhook_secret: str,
        client: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._webhook_secret = webhook_secret
        self._timeout = timeout
        # A client passed in belongs to the caller; one made here is ours to close.
        self._client = client
        self._owns_client = client is None

    def __repr__(self) -> str:
        # The default repr would show the API key and the signing secret in tracebacks and logs.
        return f"GovUkPayGateway(base_url={self._base_url!r})"

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
        body: dict[str, Any] = {
            "amount": amount,
            "reference": reference,
            "description": description,
            "return_url": return_url,
            "metadata": dict(metadata),
            "language": "en",
        }
        # GOV.UK Pay has no per-payment callback URL (webhooks are set per service in its admin
        # tool); a provider that takes one says so.
        if self.sends_callback_url:
            body["callback_url"] = callback_url
        response = await self._call(
            "POST", "/v1/payments", json=body, headers={"Idempotency-Key": idempotency_key}
        )
        payment = self._decode(response, _Payment, "payment")
        if payment.links.next_url is None:
            raise GatewayUnavailable("GOV.UK Pay created a payment without a next_url")
        return CreatedPayment(
            provider_id=payment.payment_id,
            next_url=payment.links.next_url.href,
            state=payment.state.status,
        )

    async def get(self, provider_id: str) -> PaymentStatus:
        response = await self._call("GET", f"/v1/payments/{provider_id}")
        payment = self._decode(response, _Payment, "payment")
        return PaymentStatus(
            provider_id=payment.payment_id,
            state=payment.state.status,
            amount=payment.amount,
            failure_code=payment.state.code,
            refundable=payment.refund_summary.amount_available,
        )

    async def cancel(self, provider_id: str) -> None:
        # 204 when cancelled; 400/409 (a finished payment, or one mid-authorisation) are 4xx, so
        # `_call` raises PaymentRejected for them.
        await self._call("POST", f"/v1/payments/{provider_id}/cancel")

    async def refund(
        self, provider_id: str, *, amount: int, expected_refundable: int, idempotency_key: str
    ) -> Refund:
        response = await self._call(
            "POST",
            f"/v1/payments/{provider_id}/refunds",
            json={"amount": amount, "refund_amount_available": expected_refundable},
            headers={"Idempotency-Key": idempotency_key},
        )
        return self._refund(response)

    async def get_refund(self, provider_id: str, refund_id: str) -> Refund:
        return self._refund(
            await self._call("GET", f"/v1/payments/{provider_id}/refunds/{refund_id}")
        )

    def _refund(self, response: httpx.Response) -> Refund:
        refund = self._decode(response, _Refund, "refund")
        return Refund(refund_id=refund.refund_id, amount=refund.amount, status=refund.status)

    async def list_payments(self, start: datetime, end: datetime) -> list[ProviderPayment]:
        found: dict[str, ProviderPayment] = {}
        page = 1
        while True:
            response = await self._call(
                "GET",
                "/v1/payments",
                params={
                    "from_date": _search_date(start),
                    "to_date": _search_date(end),
                    "page": str(page),
                    "display_size": str(self.search_page_size),
                },
            )
            results = self._decode(response, _SearchPage, "search page")
            for p in results.results:
                # A payment created while we page shifts the pages by one: keyed by id, a payment
                # seen on two pages counts once.
                found[p.payment_id] = ProviderPayment(
                    provider_id=p.payment_id,
                    reference=p.reference,
                    amount=p.amount,
                    state=p.state.status,
                    created=_aware(p.created_date),
                    metadata={str(k): str(v) for k, v in (p.metadata or {}).items()},
                )
            if results.links.next_page is None or not results.results:
                return list(found.values())
            page += 1

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        self._check_signature(headers, body)
        try:
            message = msgspec.json.decode(body, type=_WebhookMessage)
            payload: dict[str, Any] = msgspec.json.decode(body)
        except msgspec.DecodeError as exc:
            raise WebhookRejected(f"signed body is not a GOV.UK Pay payment event: {exc}") from exc
        if message.resource_type != "payment":
            raise WebhookRejected(f"not a payment event: resource_type {message.resource_type!r}")
        if message.resource.payment_id != message.resource_id:
            raise WebhookRejected("resource_id and resource.payment_id differ")
        # No timestamp is signed, so a replay verifies; it keeps its webhook_message_id, which the
        # callbacks route deduplicates on.
        return WebhookEvent(
            event_id=message.webhook_message_id,
            provider_id=message.resource.payment_id,
            state=message.resource.state.status,
            failure_code=message.resource.state.code,
            payload=payload,
        )

    def _check_signature(self, headers: Mapping[str, str], body: bytes) -> None:
        given = _header(headers, SIGNATURE_HEADER)
        if not given:
            raise WebhookRejected(f"no {SIGNATURE_HEADER} header")
        expected = sign(self._webhook_secret, body)
        # Bytes, because compare_digest refuses str with non-ASCII characters (a forger's choice).
        if not hmac.compare_digest(expected.encode(), given.strip().lower().encode()):
            raise WebhookRejected("signature does not match the body")

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout)
        try:
            response = await self._client.request(
                method,
                f"{self._base_url}{path}",
                json=json,
                params=params,
                headers={
                    "Authorization": f"Bearer {self._api_key}",
                    "Accept": "application/json",
                    **(headers or {}),
                },
                # Ours even on a caller's client, so a hung provider fails within our budget.
                timeout=self._timeout,
            )
        except httpx.TransportError as exc:
            # The message names the URL and the failure only; httpx never puts headers in it.
            raise GovUkPayUnavailable(
                f"GOV.UK Pay did not answer {method} {path}: {exc!r}"
            ) from exc
        status = response.status_code
        if status >= 500 or status == 429:
            retry_after = _retry_after(response.headers.get("Retry-After"))
            wait = f", retry after {retry_after:g} s" if retry_after is not None else ""
            raise GovUkPayUnavailable(
                f"GOV.UK Pay answered {status} to {method} {path}{wait}", retry_after
            )
        if status < 400:
            return response
        error = _error(response)
        detail = f"{error.code or 'no code'}: {error.description or response.reason_phrase}"
        if status == 412:
            raise RefundMismatch(f"GOV.UK Pay refused the refund ({detail})")
        if status == 409 and error.code == IDEMPOTENCY_KEY_REUSED:
            raise PaymentRejected(
                f"GOV.UK Pay refused {method} {path}: Idempotency-Key reused with another body"
                f" ({detail})"
            )
        raise PaymentRejected(f"GOV.UK Pay refused {method} {path} ({status}, {detail})")

    @staticmethod
    def _decode(response: httpx.Response, kind: type[_T], what: str) -> _T:
        try:
            return msgspec.json.decode(response.content, type=kind)
        except msgspec.DecodeError as exc:
            raise GatewayUnavailable(f"unexpected {what} from GOV.UK Pay: {exc}") from exc


def _error(response: httpx.Response) -> _Error:
    try:
        return msgspec.json.decode(response.content, type=_Error)
    except msgspec.DecodeError:
        return _Error(description=response.text[:200] or None)


def _search_date(at: datetime) -> str:
    # The form GOV.UK Pay's search documents: ISO 8601 in UTC, whole seconds, "Z".
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either delay-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)
