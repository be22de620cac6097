"""Departments as a council administrator and a department see them: create one (its signing secret
is shown once), rotate its secret, and read its queue of submissions."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import msgspec
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from counterfoil.platform.context import Platform
from counterfoil.platform.db.models import Council, Department, Submission
from counterfoil.platform.departments.errors import DepartmentInvalid
from counterfoil.platform.departments.payload import submission_payload
from counterfoil.platform.departments.secrets import new_secret, rotate
from counterfoil.platform.errors import Conflict, NotFound

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# Deliberately loose: the department's mail server is the judge; this only catches typing slips.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
QUEUE_LIMIT = 500


class DepartmentView(msgspec.Struct, frozen=True):
    slug: str
    name: str
    webhook_url: str | None
    email: str | None


class CreatedDepartment(DepartmentView, frozen=True):
    """Returned once, at creation: the only time the signing secret is shown."""

    secret: str


class RotatedSecret(msgspec.Struct, frozen=True):
    secret: str
    previous_valid_until: datetime


def create_department(
    platform: Platform,
    council_slug: str,
    *,
    slug: str,
    name: str,
    webhook_url: str | None = None,
    email: str | None = None,
) -> CreatedDepartment:
    name, webhook_url, email = name.strip(), webhook_url or None, email or None
    _check(slug, name, webhook_url, email)
    try:
        with platform.session() as session:
            council = _council(session, council_slug)
            if _find(session, council, slug) is not None:
                raise Conflict(f"The department {slug!r} already exists")
            assert council.id is not None
            department = Department(
                council_id=council.id,
                slug=slug,
                name=name,
                webhook_url=webhook_url,
                email=email,
                secret=new_secret(),
            )
            session.add(department)
    except IntegrityError as exc:  # another request created it between our check and insert
        raise Conflict(f"The department {slug!r} already exists") from exc
    return CreatedDepartment(slug, name, webhook_url, email, department.secret)


def rotate_secret(platform: Platform, council_slug: str, department_slug: str) -> RotatedSecret:
    with platform.session() as session:
        department = _department(session, council_slug, department_slug)
        secret = rotate(department, datetime.now(UTC), platform.settings.secret_rotation_overlap)
        assert department.previous_until is not None
        return RotatedSecret(secret, department.previous_until)


def list_submissions(
    platform: Platform, council_slug: str, department_slug: str, status: str | None = None
) -> list[dict[str, Any]]:
    """The department's submissions, oldest first, each as the document a delivery carries plus
    its current status."""
    with platform.session() as session:
        department = _department(session, council_slug, department_slug)
        query = select(Submission).where(
            Submission.council_id == department.council_id,
            Submission.department_slug == department.slug,
        )
        if status:
            query = query.where(Submission.status == status)
        rows = session.exec(query.order_by(col(Submission.created_at)).limit(QUEUE_LIMIT)).all()
        public_url = platform.settings.resolved_public_url
        return [
            submission_payload(session, row, council_slug, public_url)
            | {"status": row.status, "updated_at": row.updated_at.isoformat()}
            for row in rows
        ]


def _check(slug: str, name: str, webhook_url: str | None, email: str | None) -> None:
    errors: list[tuple[str, str]] = []
    if not SLUG.match(slug):
        errors.append(
            ("/slug", "Use 1 to 63 lowercase letters, digits and hyphens, like 'licensing'")
        )
    if not 0 < len(name) <= 200:
        errors.append(("/name", "Enter a name of 1 to 200 characters"))
    if webhook_url is not None:
        parts = urlsplit(webhook_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or len(webhook_url) > 2000:
            errors.append(("/webhook_url", "Enter an http:// or https:// URL with a host name"))
    if email is not None and (len(email) > 254 or not EMAIL.match(email)):
        errors.append(("/email", "Enter an email address like name@example.gov.uk"))
    if errors:
        raise DepartmentInvalid(errors)


def _council(session: Session, council_slug: str) -> Council:
    council = session.exec(select(Council).where(Council.slug == council_slug)).one_or_none()
    if council is None:
        raise NotFound("Not found")
    return council


def _find(session: Session, council: Council, slug: str) -> Department | None:
    return session.exec(
        select(Department).where(Department.council_id == council.id, Department.slug == slug)
    ).one_or_none()


def _department(session: Session, council_slug: str, department_slug: str) -> Department:
    department = _find(session, _council(session, council_slug), department_slug)
    if department is None:
        raise NotFound(f"There is no department {department_slug!r}")
    return department
