"""User management in the studio (`admin` only): the council's staff, adding people, roles,
disabling, unlocking and password resets. A new password is in the answer to the POST that made
it, never in a URL or a session, so it is shown once; the same operations are in api/users.py."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote

import anyio.to_thread
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from counterfoil.platform.errors import Conflict, InvalidRequest
from counterfoil.platform.staff import (
    IssuedPassword,
    StaffAccount,
    StaffMember,
    add_staff,
    change_roles,
    disable_staff,
    enable_staff,
    list_staff,
    reset_password,
    staff_account,
    unlock_staff,
)
from counterfoil.web.api.auth import platform_of
from counterfoil.web.studio.auth import require, staff_member

FormData = Annotated[dict[str, str | list[str]], Body(media_type=RequestEncodingType.URL_ENCODED)]
# The roles offered as checkboxes, in the order people think of them.
ROLE_CHOICES = ("designer", "admin", "agent", "finance")
# Fixed texts for the banner after a redirect: nothing from the query string is shown as such.
DONE = {
    "roles": "Roles changed",
    "disabled": "Account disabled and signed out everywhere",
    "enabled": "Account enabled",
    "unlocked": "Account unlocked",
}
# A password page must not be kept by the browser's cache or its back button.
NO_STORE = {"Cache-Control": "no-store"}


def _values(data: dict[str, str | list[str]], name: str) -> list[str]:
    value = data.get(name, [])
    return [value] if isinstance(value, str) else value


def _error_list(exc: InvalidRequest | Conflict) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The GOV.UK error summary's items, and each field's message by field name."""
    problems = exc.problems or [("", exc.detail)]
    summary = [{"text": message, "href": f"#{pointer.lstrip('/') or 'main-content'}"}
               for pointer, message in problems]  # fmt: skip
    return summary, {pointer.lstrip("/"): message for pointer, message in problems}


def _user_path(email: str) -> str:
    return f"/studio/users/{quote(email)}"


@get("/")
async def users_page(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]
) -> Template:
    require(staff, "admin")
    users = await anyio.to_thread.run_sync(list_staff, platform_of(request), staff.council_slug)
    return Template("studio/users/list.html", context={"staff": staff, "users": users})


@get("/new")
async def new_user_page(staff: NamedDependency[StaffMember]) -> Template:
    require(staff, "admin")
    context = {"staff": staff, "choices": ROLE_CHOICES, "roles": [], "errors": {}}
    return Template("studio/users/new.html", context=context)


@post("/new", status_code=200)
async def add_user_submit(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], data: FormData
) -> Template:
    require(staff, "admin")
    email = next(iter(_values(data, "email")), "").strip()
    roles = _values(data, "roles")
    try:
        issued = await anyio.to_thread.run_sync(
            add_staff, platform_of(request), staff.council_slug, email, roles, staff.email
        )
    except (InvalidRequest, Conflict) as exc:
        error_list, errors = _error_list(exc)
        context = {"staff": staff, "choices": ROLE_CHOICES, "email": email, "roles": roles,
                   "error_list": error_list, "errors": errors}  # fmt: skip
        return Template("studio/users/new.html", context=context, status_code=exc.status)
    return _password_page(staff, issued, added=True)


@get("/{email:str}")
async def user_page(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    email: FromPath[str],
    done: FromQuery[str | None] = None,
) -> Template:
    require(staff, "admin")
    return await _render_user(request, staff, email, done=DONE.get(done or ""))


@post("/{email:str}/roles")
async def roles_submit(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    email: FromPath[str],
    data: FormData,
) -> Response[Any]:
    require(staff, "admin")
    roles = _values(data, "roles")
    return await _apply(request, staff, email, "roles", change_roles, roles)


@post("/{email:str}/disable")
async def disable_submit(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], email: FromPath[str]
) -> Response[Any]:
    require(staff, "admin")
    return await _apply(request, staff, email, "disabled", disable_staff)


@post("/{email:str}/enable")
async def enable_submit(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], email: FromPath[str]
) -> Response[Any]:
    require(staff, "admin")
    return await _apply(request, staff, email, "enabled", enable_staff)


@post("/{email:str}/unlock")
async def unlock_submit(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], email: FromPath[str]
) -> Response[Any]:
    require(staff, "admin")
    return await _apply(request, staff, email, "unlocked", unlock_staff)


@post("/{email:str}/reset-password", status_code=200)
async def reset_password_submit(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], email: FromPath[str]
) -> Template:
    require(staff, "admin")
    issued = await anyio.to_thread.run_sync(
        reset_password, platform_of(request), staff.council_slug, email, staff.email
    )
    return _password_page(staff, issued, added=False)


async def _apply(
    request: Request[Any, Any, Any],
    staff: StaffMember,
    email: str,
    done: str,
    change: Callable[..., StaffAccount],
    *args: Any,
) -> Response[Any]:
    """Make a change, `change(platform, council, email, *args, actor)`, then back to the person's
    page (post/redirect/get), or that page with the reason it was refused."""
    call = partial(change, platform_of(request), staff.council_slug, email, *args, staff.email)
    try:
        await anyio.to_thread.run_sync(call)
    except (InvalidRequest, Conflict) as exc:
        error_list, errors = _error_list(exc)
        return await _render_user(
            request, staff, email, error_list=error_list, errors=errors, status=exc.status
        )
    return Redirect(f"{_user_path(email)}?done={done}", status_code=303)


async def _render_user(
    request: Request[Any, Any, Any],
    staff: StaffMember,
    email: str,
    *,
    done: str | None = None,
    error_list: list[dict[str, str]] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    user = await anyio.to_thread.run_sync(
        staff_account, platform_of(request), staff.council_slug, email
    )
    # Roles without a checkbox (department:<slug>, given through the API) stay checked, so saving
    # the checkboxes never drops them unseen.
    choices = [*ROLE_CHOICES, *(r for r in user.roles if r not in ROLE_CHOICES)]
    context = {"staff": staff, "user": user, "choices": choices, "done": done,
               "error_list": error_list or [], "errors": errors or {},
               "path": _user_path(user.email)}  # fmt: skip
    return Template("studio/users/user.html", context=context, status_code=status)


def _password_page(staff: StaffMember, issued: IssuedPassword, *, added: bool) -> Template:
    context = {"staff": staff, "issued": issued, "added": added,
               "path": _user_path(issued.user.email)}  # fmt: skip
    return Template("studio/users/password.html", context=context, headers=NO_STORE)


users_router = Router(
    path="/studio/users",
    route_handlers=[
        users_page,
        new_user_page,
        add_user_submit,
        user_page,
        roles_submit,
        disable_submit,
        enable_submit,
        unlock_submit,
        reset_password_submit,
    ],
    dependencies={"staff": Provide(staff_member)},
    include_in_schema=False,
)
