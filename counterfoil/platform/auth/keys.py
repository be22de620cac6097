"""API keys: made once and shown once, stored as a SHA-256 hash, found again by their prefix.

A key is `cf_<8 random characters>_<43 random characters>`; its first 12 characters are the lookup
prefix. A fast hash is right here (unlike passwords): the secret part has 256 bits of entropy, so
there is nothing for a slow hash to protect against guessing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import select

from counterfoil.platform.context import Platform
from counterfoil.platform.db.models import ApiKey, Council
from counterfoil.platform.errors import NotFound, PermissionDenied, Unauthenticated

ROLES = frozenset({"designer", "agent", "finance", "admin"})
DEPARTMENT_ROLE = re.compile(r"^department:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
PREFIX_LENGTH = 12
_ALPHABET = string.ascii_lowercase + string.digits


@dataclass(frozen=True)
class Principal:
    """Who an API call acts for: one council, some roles."""

    council_slug: str
    council_id: int
    roles: frozenset[str]
    # Who acts, for audit entries: "api key cf_ab12cd34" or a staff member's email.
    actor: str = "api key"

    def require(self, council_slug: str, *roles: str) -> None:
        """Pass when the key is this council's and holds any one of `roles` (any role at all when
        none are named). Another council's data is "not found": its existence never leaks."""
        if council_slug != self.council_slug:
            raise NotFound("Not found")
        if roles and self.roles.isdisjoint(roles):
            raise PermissionDenied(f"This key needs one of the roles: {', '.join(roles)}")


def create_api_key(platform: Platform, council_slug: str, roles: Iterable[str]) -> str:
    """A new key for the council; the plaintext is returned here and never stored."""
    wanted = sorted(set(roles))
    unknown = [r for r in wanted if r not in ROLES and not DEPARTMENT_ROLE.match(r)]
    if not wanted or unknown:
        raise ValueError(f"roles must be some of {sorted(ROLES)} or department:<slug>: {unknown}")
    key = (
        "cf_"
        + "".join(secrets.choice(_ALPHABET) for _ in range(8))
        + "_"
        + secrets.token_urlsafe(32)
    )
    with platform.session() as session:
        council = session.exec(select(Council).where(Council.slug == council_slug)).one_or_none()
        if council is None or council.id is None:
            raise NotFound(f"There is no council {council_slug!r}")
        session.add(
            ApiKey(
                council_id=council.id,
                prefix=key[:PREFIX_LENGTH],
                key_hash=_digest(key),
                roles=",".join(wanted),
            )
        )
    return key


def authenticate(platform: Platform, bearer: str) -> Principal:
    """The principal of a key, or Unauthenticated for an unknown, mistyped or revoked one."""
    with platform.session() as session:
        found = session.exec(
            select(ApiKey, Council)
            .join(Council, Council.id == ApiKey.council_id)  # type: ignore[arg-type]
            .where(ApiKey.prefix == bearer[:PREFIX_LENGTH])
        ).one_or_none()
    if found is None:
        raise Unauthenticated("The API key is not valid")
    api_key, council = found
    if api_key.revoked_at is not None or not hmac.compare_digest(api_key.key_hash, _digest(bearer)):
        raise Unauthenticated("The API key is not valid")
    assert council.id is not None
    return Principal(
        council.slug, council.id, frozenset(api_key.roles.split(",")), f"api key {api_key.prefix}"
    )


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
