"""A fake GOV.UK Pay that speaks the documented public API over HTTP, for the adapter's tests.

It keeps payments in memory with GOV.UK Pay's states and error codes: create (with Idempotency-Key),
get, cancel, refunds (with `refund_amount_available`), a hosted card page that takes the sandbox
test cards, signed webhook messages, and injectable failures (429 with Retry-After, 500, or a hang).
Serve `FakeGovUkPay(...).app` with `serving` from `_departments_support`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from litestar import Litestar, Request, Response, get, post
from litestar.params import FromPath, FromQuery

SUCCESS_CARDS = frozenset(
    {"4242424242424242", "4444333322221111", "5105105105105100", "371449635398431"}
)
DECLINED_CARD = "4000000000000002"
ERROR_CARD = "4000000000000119"
MESSAGES = {
    "P0010": "Payment method rejected",
    "P0020": "Payment expired",
    "P0030": "Payment was cancelled by the user",
    "P0040": "Payment was cancelled by your service",
    "P0050": "Payment provider returned an error",
}
FINISHED = frozenset({"success", "failed", "cancelled", "error"})
Failure = Literal["429", "500", "hang"]

_Req = Request[Any, Any, Any]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _error(status: int, code: str, description: str, **extra: str) -> Response[dict[str, str]]:
    return Response({"code": code, "description": description, **extra}, status_code=status)


@dataclass
class FakePayment:
    payment_id: str
    token: str
    amount: int
    reference: str
    description: str
    return_url: str
    metadata: dict[str, Any]
    language: str
    created_date: str
    status: str = "created"
    code: str | None = None
    refunds: list[dict[str, Any]] = field(default_factory=list)

    @property
    def refunded(self) -> int:
        # a refund that failed gave nothing back: its amount is available again
        return sum(int(r["amount"]) for r in self.refunds if r["status"] != "error")

    @property
    def available(self) -> int:
        return self.amount - self.refunded if self.status == "success" else 0


@dataclass
class FakeGovUkPay:
    api_key: str
    webhook_secret: str
    base_url: str = ""
    payments: dict[str, FakePayment] = field(default_factory=dict)
    # Idempotency-Key → (canonical request body, the resource it created).
    payment_keys: dict[str, tuple[str, str]] = field(default_factory=dict)
    refund_keys: dict[tuple[str, str], tuple[str, dict[str, Any]]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    retry_after: str = "7"
    hang_seconds: float = 2.0
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    # The server runs in its own thread; the test changes state from another.
    lock: threading.Lock = field(default_factory=threading.Lock)

    # ----- what the test does -----

    def fail_next(self, count: int, how: Failure) -> None:
        with self.lock:
            self.failures.extend([how] * count)

    def reset(self) -> None:
        with self.lock:
            self.failures.clear()
            self.requests.clear()

    def expire(self, payment_id: str) -> None:
        """What GOV.UK Pay does 90 minutes after creation to a payment the payer did not finish."""
        with self.lock:
            payment = self.payments[payment_id]
            if payment.status not in FINISHED:
                payment.status, payment.code = "failed", "P0020"

    def settle_refund(self, payment_id: str, refund_id: str, status: str = "success") -> None:
        """What GOV.UK Pay does once the card scheme answers a submitted refund."""
        with self.lock:
            for refund in self.payments[payment_id].refunds:
                if refund["refund_id"] == refund_id:
                    refund["status"] = status

    def backdate(self, payment_id: str, created: datetime) -> None:
        """Move a payment's creation time, to put it in another day's search."""
        with self.lock:
            self.payments[payment_id].created_date = (
                created.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            )

    def webhook(self, payment_id: str, event_type: str) -> tuple[dict[str, str], bytes]:
        """A signed webhook message about the payment as it stands, as GOV.UK Pay would send it."""
        with self.lock:
            resource = self._payment_json(self.payments[payment_id])
        message = {
            "webhook_message_id": secrets.token_hex(13),
            "created_date": _now(),
            "resource_id": payment_id,
            "api_version": 1,
            "resource_type": "payment",
            "event_type": event_type,
            "resource": resource,
        }
        body = json.dumps(message).encode()
        return self.sign(body), body

    def sign(self, body: bytes, secret: str | None = None) -> dict[str, str]:
        digest = hmac.new((secret or self.webhook_secret).encode(), body, hashlib.sha256)
        return {"Content-Type": "application/json", "Pay-Signature": digest.hexdigest()}

    async def post_webhook(self, url: str, headers: dict[str, str], body: bytes) -> int:
        """Post a webhook message to the service's endpoint, over HTTP."""
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.post(url, content=body, headers=headers)
        return response.status_code

    # ----- the API -----

    def _payment_json(self, p: FakePayment) -> dict[str, Any]:
        state: dict[str, Any] = {"status": p.status, "finished": p.status in FINISHED}
        if p.code:
            state |= {"code": p.code, "message": MESSAGES[p.code]}
        self_href = f"{self.base_url}/v1/payments/{p.payment_id}"
        links: dict[str, Any] = {
            "self": {"href": self_href, "method": "GET"},
            "events": {"href": f"{self_href}/events", "method": "GET"},
            "refunds": {"href": f"{self_href}/refunds", "method": "GET"},
        }
        if p.status not in FINISHED:
            links["next_url"] = {"href": f"{self.base_url}/secure/{p.token}", "method": "GET"}
            links["cancel"] = {"href": f"{self_href}/cancel", "method": "POST"}
        if p.status == "success":
            refund_status = "available" if p.available else "full"
        else:
            refund_status = "pending" if p.status not in FINISHED else "unavailable"
        return {
            "payment_id": p.payment_id,
            "amount": p.amount,
            "reference": p.reference,
            "description": p.description,
            "return_url": p.return_url,
            "metadata": p.metadata,
            "language": p.language,
            "state": state,
            "created_date": p.created_date,
            "payment_provider": "sandbox",
            "delayed_capture": False,
            "moto": False,
            "refund_summary": {
                "status": refund_status,
                "amount_available": p.available,
                "amount_submitted": p.refunded,
            },
            "_links": links,
        }

    async def _before(self, request: _Req) -> Response[Any] | None:
        with self.lock:
            self.requests.append((request.method, request.url.path, dict(request.headers)))
            failure = self.failures.pop(0) if self.failures else None
        if failure == "429":
            body = {"code": "P0900", "description": "Too many requests"}
            return Response(body, status_code=429, headers={"Retry-After": self.retry_after})
        if failure == "500":
            return _error(500, "P0198", "Downstream system error")
        if failure == "hang":
            await asyncio.sleep(self.hang_seconds)
        if request.url.path.startswith("/v1/") and (
            request.headers.get("authorization") != f"Bearer {self.api_key}"
        ):
            return _error(401, "P0940", "Credentials are required to access this resource")
        return None

    def app(self, base_url: str) -> Litestar:
        """The fake's ASGI app, answering at `base_url` (for `serving`)."""
        self.base_url = base_url
        fake = self

        @post("/v1/payments", status_code=201)
        async def create(request: _Req) -> Response[Any]:
            body = await request.json()
            if not isinstance(body, dict):
                return _error(400, "P0197", "Unable to parse JSON")
            for name in ("amount", "reference", "description", "return_url"):
                if name not in body:
                    return _error(400, "P0101", f"Missing mandatory attribute: {name}", field=name)
            amount = body["amount"]
            if not isinstance(amount, int) or not 0 <= amount <= 10_000_000:
                return _error(
                    422,
                    "P0102",
                    "Invalid attribute value: amount. Must be less than or equal to 10000000",
                    field="amount",
                )
            key = request.headers.get("idempotency-key")
            canonical = json.dumps(body, sort_keys=True)
            with fake.lock:
                if key and key in fake.payment_keys:
                    seen, payment_id = fake.payment_keys[key]
                    if seen != canonical:
                        return _error(
                            409,
                            "P0191",
                            "The Idempotency-Key header value was used for a previous request"
                            " with a different request body",
                            header="Idempotency-Key",
                        )
                    # The same request again: the payment it made, not a second one.
                    payment_json = fake._payment_json(fake.payments[payment_id])
                    return Response(payment_json, status_code=200)
                payment = FakePayment(
                    payment_id=secrets.token_hex(13),
                    token=secrets.token_urlsafe(16),
                    amount=amount,
                    reference=str(body["reference"]),
                    description=str(body["description"]),
                    return_url=str(body["return_url"]),
                    metadata=dict(body.get("metadata") or {}),
                    language=str(body.get("language", "en")),
                    created_date=_now(),
                )
                fake.payments[payment.payment_id] = payment
                if key:
                    fake.payment_keys[key] = (canonical, payment.payment_id)
                return Response(fake._payment_json(payment), status_code=201)

        @get("/v1/payments")
        async def search(
            request: _Req,
            from_date: FromQuery[str | None] = None,
            to_date: FromQuery[str | None] = None,
            page: FromQuery[int] = 1,
            display_size: FromQuery[int] = 500,
        ) -> Response[Any]:
            # GOV.UK Pay's search: created on or after from_date and before to_date, newest first.
            if page < 1 or not 1 <= display_size <= 500:
                return _error(422, "P0402", "Invalid parameters: page, display_size")
            start = datetime.fromisoformat(from_date) if from_date else None
            end = datetime.fromisoformat(to_date) if to_date else None
            with fake.lock:
                found = sorted(
                    (
                        p
                        for p in fake.payments.values()
                        if (start is None or datetime.fromisoformat(p.created_date) >= start)
                        and (end is None or datetime.fromisoformat(p.created_date) < end)
                    ),
                    key=lambda p: p.created_date,
                    reverse=True,
                )
                shown = found[(page - 1) * display_size : page * display_size]
                results = [fake._payment_json(p) for p in shown]
            last = max((len(found) + display_size - 1) // display_size, 1)

            def link(number: int) -> dict[str, str]:
                query = dict(request.query_params) | {"page": str(number)}
                href = f"{fake.base_url}/v1/payments?" + "&".join(
                    f"{k}={v}" for k, v in query.items()
                )
                return {"href": href}

            links = {
                "self": link(page),
                "first_page": link(1),
                "last_page": link(last),
                "prev_page": link(page - 1) if page > 1 else None,
                "next_page": link(page + 1) if page < last else None,
            }
            body = {
                "total": len(found),
                "count": len(results),
                "page": page,
                "results": results,
                "_links": links,
            }
            return Response(body)

        @get("/v1/payments/{payment_id:str}")
        async def find(payment_id: FromPath[str]) -> Response[Any]:
            with fake.lock:
                payment = fake.payments.get(payment_id)
                if payment is None:
                    return _error(404, "P0200", "Not found")
                return Response(fake._payment_json(payment))

        @post("/v1/payments/{payment_id:str}/cancel")
        async def cancel(payment_id: FromPath[str]) -> Response[Any]:
            with fake.lock:
                payment = fake.payments.get(payment_id)
                if payment is None:
                    return _error(404, "P0500", "Not found")
                if payment.status == "submitted":
                    # The card is being authorised: GOV.UK Pay answers 409 until that settles.
                    return _error(409, "P0502", "Cancellation of payment failed")
                if payment.status in FINISHED:
                    return _error(400, "P0501", "Cancellation of payment failed")
                payment.status, payment.code = "cancelled", "P0040"
            return Response(b"", status_code=204)

        @post("/v1/payments/{payment_id:str}/refunds", status_code=202)
        async def refund(payment_id: FromPath[str], request: _Req) -> Response[Any]:
            body = await request.json()
            if not isinstance(body, dict) or not isinstance(body.get("amount"), int):
                return _error(400, "P0601", "Missing mandatory attribute: amount", field="amount")
            amount: int = body["amount"]
            expected = body.get("refund_amount_available")
            key = request.headers.get("idempotency-key")
            canonical = json.dumps(body, sort_keys=True)
            with fake.lock:
                payment = fake.payments.get(payment_id)
                if payment is None:
                    return _error(404, "P0700", "Not found")
                if key and (payment_id, key) in fake.refund_keys:
                    seen, made = fake.refund_keys[payment_id, key]
                    if seen != canonical:
                        return _error(
                            409,
                            "P0191",
                            "The Idempotency-Key header value was used for a previous request"
                            " with a different request body",
                            header="Idempotency-Key",
                        )
                    return Response(made, status_code=200)
                if payment.status != "success":
                    return _error(
                        400,
                        "P0603",
                        "The payment is not available for refund. Payment refund status: "
                        + ("pending" if payment.status not in FINISHED else "unavailable"),
                    )
                if expected is not None and expected != payment.available:
                    return _error(412, "P0604", "Refund amount available mismatch.")
                if amount < 1 or amount > payment.available:
                    return _error(
                        400,
                        "P0603",
                        "The payment is not available for refund. Not sufficient amount"
                        " available for refund",
                    )
                made = {
                    "refund_id": secrets.token_hex(13),
                    "created_date": _now(),
                    "amount": amount,
                    "status": "submitted",
                    "_links": {
                        "payment": {
                            "href": f"{fake.base_url}/v1/payments/{payment_id}",
                            "method": "GET",
                        }
                    },
                }
                payment.refunds.append(made)
                if key:
                    fake.refund_keys[payment_id, key] = (canonical, made)
                return Response(made, status_code=202)

        @get("/v1/payments/{payment_id:str}/refunds/{refund_id:str}")
        async def get_refund(payment_id: FromPath[str], refund_id: FromPath[str]) -> Response[Any]:
            with fake.lock:
                payment = fake.payments.get(payment_id)
                found = (
                    [r for r in payment.refunds if r["refund_id"] == refund_id] if payment else []
                )
            if not found:
                return _error(404, "P0700", "Not found")
            return Response(found[0])

        @get("/secure/{token:str}")
        async def card_page(token: FromPath[str]) -> Response[str]:
            with fake.lock:
                payment = fake._by_token(token)
                if payment is None or payment.status in FINISHED:
                    return Response("This link has expired", status_code=404)
                payment.status = "started"
            form = f'<form method="post" action="/secure/{token}"><input name="card_number"></form>'
            return Response(form, media_type="text/html")

        @post("/secure/{token:str}", status_code=303)
        async def pay(token: FromPath[str], request: _Req) -> Response[str]:
            card = str((await request.form()).get("card_number", "")).replace(" ", "")
            with fake.lock:
                payment = fake._by_token(token)
                if payment is None or payment.status in FINISHED:
                    return Response("This link has expired", status_code=404)
                if card in SUCCESS_CARDS:
                    payment.status, payment.code = "success", None
                elif card == DECLINED_CARD:
                    payment.status, payment.code = "failed", "P0010"
                elif card == ERROR_CARD:
                    payment.status, payment.code = "error", "P0050"
                else:
                    return Response("Enter a valid card number", status_code=200)
                # Like GOV.UK Pay, the return URL carries no outcome: the service looks it up.
                return Response("", status_code=303, headers={"Location": payment.return_url})

        return Litestar(
            [create, search, find, cancel, refund, get_refund, card_page, pay],
            before_request=self._before,
        )

    def _by_token(self, token: str) -> FakePayment | None:
        return next((p for p in self.payments.values() if p.token == token), None)
