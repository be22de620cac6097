"""Payment accounts API (admin): a council's provider credentials, per council or per form. The
credentials are write-only: no answer ever contains them, only a hint."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

import msgspec
from litestar import Request, Router, delete, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath

from counterfoil.platform.auth import Principal
from counterfoil.platform.errors import InvalidRequest
from counterfoil.platform.payments.account_admin import (
    AccountInvalid,
    AccountView,
    delete_account,
    list_accounts,
    set_account,
)
from counterfoil.web.api._body import _split
from counterfoil.web.api.auth import AUTH, platform_of


class AccountBody(msgspec.Struct, forbid_unknown_fields=True):
    provider: str
    mode: str
    # Checked against the provider's own credentials shape by the service.
    credentials: dict[str, Any] = msgspec.field(default_factory=dict)


def _decode(body: bytes) -> AccountBody:
    try:
        return msgspec.json.decode(body, type=AccountBody, strict=True)
    except msgspec.ValidationError as exc:
        # The message names the field and the type expected, never a value sent.
        message, pointer = _split(str(exc))
        raise AccountInvalid([(pointer, message)]) from None
    except msgspec.DecodeError as exc:
        raise InvalidRequest(f"The request body is not valid JSON: {exc}") from None


@get("/")
async def index(
    request: Request[Any, Any, Any], council: FromPath[str], principal: NamedDependency[Principal]
) -> dict[str, list[AccountView]]:
    """The council's current accounts: provider, mode, a hint of the key, who set it and when."""
    principal.require(council, "admin")
    return {"accounts": await asyncio.to_thread(list_accounts, platform_of(request), council)}


@put("/{account_scope:str}")
async def store(
    request: Request[Any, Any, Any],
    council: FromPath[str],
    account_scope: FromPath[str],
    principal: NamedDependency[Principal],
) -> AccountView:
    """Set the account for `account_scope` ("default" or a form slug) from `{provider, mode,
    credentials}`; the answer shows only a hint of the credentials."""
    principal.require(council, "admin")
    data = _decode(await request.body())
    return await asyncio.to_thread(
        partial(
            set_account,
            platform_of(request),
            council,
            account_scope,
            provider=data.provider,
            mode=data.mode,
            credentials=data.credentials,
            actor=principal.actor,
        )
    )


@delete("/{account_scope:str}", status_code=204)
async def remove(
    request: Request[Any, Any, Any],
    council: FromPath[str],
    account_scope: FromPath[str],
    principal: NamedDependency[Principal],
) -> None:
    """Stop using the scope's account; its past payments can still be refunded."""
    principal.require(council, "admin")
    await asyncio.to_thread(
        delete_account, platform_of(request), council, account_scope, principal.actor
    )


payment_accounts_router = Router(
    path="/api/v1/councils/{council:str}/payment-accounts",
    route_handlers=[index, store, remove],
    dependencies=AUTH,
    tags=["payment accounts"],
)
