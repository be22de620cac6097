"""Errors of the departments package that are not the platform's HTTP-shaped ones.

DepartmentsError
 ├── DeliveryFailed   the department's endpoint answered non-2xx or was unreachable: retry later
 └── NoDestination    the submission's department does not exist: staff must fix it, then retry

DepartmentInvalid (a PlatformError, so the web answers 422 with a pointer per problem)
"""

from __future__ import annotations

from collections.abc import Sequence

from counterfoil.platform.errors import PlatformError


class DepartmentsError(Exception):
    """Base of every error the departments package raises besides the platform's own."""


class DeliveryFailed(DepartmentsError):
    def __init__(self, webhook_id: str, status_code: int | None, error: str | None) -> None:
        self.webhook_id = webhook_id
        self.status_code = status_code
        self.error = error
        reason = f"HTTP {status_code}" if status_code is not None else error
        super().__init__(f"delivery {webhook_id} failed: {reason}")


class NoDestination(DepartmentsError):
    def __init__(self, reference: str, department_slug: str) -> None:
        self.reference = reference
        self.department_slug = department_slug
        super().__init__(f"{reference} is routed to unknown department {department_slug!r}")


class DepartmentInvalid(PlatformError):
    status = 422

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        super().__init__("The department is not valid", problems)
