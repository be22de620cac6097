"""Departments API (api.md): an administrator creates departments and rotates their signing
secrets; a department (or an administrator) reads its queue of submissions."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

import msgspec
from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from counterfoil.platform.auth import Principal
from counterfoil.platform.departments import (
    CreatedDepartment,
    RotatedSecret,
    create_department,
    list_submissions,
    rotate_secret,
)
from counterfoil.web.api._body import decode_json
from counterfoil.web.api.auth import AUTH, platform_of


class NewDepartment(msgspec.Struct, forbid_unknown_fields=True):
    slug: str
    name: str
    webhook_url: str | None = None
    email: str | None = None


@post("/", status_code=201)
async def create(
    request: Request[Any, Any, Any],
    council: FromPath[str],
    principal: NamedDependency[Principal],
) -> CreatedDepartment:
    """Create a department from `{slug, name, webhook_url, email}`; the answer holds its webhook
    signing secret, shown this once."""
    principal.require(council, "admin")
    data = decode_json(await request.body(), NewDepartment)
    return await asyncio.to_thread(
        partial(
            create_department,
            platform_of(request),
            council,
            slug=data.slug,
            name=data.name,
            webhook_url=data.webhook_url,
            email=data.email,
        )
    )


@post("/{dept:str}/rotate-secret", status_code=200, sync_to_thread=True)
def rotate(
    request: Request[Any, Any, Any],
    council: FromPath[str],
    dept: FromPath[str],
    principal: NamedDependency[Principal],
) -> RotatedSecret:
    """A new signing secret, shown once; the old one verifies until `previous_valid_until`."""
    principal.require(council, "admin")
    return rotate_secret(platform_of(request), council, dept)


@get("/{dept:str}/submissions", sync_to_thread=True)
def queue(
    request: Request[Any, Any, Any],
    council: FromPath[str],
    dept: FromPath[str],
    principal: NamedDependency[Principal],
    status: FromQuery[str | None] = None,
) -> dict[str, list[dict[str, Any]]]:
    """The department's submissions (oldest first), optionally only those in one status."""
    principal.require(council, "admin", f"department:{dept}")
    return {"submissions": list_submissions(platform_of(request), council, dept, status)}


departments_router = Router(
    path="/api/v1/councils/{council:str}/departments",
    route_handlers=[create, rotate, queue],
    dependencies=AUTH,
    tags=["departments"],
)
