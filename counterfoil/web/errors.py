"""Every error becomes an HTTP response here, and only here: JSON problem details for machines
(`/api/`, `/callbacks/`, `/sandbox/v1/`), a GOV.UK-styled page for people."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from counterfoil.platform.errors import PlatformError, Unauthenticated, Unavailable
from counterfoil.web.ratelimit import RateLimited

log = logging.getLogger(__name__)

MACHINE_PREFIXES = ("/api/", "/callbacks/", "/sandbox/v1/", "/dev/inbox/receive/", "/health/")

_TITLES = {
    400: "There is a problem with your request",
    401: "You need to sign in",
    403: "You cannot do that",
    404: "Page not found",
    405: "You cannot do that here",
    409: "That has already happened",
    413: "What you sent is too large",
    422: "There is a problem with your answers",
    429: "Too many requests",
    503: "Sorry, the service is unavailable",
}


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith(MACHINE_PREFIXES)


def problem(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    if _wants_json(request):
        body: dict[str, Any] = {"status": status, "detail": detail, "errors": errors or []}
        return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)
    title = _TITLES.get(status, "Sorry, there is a problem with the service")
    return Template(
        "error.html",
        context={"title": title, "detail": detail, "status": status},
        status_code=status,
        headers=headers,
    )


def _platform_error(request: Request[Any, Any, Any], exc: PlatformError) -> Response[Any]:
    next_path = getattr(exc, "next_path", None)
    if isinstance(exc, Unauthenticated) and next_path and not _wants_json(request):
        # a person who is not signed in: to the sign-in page, and back here afterwards
        return Redirect(f"/studio/sign-in?next_path={quote(next_path)}", status_code=303)
    errors = [{"pointer": pointer, "message": message} for pointer, message in exc.problems]
    headers = None
    if isinstance(exc, Unavailable | RateLimited):
        headers = {"Retry-After": str(exc.retry_after)}
    return problem(request, exc.status, exc.detail, errors, headers)


def _not_json(request: Request[Any, Any, Any], exc: msgspec.DecodeError) -> Response[Any]:
    return problem(request, 400, f"The request body is not valid JSON: {exc}")


def _validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            key = str(item.get("key") or "")
            errors.append(
                {"pointer": f"/{key}" if key else "", "message": str(item.get("message"))}
            )
    return problem(request, 400, exc.detail or "The request is not valid", errors)


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    detail = exc.detail if status < 500 else "Something went wrong"
    if isinstance(exc, NotAuthorizedException) and "CSRF" in str(exc.detail):
        status, detail = 400, "Your session has expired or the form was out of date. Try again."
    if status == 413:
        limit = request.app.state.platform.settings.max_body_bytes
        detail = f"What you sent is larger than this service accepts ({limit} bytes at most)."
    return problem(request, status, detail, headers=exc.headers)


# How soon a caller should try again when the database cannot be reached: outages we plan for
# (a failover, a restart) last seconds to a minute.
DATABASE_RETRY_AFTER_SECONDS = 5


def _database_unavailable(request: Request[Any, Any, Any], exc: SQLAlchemyError) -> Response[Any]:
    """The database refused or dropped the connection (OperationalError, a pool timeout): the
    request did nothing lasting (its transaction rolled back), so the caller may simply retry."""
    log.warning("database unavailable on %s: %s", request.url.path, type(exc).__name__)
    return problem(
        request,
        503,
        "The service cannot reach its database just now; try again shortly",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


def _database_error(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[Any]:
    # a lost connection may surface as any DBAPI error (psycopg: "the connection is closed")
    if isinstance(exc, OperationalError) or exc.connection_invalidated:
        return _database_unavailable(request, exc)
    return _unexpected(request, exc)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s", request.url.path)
    return problem(request, HTTP_500_INTERNAL_SERVER_ERROR, "Something went wrong on our side")


def exception_handlers() -> dict[int | type[Exception], Any]:
    return {
        PlatformError: _platform_error,
        msgspec.DecodeError: _not_json,
        ValidationException: _validation_error,
        HTTPException: _http_error,
        DBAPIError: _database_error,
        DisconnectionError: _database_unavailable,
        PoolTimeout: _database_unavailable,
        Exception: _unexpected,
    }
