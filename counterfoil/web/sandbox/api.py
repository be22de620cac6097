"""The sandbox provider's JSON API under /sandbox/v1, modelled on GOV.UK Pay's."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

import anyio.to_thread
import msgspec
from litestar import Request, Response, Router, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody

from counterfoil.platform.db.models import SandboxPayment, SandboxRefund
from counterfoil.platform.errors import Conflict, InvalidRequest
from counterfoil.platform.settings import Settings
from counterfoil.web.sandbox._context import dispatch, platform_of, store_of
from counterfoil.web.sandbox._store import (
    UNFINISHED,
    NewPayment,
    Observed,
    is_finished,
    refund_summary,
    state_view,
)

Url = Annotated[str, msgspec.Meta(pattern=r"^https?://", max_length=2000)]
# GOV.UK Pay's search pages: 500 at most, 500 when not asked.
MAX_PAGE_SIZE = 500
MetadataValue = str | int | float | bool | None


class CreatePaymentBody(msgspec.Struct):
    amount: Annotated[int, msgspec.Meta(ge=1, le=10_000_000)]
    reference: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    description: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    return_url: Url
    callback_url: Url | None = None
    metadata: Annotated[dict[str, MetadataValue], msgspec.Meta(max_length=10)] = msgspec.field(
        default_factory=dict
    )


class RefundBody(msgspec.Struct):
    amount: Annotated[int, msgspec.Meta(ge=1)]
    refund_amount_available: Annotated[int, msgspec.Meta(ge=0)]


def require_api_key(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    expected = f"Bearer {platform_of(connection.app).settings.sandbox_api_key}"
    given = connection.headers.get("authorization", "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise NotAuthorizedException(
            detail="A valid sandbox API key is required", headers={"WWW-Authenticate": "Bearer"}
        )


def payment_view(payment: SandboxPayment, settings: Settings) -> dict[str, Any]:
    api = f"{settings.resolved_sandbox_url}/v1/payments/{payment.id}"
    links: dict[str, Any] = {
        "self": {"href": api, "method": "GET"},
        "refunds": {"href": f"{api}/refunds", "method": "POST"},
    }
    if not is_finished(payment):
        # The card page is for the resident's browser, so it lives at the public address.
        card_page = f"{settings.resolved_public_url}/sandbox/pay/{payment.id}"
        links["next_url"] = {"href": card_page, "method": "GET"}
        links["cancel"] = {"href": f"{api}/cancel", "method": "POST"}
    return {
        "payment_id": payment.id,
        "payment_provider": "sandbox",
        "amount": payment.amount,
        "reference": payment.reference,
        "description": payment.description,
        "return_url": payment.return_url,
        "metadata": payment.metadata_ or {},
        "state": state_view(payment),
        "created_date": payment.created_at.isoformat(),
        "refund_summary": refund_summary(payment),
        "card_details": (
            {"last_digits_card_number": payment.card_last4} if payment.card_last4 else None
        ),
        "_links": links,
    }


def refund_view(refund: SandboxRefund) -> dict[str, Any]:
    return {
        "refund_id": refund.id,
        "payment_id": refund.payment_id,
        "amount": refund.amount,
        "status": refund.status,
        "created_date": refund.created_at.isoformat(),
    }


@post("/payments")
async def create_payment(
    request: Request[Any, Any, Any], data: JSONBody[CreatePaymentBody]
) -> Response[dict[str, Any]]:
    new = NewPayment(
        amount=data.amount,
        reference=data.reference,
        description=data.description,
        return_url=data.return_url,
        callback_url=data.callback_url,
        metadata=dict(data.metadata),
    )
    key = request.headers.get("idempotency-key") or None
    payment, created = await anyio.to_thread.run_sync(store_of(request.app).create, new, key)
    view = payment_view(payment, platform_of(request.app).settings)
    return Response(view, status_code=201 if created else 200)


def _search_date(name: str, value: str) -> datetime:
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(f"{name} is not an ISO 8601 date-time: {value!r}") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


@get("/payments")
async def search_payments(
    request: Request[Any, Any, Any],
    from_date: FromQuery[str],
    to_date: FromQuery[str],
    page: FromQuery[int] = 1,
    display_size: FromQuery[int] = MAX_PAGE_SIZE,
) -> dict[str, Any]:
    """GOV.UK Pay's search, for the period only: payments created from `from_date` (inclusive)
    to `to_date` (exclusive), newest first, a page at a time."""
    start, end = _search_date("from_date", from_date), _search_date("to_date", to_date)
    if page < 1 or not 1 <= display_size <= MAX_PAGE_SIZE:
        raise InvalidRequest(f"page must be 1 or more, display_size 1 to {MAX_PAGE_SIZE}")
    payments, total, notifications = await anyio.to_thread.run_sync(
        store_of(request.app).search, start, end, page, display_size
    )
    dispatch(request.app, notifications)
    settings = platform_of(request.app).settings
    last = max((total + display_size - 1) // display_size, 1)

    def link(number: int) -> dict[str, str]:
        query = urlencode(
            {
                "from_date": from_date,
                "to_date": to_date,
                "page": number,
                "display_size": display_size,
            }
        )
        return {"href": f"{settings.resolved_sandbox_url}/v1/payments?{query}"}

    links: dict[str, Any] = {"self": link(page), "first_page": link(1), "last_page": link(last)}
    links["prev_page"] = link(page - 1) if page > 1 else None
    links["next_page"] = link(page + 1) if page < last else None
    return {
        "total": total,
        "count": len(payments),
        "page": page,
        "results": [payment_view(p, settings) for p in payments],
        "_links": links,
    }


@get("/payments/{payment_id:str}")
async def get_payment(request: Request[Any, Any, Any], payment_id: FromPath[str]) -> dict[str, Any]:
    observed = await anyio.to_thread.run_sync(store_of(request.app).read, payment_id)
    dispatch(request.app, observed)
    return payment_view(observed.payment, platform_of(request.app).settings)


def _cancel(request: Request[Any, Any, Any], payment_id: str) -> Observed:
    return store_of(request.app).move(
        payment_id, "cancelled", allowed_from=UNFINISHED, code="P0040"
    )


@post("/payments/{payment_id:str}/cancel", status_code=204)
async def cancel_payment(request: Request[Any, Any, Any], payment_id: FromPath[str]) -> None:
    observed = await anyio.to_thread.run_sync(_cancel, request, payment_id)
    dispatch(request.app, observed)
    if not observed.moved:
        raise Conflict(f"Payment {payment_id} is already finished ({observed.payment.state})")


@post("/payments/{payment_id:str}/refunds")
async def refund_payment(
    request: Request[Any, Any, Any], payment_id: FromPath[str], data: JSONBody[RefundBody]
) -> Response[dict[str, Any]]:
    key = request.headers.get("idempotency-key") or None
    refund, notifications, created = await anyio.to_thread.run_sync(
        store_of(request.app).refund, payment_id, data.amount, data.refund_amount_available, key
    )
    dispatch(request.app, notifications)
    return Response(refund_view(refund), status_code=202 if created else 200)


@get("/payments/{payment_id:str}/refunds/{refund_id:str}")
async def get_refund(
    request: Request[Any, Any, Any], payment_id: FromPath[str], refund_id: FromPath[str]
) -> dict[str, Any]:
    refund = await anyio.to_thread.run_sync(
        store_of(request.app).read_refund, payment_id, refund_id
    )
    return refund_view(refund)


def api_router() -> Router:
    return Router(
        path="/v1",
        route_handlers=[
            create_payment,
            search_payments,
            get_payment,
            cancel_payment,
            refund_payment,
            get_refund,
        ],
        guards=[require_api_key],
        tags=["sandbox provider"],
    )
