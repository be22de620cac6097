"""What a council's administrator does to its staff accounts: list them, add one (with a generated
password, shown once), change roles, disable and enable, unlock, reset a password. Every change
writes an audit entry naming the administrator (or API key) who made it."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, delete, select

from counterfoil.platform.context import Platform
from counterfoil.platform.db.models import AuditEntry, StaffSession, StaffUser
from counterfoil.platform.errors import Conflict, InvalidRequest, NotFound
from counterfoil.platform.staff.accounts import (
    _HASHER,
    _aware,
    _council,
    check_roles,
    create_user,
)

# Not RFC 5322, on purpose: an address with a space or "/" could not be one path segment of
# /users/{email}, and nobody's work address has either.
_EMAIL = re.compile(r"^[^@\s/]+@[^@\s/]+\.[^@\s/]+$")


@dataclass(frozen=True)
class StaffAccount:
    """One staff account as an administrator sees it (never the password hash)."""

    email: str
    roles: list[str]
    disabled: bool
    locked: bool
    locked_until: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class IssuedPassword:
    """An account with the password just made for it: shown once, never stored in the clear."""

    user: StaffAccount
    password: str


def generate_password() -> str:
    # 120 random bits: strong enough that no password rules are needed on top.
    return secrets.token_urlsafe(15)


def list_staff(platform: Platform, council_slug: str) -> list[StaffAccount]:
    with platform.session() as session:
        council = _council(session, council_slug)
        users = session.exec(
            select(StaffUser)
            .where(StaffUser.council_id == council.id)
            .order_by(col(StaffUser.email))
        ).all()
        return [_account(user) for user in users]


def staff_account(platform: Platform, council_slug: str, email: str) -> StaffAccount:
    with platform.session() as session:
        return _account(_user(session, council_slug, email))


def add_staff(
    platform: Platform, council_slug: str, email: str, roles: list[str], actor: str
) -> IssuedPassword:
    """A new account with a generated password; every problem with the input at once."""
    email = email.strip().lower()
    problems: list[tuple[str, str]] = []
    if not _EMAIL.match(email) or len(email) > 254:
        problems.append(
            ("/email", "Enter an email address in the correct format, like name@example.com")
        )
    try:
        wanted = check_roles(roles)
    except InvalidRequest as exc:
        problems.append(("/roles", _roles_message(roles, exc)))
    if problems:
        raise InvalidRequest("The account details are not valid", problems)
    password = generate_password()
    try:
        create_user(platform, council_slug, email, password, wanted, actor)
    except Conflict as exc:
        raise Conflict(exc.detail, [("/email", exc.detail)]) from exc
    return IssuedPassword(staff_account(platform, council_slug, email), password)


def change_roles(
    platform: Platform, council_slug: str, email: str, roles: list[str], actor: str
) -> StaffAccount:
    try:
        wanted = check_roles(roles)
    except InvalidRequest as exc:
        raise InvalidRequest(exc.detail, [("/roles", _roles_message(roles, exc))]) from exc
    with platform.session() as session:
        user = _user(session, council_slug, email)
        if user.email == actor and "admin" not in wanted:
            # Otherwise the last administrator could lock everyone out of user management.
            message = "You cannot remove your own admin role: ask another administrator"
            raise Conflict(message, [("/roles", message)])
        before = user.roles.split(",")
        user.roles = ",".join(wanted)
        session.add(user)
        _audit(session, user, actor, "staff.roles_changed", {"from": before, "to": wanted})
        return _account(user)


def disable_staff(platform: Platform, council_slug: str, email: str, actor: str) -> StaffAccount:
    """Disable an account and end its sessions at once, not when they expire."""
    with platform.session() as session:
        user = _user(session, council_slug, email)
        if user.email == actor:
            message = "You cannot disable your own account: ask another administrator"
            raise Conflict(message, [("/disable", message)])
        user.disabled = True
        session.add(user)
        _end_sessions(session, user)
        _audit(session, user, actor, "staff.disabled")
        return _account(user)


def enable_staff(platform: Platform, council_slug: str, email: str, actor: str) -> StaffAccount:
    with platform.session() as session:
        user = _user(session, council_slug, email)
        user.disabled = False
        session.add(user)
        _audit(session, user, actor, "staff.enabled")
        return _account(user)


def unlock_staff(platform: Platform, council_slug: str, email: str, actor: str) -> StaffAccount:
    with platform.session() as session:
        user = _user(session, council_slug, email)
        user.locked_until = None
        user.failed_sign_ins = 0
        session.add(user)
        _audit(session, user, actor, "staff.unlocked")
        return _account(user)


def reset_password(platform: Platform, council_slug: str, email: str, actor: str) -> IssuedPassword:
    """A new generated password. Whoever knew the old one is signed out everywhere, and a
    lock-out ends too: the administrator has vouched for the person."""
    password = generate_password()
    with platform.session() as session:
        user = _user(session, council_slug, email)
        user.password_hash = _HASHER.hash(password)
        user.locked_until = None
        user.failed_sign_ins = 0
        session.add(user)
        _end_sessions(session, user)
        _audit(session, user, actor, "staff.password_reset")
        return IssuedPassword(_account(user), password)


def _roles_message(roles: list[str], exc: InvalidRequest) -> str:
    return "Select at least one role" if not any(r.strip() for r in roles) else exc.detail


def _user(session: Session, council_slug: str, email: str) -> StaffUser:
    council = _council(session, council_slug)
    user = session.exec(
        select(StaffUser).where(
            StaffUser.council_id == council.id, StaffUser.email == email.strip().lower()
        )
    ).first()
    if user is None:
        raise NotFound(f"There is no account for {email}")
    return user


def _end_sessions(session: Session, user: StaffUser) -> None:
    session.exec(delete(StaffSession).where(col(StaffSession.user_id) == user.id))


def _audit(
    session: Session,
    user: StaffUser,
    actor: str,
    action: str,
    detail: dict[str, list[str]] | None = None,
) -> None:
    session.add(
        AuditEntry(
            council_id=user.council_id,
            actor=actor,
            action=action,
            subject=user.email,
            detail=detail,
        )
    )


def _account(user: StaffUser) -> StaffAccount:
    locked_until = _aware(user.locked_until) if user.locked_until is not None else None
    return StaffAccount(
        email=user.email,
        roles=user.roles.split(","),
        disabled=user.disabled,
        locked=locked_until is not None and locked_until > datetime.now(UTC),
        locked_until=locked_until,
        created_at=_aware(user.created_at),
    )


def alert_recipients(session: Session, council_id: int, role: str) -> list[tuple[str, str]]:
    """(dedupe key suffix, address) for each active staff member with `role`: who an alert goes
    to when the council has set no address of its own for it."""
    staff = session.exec(
        select(StaffUser)
        .where(StaffUser.council_id == council_id, col(StaffUser.disabled).is_(False))
        .order_by(col(StaffUser.id))
    ).all()
    return [(f"-staff-{user.id}", user.email) for user in staff if role in user.roles.split(",")]
