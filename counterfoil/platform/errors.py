"""Domain errors of the platform; `web` turns each into an HTTP response in one place.

PlatformError
 ├── NotFound           no such thing for this caller (another council's data is "not found" too)
 ├── PermissionDenied   authenticated, but the key's roles do not allow this
 ├── Unauthenticated    no key, or an unknown or revoked one
 ├── Conflict           the request clashes with the current state (wrong status, key reused)
 ├── AnswersInvalid     a resident's answers fail validation; carries every field error
 └── Unavailable        a dependency (Temporal, a worker, the provider) cannot answer now
"""

from __future__ import annotations

from collections.abc import Sequence

from counterfoil.forms import FieldError


class PlatformError(Exception):
    status = 500

    def __init__(self, detail: str, problems: Sequence[tuple[str, str]] = ()) -> None:
        self.detail = detail
        # (JSON Pointer, message) pairs: what exactly is wrong, for the caller to show
        self.problems = list(problems)
        super().__init__(detail)


class InvalidRequest(PlatformError):
    status = 400


class NotFound(PlatformError):
    status = 404


class PermissionDenied(PlatformError):
    status = 403


class Unauthenticated(PlatformError):
    status = 401


class Conflict(PlatformError):
    status = 409


class AnswersInvalid(PlatformError):
    status = 422

    def __init__(
        self, errors: Sequence[FieldError], detail: str = "Some answers are not valid"
    ) -> None:
        self.errors = list(errors)
        super().__init__(detail)


class Unavailable(PlatformError):
    status = 503

    def __init__(self, detail: str, retry_after: int = 5) -> None:
        self.retry_after = retry_after
        super().__init__(detail)
