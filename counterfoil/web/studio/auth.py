"""Signing staff in and out of the studio. The session cookie holds a random token minted fresh at
every sign-in (Litestar's own session would keep a client-chosen id: field-notes.md)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import anyio.to_thread
from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template
from sqlmodel import col, select

from counterfoil.platform.db.models import Council
from counterfoil.platform.errors import PermissionDenied, Unauthenticated
from counterfoil.platform.staff import StaffMember, member_for, sign_in, sign_out
from counterfoil.web.api.auth import platform_of
from counterfoil.web.ratelimit import limit_sign_in

COOKIE = "cf_staff"
SIGN_IN = "/studio/sign-in"


class SignInRequired(Unauthenticated):
    """No signed-in staff member: people are sent to the sign-in page (see web/errors.py)."""

    def __init__(self, path: str) -> None:
        self.next_path = path
        super().__init__("Sign in to use the studio")


async def staff_member(request: Request[Any, Any, Any]) -> StaffMember:
    """Dependency: the signed-in staff member, or SignInRequired."""
    token = request.cookies.get(COOKIE, "")
    member = await anyio.to_thread.run_sync(member_for, platform_of(request), token)
    if member is None:
        raise SignInRequired(request.url.path)
    return member


def require(member: StaffMember, *roles: str) -> None:
    if not member.has(*roles):
        raise PermissionDenied(f"This needs one of the roles: {', '.join(roles)}")


def sign_in_url(next_path: str) -> str:
    return f"{SIGN_IN}?next_path={quote(next_path)}"


def _safe_next(value: str | None) -> str:
    # Only our own studio pages: never an open redirect to another site.
    if value and value.startswith("/studio") and not value.startswith("//"):
        return value
    return "/studio/forms"


def _councils(request: Request[Any, Any, Any]) -> list[Council]:
    with platform_of(request).session() as session:
        return list(session.exec(select(Council).order_by(col(Council.name))).all())


@get(SIGN_IN)
async def sign_in_page(
    request: Request[Any, Any, Any], next_path: FromQuery[str | None] = None
) -> Template:
    councils = await anyio.to_thread.run_sync(_councils, request)
    return Template(
        "studio/sign_in.html",
        context={"councils": councils, "next": _safe_next(next_path), "errors": {}},
    )


@post(SIGN_IN)
async def sign_in_submit(
    request: Request[Any, Any, Any],
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response[Any]:
    council = data.get("council", "")
    email = data.get("email", "").strip()
    password = data.get("password", "")
    target = _safe_next(data.get("next"))
    errors: dict[str, str] = {}
    if not email:
        errors["email"] = "Enter your email address"
    if not password:
        errors["password"] = "Enter your password"
    if not errors:
        await limit_sign_in(request, council, email)
        try:
            token = await anyio.to_thread.run_sync(
                sign_in, platform_of(request), council, email, password
            )
        except Unauthenticated as exc:
            errors["password"] = exc.detail
        else:
            response: Response[Any] = Redirect(target, status_code=303)
            response.set_cookie(_cookie(request, token))
            return response
    councils = await anyio.to_thread.run_sync(_councils, request)
    return Template(
        "studio/sign_in.html",
        # not "council": base.html reads that as the council whose header and brand it shows
        context={"councils": councils, "next": target, "errors": errors, "email": email,
                 "chosen_council": council},
        status_code=400,
    )  # fmt: skip


@post("/studio/sign-out")
async def sign_out_submit(request: Request[Any, Any, Any]) -> Redirect:
    token = request.cookies.get(COOKIE, "")
    if token:
        await anyio.to_thread.run_sync(sign_out, platform_of(request), token)
    response = Redirect(SIGN_IN, status_code=303)
    response.delete_cookie(COOKIE, path="/studio")
    return response


def _cookie(request: Request[Any, Any, Any], token: str) -> Cookie:
    settings = platform_of(request).settings
    return Cookie(
        key=COOKIE,
        value=token,
        path="/studio",
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        max_age=settings.staff_session_hours * 3600,
    )


auth_routes = [sign_in_page, sign_in_submit, sign_out_submit]
