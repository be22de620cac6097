"""Staff accounts: Argon2 password hashes, sign-in with a lock-out after repeated failures, and
sessions whose random token is minted fresh at every sign-in (only its hash is stored)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select

from counterfoil.platform.auth.keys import DEPARTMENT_ROLE, ROLES, Principal
from counterfoil.platform.context import Platform
from counterfoil.platform.db.models import AuditEntry, Council, StaffSession, StaffUser
from counterfoil.platform.errors import Conflict, InvalidRequest, NotFound, Unauthenticated

MIN_PASSWORD_LENGTH = 12
_HASHER = PasswordHasher()
# Verified against when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class StaffMember:
    """A signed-in member of council staff."""

    user_id: int
    email: str
    council_slug: str
    council_id: int
    council_name: str
    roles: frozenset[str]

    def principal(self) -> Principal:
        """The same permission checks as an API key, acting as this person."""
        return Principal(self.council_slug, self.council_id, self.roles, self.email)

    def has(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)


def check_roles(roles: list[str]) -> list[str]:
    wanted = sorted({r.strip() for r in roles if r.strip()})
    unknown = [r for r in wanted if r not in ROLES and not DEPARTMENT_ROLE.match(r)]
    if not wanted or unknown:
        raise InvalidRequest(
            f"Roles must be some of {', '.join(sorted(ROLES))} or department:<slug>"
            + (f" (not {', '.join(unknown)})" if unknown else "")
        )
    return wanted


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidRequest(f"The password must be at least {MIN_PASSWORD_LENGTH} characters")


def create_user(
    platform: Platform, council_slug: str, email: str, password: str, roles: list[str], actor: str
) -> StaffUser:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise InvalidRequest("Enter an email address in the correct format, like name@example.com")
    check_password(password)
    wanted = check_roles(roles)
    with platform.session() as session:
        council = _council(session, council_slug)
        assert council.id is not None
        if session.exec(
            select(StaffUser).where(StaffUser.council_id == council.id, StaffUser.email == email)
        ).first():
            raise Conflict(f"There is already an account for {email}")
        user = StaffUser(
            council_id=council.id,
            email=email,
            password_hash=_HASHER.hash(password),
            roles=",".join(wanted),
        )
        session.add(user)
        session.add(
            AuditEntry(
                council_id=council.id,
                actor=actor,
                action="staff.created",
                subject=email,
                detail={"roles": wanted},
            )
        )
        session.flush()
        return user


def sign_in(platform: Platform, council_slug: str, email: str, password: str) -> str:
    """A new session token for a right password; Unauthenticated otherwise, with one message
    for every failure so it reveals nothing. A locked account stays locked until its time ends."""
    settings = platform.settings
    now = datetime.now(UTC)
    refused = Unauthenticated(
        "The email address or password is not right, or the account is locked"
    )
    with platform.session() as session:
        council = session.exec(select(Council).where(Council.slug == council_slug)).first()
        user = (
            session.exec(
                select(StaffUser).where(
                    StaffUser.council_id == council.id, StaffUser.email == email.strip().lower()
                )
            ).first()
            if council is not None
            else None
        )
        if user is None:
            _verify(_DUMMY_HASH, password)
            raise refused
        locked = user.locked_until is not None and _aware(user.locked_until) > now
        if user.disabled or locked or not _verify(user.password_hash, password):
            if not locked and not user.disabled:
                user.failed_sign_ins += 1
                if user.failed_sign_ins >= settings.sign_in_attempts:
                    user.locked_until = now + settings.sign_in_lockout
                    user.failed_sign_ins = 0
                    locked_out = AuditEntry(
                        council_id=user.council_id,
                        actor=user.email,
                        action="staff.locked_out",
                        subject=user.email,
                    )
                    session.add(locked_out)
                session.add(user)
            session.commit()
            raise refused
        user.failed_sign_ins = 0
        user.locked_until = None
        if _HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = _HASHER.hash(password)
        session.add(user)
        token = secrets.token_urlsafe(32)
        assert user.id is not None
        session.add(
            StaffSession(
                token_hash=_token_hash(token),
                user_id=user.id,
                expires_at=now + timedelta(hours=settings.staff_session_hours),
            )
        )
        return token


def member_for(platform: Platform, token: str) -> StaffMember | None:
    """The staff member a session token belongs to, or None (unknown, expired, disabled)."""
    if not token:
        return None
    with platform.session() as session:
        found = session.exec(
            select(StaffSession, StaffUser, Council)
            .join(StaffUser, col(StaffUser.id) == StaffSession.user_id)
            .join(Council, col(Council.id) == StaffUser.council_id)
            .where(StaffSession.token_hash == _token_hash(token))
        ).first()
    if found is None:
        return None
    staff_session, user, council = found
    if user.disabled or _aware(staff_session.expires_at) <= datetime.now(UTC):
        return None
    assert user.id is not None
    assert council.id is not None
    return StaffMember(
        user.id,
        user.email,
        council.slug,
        council.id,
        council.name,
        frozenset(user.roles.split(",")),
    )


def sign_out(platform: Platform, token: str) -> None:
    with platform.session() as session:
        for row in session.exec(
            select(StaffSession).where(StaffSession.token_hash == _token_hash(token))
        ).all():
            session.delete(row)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every time we store is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _council(session: Session, slug: str) -> Council:
    council = session.exec(select(Council).where(Council.slug == slug)).first()
    if council is None:
        raise NotFound(f"There is no council {slug!r}")
    return council
