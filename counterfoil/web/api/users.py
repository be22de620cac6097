"""Staff accounts API (everything the studio's user management does): an `admin` key lists a
council's staff, adds people (the generated password is in the answer, shown once), changes roles,
disables, enables, unlocks and resets passwords."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

import msgspec
from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from counterfoil.platform.auth import Principal
from counterfoil.platform.staff import (
    IssuedPassword,
    StaffAccount,
    add_staff,
    change_roles,
    disable_staff,
    enable_staff,
    list_staff,
    reset_password,
    unlock_staff,
)
from counterfoil.web.api._body import decode_json
from counterfoil.web.api.auth import AUTH, platform_of


class NewUser(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    roles: list[str]


class NewRoles(msgspec.Struct, forbid_unknown_fields=True):
    roles: list[str]


@get("/")
async def list_users(
    request: Request[Any, Any, Any], council: FromPath[str], principal: NamedDependency[Principal]
) -> dict[str, list[StaffAccount]]:
    """The council's staff accounts, by email."""
    principal.require(council, "admin")
    return {"users": await asyncio.to_thread(list_staff, platform_of(request), council)}


@post("/", status_code=201)
async def add_user(
    request: Request[Any, Any, Any], council: FromPath[str], principal: NamedDependency[Principal]
) -> IssuedPassword:
    """Add a person from `{email, roles}`; the answer holds their password, shown this once."""
    principal.require(council, "admin")
    data = decode_json(await request.body(), NewUser)
    return await asyncio.to_thread(
        add_staff, platform_of(request), council, data.email, data.roles, principal.actor
    )


@post("/{email:str}/roles", status_code=200)
async def set_roles(
    request: Request[Any, Any, Any],
    council: FromPath[str],
    email: FromPath[str],
    principal: NamedDependency[Principal],
) -> StaffAccount:
    """Replace the person's roles with `{roles}`."""
    principal.require(council, "admin")
    data = decode_json(await request.body(), NewRoles)
    return await asyncio.to_thread(
        partial(change_roles, platform_of(request), council, email, data.roles, principal.actor)
    )


@post("/{email:str}/disable", status_code=200)
async def disable(
    request: Request[Any, Any, Any],
    council: FromPath[str],
    email: FromPath[str],
    principal: NamedDependency[Principal],
) -> StaffAccount:
    """Disable the account; its sessions end at once."""
    principal.require(council, "admin")
    return await asyncio.to_thread(
        disable_staff, platform_of(request), council, email, principal.actor
    )


@post("/{email:str}/enable", status_code=200)
async def enable(
    request: Request[Any, Any, Any],
    council: FromPath[str],
    email: FromPath[str],
    principal: NamedDependency[Principal],
) -> StaffAccount:
    """Let a disabled account sign in again."""
    principal.require(council, "admin")
    return await asyncio.to_thread(
        enable_staff, platform_of(request), council, email, principal.actor
    )


@post("/{email:str}/unlock", status_code=200)
async def unlock(
    request: Request[Any, Any, Any],
    council: FromPath[str],
    email: FromPath[str],
    principal: NamedDependency[Principal],
) -> StaffAccount:
    """End a lock-out after repeated wrong passwords."""
    principal.require(council, "admin")
    return await asyncio.to_thread(
        unlock_staff, platform_of(request), council, email, principal.actor
    )


@post("/{email:str}/reset-password", status_code=200)
async def reset(
    request: Request[Any, Any, Any],
    council: FromPath[str],
    email: FromPath[str],
    principal: NamedDependency[Principal],
) -> IssuedPassword:
    """A new generated password, shown this once; the person's sessions end."""
    principal.require(council, "admin")
    return await asyncio.to_thread(
        reset_password, platform_of(request), council, email, principal.actor
    )


users_router = Router(
    path="/api/v1/councils/{council:str}/users",
    route_handlers=[list_users, add_user, set_roles, disable, enable, unlock, reset],
    dependencies=AUTH,
    tags=["users"],
)
