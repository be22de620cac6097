"""A fake Stripe that speaks the subset of the v1 API the Stripe adapter uses, over HTTP.

Requests come form-encoded in Stripe's bracket style (`line_items[0][price_data][currency]=gbp`),
answers are JSON, errors use Stripe's envelope `{"error": {"type", "code", "message", "param"}}`.
It keeps Checkout Sessions, PaymentIntents, charges and refunds in memory: create, retrieve (with
`expand`), expire, refunds (create, list); `Idempotency-Key` replays the first answer and refuses
the key with other parameters; injectable failures (429 with Retry-After, 500, a hang). The payer's
side is a hosted page at the session's `url` that takes test cards; `expire` lets the clock run
out; `webhook` builds an event signed as Stripe signs (`Stripe-Signature: t=…,v1=…`).
Serve `FakeStripe(...).app` with `serving` from `_departments_support`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl

import httpx
from litestar import Litestar, Request, Response, get, post
from litestar.params import FromPath

SUCCESS_CARDS = frozenset({"4242424242424242", "5555555555554444"})
DECLINED_CARD = "4000000000000002"
EXPIRY_SECONDS = 24 * 60 * 60
Failure = Literal["429", "500", "hang"]

_Req = Request[Any, Any, Any]


def _id(prefix: str) -> str:
    return f"{prefix}_test_{secrets.token_hex(12)}"


def _error(
    status: int,
    message: str,
    *,
    type_: str = "invalid_request_error",
    code: str | None = None,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    error: dict[str, Any] = {"type": type_, "message": message}
    if code:
        error["code"] = code
    if param:
        error["param"] = param
    return Response({"error": error}, status_code=status, headers=headers)


def decode_form(raw: str) -> dict[str, Any]:
    """Stripe's bracket-style form encoding back to nested dicts and lists."""
    tree: dict[str, Any] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        head, _, rest = key.partition("[")
        parts = [head] + (rest[:-1].split("][") if rest else [])
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    decoded: dict[str, Any] = _listify(tree)
    return decoded


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(key.isdigit() for key in node):
        return [_listify(node[key]) for key in sorted(node, key=int)]
    return {key: _listify(value) for key, value in node.items()}


@dataclass
class FakeStripe:
    api_key: str
    webhook_secret: str
    base_url: str = ""
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    charges: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Idempotency-Key → (method and path, parameters, status, body) of the first answer.
    keys: dict[str, tuple[str, dict[str, Any], int, Any]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    retry_after: str = "3"
    hang_seconds: float = 2.0
    # (method, path, headers, parameters) of every API request.
    requests: list[tuple[str, str, dict[str, str], dict[str, Any]]] = field(default_factory=list)
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

    def settle_refund(self, refund_id: str, status: str = "succeeded") -> None:
        """What Stripe does once the card network answers a pending refund; a failed one gives
        its amount back to the charge."""
        with self.lock:
            refund = self.refunds[refund_id]
            refund["status"] = status
            if status in ("failed", "canceled"):
                self.charges[refund["charge"]]["amount_refunded"] -= refund["amount"]

    def expire(self, session_id: str) -> None:
        """What Stripe does at `expires_at` to a session the payer did not finish."""
        with self.lock:
            session = self.sessions[session_id]
            if session["status"] == "open":
                session["expires_at"] = int(time.time())
                self._close(session)

    def webhook(
        self, event_type: str, obj: dict[str, Any], *, created: int | None = None
    ) -> tuple[dict[str, str], bytes]:
        """A signed event about `obj` (a session or a PaymentIntent), as Stripe would post it."""
        event = {
            "id": _id("evt"),
            "object": "event",
            "api_version": "2025-01-01",
            "created": created if created is not None else int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
            "data": {"object": obj},
        }
        body = json.dumps(event).encode()
        return self.sign(body), body

    def backdate(self, session_id: str, created: int) -> None:
        """Move a session's creation time (Unix seconds), to put it in another period's list."""
        with self.lock:
            self.sessions[session_id]["created"] = created

    def session_json(self, session_id: str) -> dict[str, Any]:
        with self.lock:
            return self._public(self._session_json(self.sessions[session_id], []))

    def intent_json(self, intent_id: str) -> dict[str, Any]:
        with self.lock:
            return dict(self.intents[intent_id])

    def sign(
        self, body: bytes, *, secret: str | None = None, timestamp: int | None = None
    ) -> dict[str, str]:
        """`Stripe-Signature: t=…,v1=…`: hex HMAC-SHA256 of `"{t}.{body}"` with the secret."""
        t = timestamp if timestamp is not None else int(time.time())
        signed = f"{t}.".encode() + body
        digest = hmac.new((secret or self.webhook_secret).encode(), signed, hashlib.sha256)
        return {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": f"t={t},v1={digest.hexdigest()}",
        }

    async def post_webhook(self, url: str, headers: dict[str, str], body: bytes) -> int:
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.post(url, content=body, headers=headers)
        return response.status_code

    # ----- state -----

    def _close(self, session: dict[str, Any]) -> None:
        session["status"], session["url"] = "expired", None
        intent = self.intents.get(session["payment_intent"] or "")
        if intent is not None and intent["status"] != "succeeded":
            intent["status"], intent["cancellation_reason"] = "canceled", "abandoned"

    def _session_json(self, session: dict[str, Any], expand: list[str]) -> dict[str, Any]:
        shown = dict(session)
        intent_id = session["payment_intent"]
        if intent_id and ("payment_intent" in expand or "payment_intent.latest_charge" in expand):
            intent = dict(self.intents[intent_id])
            if intent["latest_charge"] and "payment_intent.latest_charge" in expand:
                intent["latest_charge"] = dict(self.charges[intent["latest_charge"]])
            shown["payment_intent"] = intent
        return shown

    def _intent_for(self, session: dict[str, Any]) -> dict[str, Any]:
        if session["payment_intent"] is None:
            # Stripe makes the PaymentIntent when the payer first confirms.
            intent = {
                "id": _id("pi"),
                "object": "payment_intent",
                "amount": session["amount_total"],
                "amount_received": 0,
                "currency": "gbp",
                "status": "requires_payment_method",
                "latest_charge": None,
                "last_payment_error": None,
                "cancellation_reason": None,
                "metadata": session["_intent_metadata"],
            }
            self.intents[intent["id"]] = intent
            session["payment_intent"] = intent["id"]
        return self.intents[session["payment_intent"]]

    # ----- the API -----

    async def _before(self, request: _Req) -> Response[Any] | None:
        if not request.url.path.startswith("/v1/"):
            return None
        raw = (await request.body()).decode() or request.url.query or ""
        with self.lock:
            self.requests.append(
                (request.method, request.url.path, dict(request.headers), decode_form(raw))
            )
            failure = self.failures.pop(0) if self.failures else None
        if failure == "429":
            return _error(
                429,
                "Request rate limit exceeded. Learn more about rate limits here"
                " https://stripe.com/docs/rate-limits.",
                code="rate_limit",
                headers={"Retry-After": self.retry_after},
            )
        if failure == "500":
            return _error(500, "An unknown error occurred", type_="api_error")
        if failure == "hang":
            await asyncio.sleep(self.hang_seconds)
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            given = request.headers.get("authorization", "").removeprefix("Bearer ")
            return _error(401, f"Invalid API Key provided: {given[:8]}****{given[-4:]}")
        return None

    async def _idempotent(self, request: _Req, params: dict[str, Any], make: Any) -> Response[Any]:
        """`make()` → (status, body), answered once per Idempotency-Key and replayed after."""
        key = request.headers.get("idempotency-key")
        where = f"{request.method} {request.url.path}"
        with self.lock:
            if key and key in self.keys:
                seen_where, seen_params, status, body = self.keys[key]
                if (seen_where, seen_params) != (where, params):
                    return _error(
                        400,
                        "Keys for idempotent requests can only be used with the same parameters"
                        f" they were first used with. Try using a key other than '{key}' if you"
                        " meant to execute a different request.",
                        type_="idempotency_error",
                    )
                return Response(body, status_code=status, headers={"Idempotent-Replayed": "true"})
            status, body = make()
            if key and status < 500:
                self.keys[key] = (where, params, status, body)
        return Response(body, status_code=status)

    def app(self, base_url: str) -> Litestar:
        """The fake's ASGI app, answering at `base_url` (for `serving`)."""
        self.base_url = base_url
        fake = self

        def missing(kind: str, param: str, value: str) -> tuple[int, Any]:
            body = {
                "error": {
                    "type": "invalid_request_error",
                    "code": "resource_missing",
                    "param": param,
                    "message": f"No such {kind}: '{value}'",
                }
            }
            return 404, body

        def invalid(message: str, param: str | None = None) -> tuple[int, Any]:
            error = {"type": "invalid_request_error", "message": message}
            return 400, {"error": error | ({"param": param} if param else {})}

        @post("/v1/checkout/sessions")
        async def create_session(request: _Req) -> Response[Any]:
            params = decode_form((await request.body()).decode())

            def make() -> tuple[int, Any]:
                if params.get("mode") != "payment":
                    return invalid("Invalid mode: must be one of payment", "mode")
                items = params.get("line_items")
                if not isinstance(items, list) or len(items) != 1:
                    return invalid("line_items: one item expected", "line_items")
                price = items[0].get("price_data", {})
                amount = price.get("unit_amount", "")
                if not amount.isdigit() or not 30 <= int(amount) <= 99_999_999:
                    return invalid(
                        "Invalid integer: amount must be at least 30 pence and at most 99999999",
                        "line_items[0][price_data][unit_amount]",
                    )
                if price.get("currency") != "gbp" or not price.get("product_data", {}).get("name"):
                    return invalid("currency and product_data[name] are required", "line_items")
                if not params.get("success_url"):
                    return invalid("Missing required param: success_url.", "success_url")
                session_id = _id("cs")
                total = int(amount) * int(items[0].get("quantity", "1"))
                intent_data = params.get("payment_intent_data") or {}
                session = {
                    "id": session_id,
                    "object": "checkout.session",
                    "amount_subtotal": total,
                    "amount_total": total,
                    "currency": "gbp",
                    "client_reference_id": params.get("client_reference_id"),
                    "created": int(time.time()),
                    "expires_at": int(time.time()) + EXPIRY_SECONDS,
                    "livemode": False,
                    "metadata": params.get("metadata") or {},
                    "mode": "payment",
                    "payment_intent": None,
                    "payment_status": "unpaid",
                    "status": "open",
                    "success_url": params["success_url"],
                    "cancel_url": params.get("cancel_url"),
                    "url": f"{fake.base_url}/c/pay/{session_id}",
                    "_description": price["product_data"]["name"],
                    "_intent_metadata": intent_data.get("metadata") or {},
                }
                fake.sessions[session_id] = session
                return 200, fake._public(fake._session_json(session, []))

            return await fake._idempotent(request, params, make)

        @get("/v1/checkout/sessions")
        async def list_sessions(request: _Req) -> Response[Any]:
            # Newest first; `created[gte]`/`created[lt]` filters; cursor paging by starting_after.
            query = decode_form(request.url.query or "")
            created = query.get("created") or {}
            expand = query.get("expand") or []
            with fake.lock:
                found = [
                    s
                    for s in sorted(
                        fake.sessions.values(), key=lambda s: s["created"], reverse=True
                    )
                    if ("gte" not in created or s["created"] >= int(created["gte"]))
                    and ("lt" not in created or s["created"] < int(created["lt"]))
                ]
                after = query.get("starting_after")
                if after:
                    ids = [s["id"] for s in found]
                    if after not in ids:
                        status, body = missing("checkout.session", "starting_after", after)
                        return Response(body, status_code=status)
                    found = found[ids.index(after) + 1 :]
                limit = int(query.get("limit", "10"))
                inner = [e.removeprefix("data.") for e in expand if e.startswith("data.")]
                data = [fake._public(fake._session_json(s, inner)) for s in found[:limit]]
            page = {
                "object": "list",
                "data": data,
                "has_more": len(found) > limit,
                "url": "/v1/checkout/sessions",
            }
            return Response(page)

        @get("/v1/checkout/sessions/{session_id:str}")
        async def retrieve_session(session_id: FromPath[str], request: _Req) -> Response[Any]:
            expand = decode_form(request.url.query or "").get("expand") or []
            with fake.lock:
                session = fake.sessions.get(session_id)
                if session is None:
                    status, body = missing("checkout.session", "session", session_id)
                    return Response(body, status_code=status)
                return Response(fake._public(fake._session_json(session, expand)))

        @post("/v1/checkout/sessions/{session_id:str}/expire")
        async def expire_session(session_id: FromPath[str], request: _Req) -> Response[Any]:
            params = decode_form((await request.body()).decode())

            def make() -> tuple[int, Any]:
                session = fake.sessions.get(session_id)
                if session is None:
                    return missing("checkout.session", "session", session_id)
                if session["status"] != "open":
                    return invalid(
                        'Only Checkout Sessions with a status in ["open"] can be expired.'
                        f" This Checkout Session has a status of {session['status']!r}."
                    )
                fake._close(session)
                return 200, fake._public(fake._session_json(session, []))

            return await fake._idempotent(request, params, make)

        @post("/v1/refunds")
        async def create_refund(request: _Req) -> Response[Any]:
            params = decode_form((await request.body()).decode())

            def make() -> tuple[int, Any]:
                intent = fake.intents.get(params.get("payment_intent", ""))
                if intent is None:
                    return missing(
                        "payment_intent", "payment_intent", str(params.get("payment_intent"))
                    )
                if intent["status"] != "succeeded" or not intent["latest_charge"]:
                    return invalid(
                        f"This PaymentIntent ({intent['id']}) does not have a successful charge"
                        " to refund.",
                        "payment_intent",
                    )
                charge = fake.charges[intent["latest_charge"]]
                left = charge["amount"] - charge["amount_refunded"]
                if left == 0:
                    body = {
                        "error": {
                            "type": "invalid_request_error",
                            "code": "charge_already_refunded",
                            "message": f"Charge {charge['id']} has already been refunded.",
                        }
                    }
                    return 400, body
                amount = int(params.get("amount", left))
                if not 1 <= amount <= left:
                    return invalid(
                        f"Refund amount ({amount}) is greater than unrefunded amount on charge"
                        f" ({left})",
                        "amount",
                    )
                charge["amount_refunded"] += amount
                charge["refunded"] = charge["amount_refunded"] == charge["amount"]
                refund = {
                    "id": _id("re"),
                    "object": "refund",
                    "amount": amount,
                    "charge": charge["id"],
                    "currency": "gbp",
                    "created": int(time.time()),
                    "metadata": params.get("metadata") or {},
                    "payment_intent": intent["id"],
                    "status": "pending",
                }
                fake.refunds[refund["id"]] = refund
                return 200, refund

            return await fake._idempotent(request, params, make)

        @get("/v1/refunds")
        async def list_refunds(request: _Req) -> Response[Any]:
            query = decode_form(request.url.query or "")
            with fake.lock:
                found = [
                    r
                    for r in reversed(fake.refunds.values())
                    if r["payment_intent"] == query.get("payment_intent")
                ]
            limit = int(query.get("limit", "10"))
            page = {
                "object": "list",
                "data": found[:limit],
                "has_more": len(found) > limit,
                "url": "/v1/refunds",
            }
            return Response(page)

        @get("/v1/refunds/{refund_id:str}")
        async def retrieve_refund(refund_id: FromPath[str]) -> Response[Any]:
            with fake.lock:
                refund = fake.refunds.get(refund_id)
            if refund is None:
                status, body = missing("refund", "id", refund_id)
                return Response(body, status_code=status)
            return Response(refund)

        @get("/c/pay/{session_id:str}")
        async def checkout_page(session_id: FromPath[str]) -> Response[str]:
            with fake.lock:
                session = fake.sessions.get(session_id)
                if session is None or session["status"] != "open":
                    return Response("This Checkout Session is no longer active", status_code=404)
                name = session["_description"]
            form = f'<h1>{name}</h1><form method="post"><input name="card_number"></form>'
            return Response(form, media_type="text/html")

        @post("/c/pay/{session_id:str}", status_code=303)
        async def pay(session_id: FromPath[str], request: _Req) -> Response[str]:
            card = str((await request.form()).get("card_number", "")).replace(" ", "")
            with fake.lock:
                session = fake.sessions.get(session_id)
                if session is None or session["status"] != "open":
                    return Response("This Checkout Session is no longer active", status_code=404)
                if card not in SUCCESS_CARDS and card != DECLINED_CARD:
                    return Response("Your card number is invalid.", status_code=200)
                intent = fake._intent_for(session)
                if card == DECLINED_CARD:
                    # The session stays open: the payer may try another card.
                    intent["status"] = "requires_payment_method"
                    intent["last_payment_error"] = {
                        "type": "card_error",
                        "code": "card_declined",
                        "decline_code": "generic_decline",
                        "message": "Your card was declined.",
                    }
                    return Response("Your card was declined.", status_code=200)
                charge = {
                    "id": _id("ch"),
                    "object": "charge",
                    "amount": intent["amount"],
                    "amount_refunded": 0,
                    "refunded": False,
                    "currency": "gbp",
                    "paid": True,
                    "payment_intent": intent["id"],
                    "status": "succeeded",
                }
                fake.charges[charge["id"]] = charge
                intent |= {
                    "status": "succeeded",
                    "amount_received": intent["amount"],
                    "latest_charge": charge["id"],
                    "last_payment_error": None,
                }
                session |= {"status": "complete", "payment_status": "paid", "url": None}
                return Response("", status_code=303, headers={"Location": session["success_url"]})

        return Litestar(
            [
                create_session,
                list_sessions,
                retrieve_session,
                expire_session,
                create_refund,
                list_refunds,
                retrieve_refund,
                checkout_page,
                pay,
            ],
            before_request=self._before,
        )

    @staticmethod
    def _public(session: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in session.items() if not key.startswith("_")}
