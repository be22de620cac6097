"""A database that cannot be reached is a 503 with Retry-After, in the one place errors become
responses; other database errors stay 500s."""

from __future__ import annotations

import pytest
from litestar import get
from litestar.testing import create_test_client
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from counterfoil.web.errors import DATABASE_RETRY_AFTER_SECONDS, exception_handlers


def _status_for(error: Exception) -> tuple[int, str | None]:
    @get("/api/v1/boom")
    async def boom() -> None:
        raise error

    with create_test_client([boom], exception_handlers=exception_handlers()) as client:
        response = client.get("/api/v1/boom")
    return response.status_code, response.headers.get("retry-after")


def _dropped_connection() -> DBAPIError:
    error = DBAPIError("SELECT 1", None, Exception("the connection is closed"))
    error.connection_invalidated = True
    return error


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("connect", None, Exception("database is not accepting connections")),
        _dropped_connection(),
        PoolTimeout("QueuePool limit reached"),
    ],
    ids=["refused", "dropped", "pool-timeout"],
)
def test_an_unreachable_database_is_503_with_retry_after(error: Exception) -> None:
    assert _status_for(error) == (503, str(DATABASE_RETRY_AFTER_SECONDS))


def test_a_constraint_violation_is_still_a_500() -> None:
    error = IntegrityError("INSERT", None, Exception("duplicate key"))
    assert _status_for(error) == (500, None)
