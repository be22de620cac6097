"""Councils: creating one. Its slug is the first part of every address its residents use
(`/{council}/{form}`), so it may not be one of the platform's own top-level paths."""

from __future__ import annotations

import re

from sqlmodel import select

from counterfoil.platform.context import Platform
from counterfoil.platform.db.models import AuditEntry, Council
from counterfoil.platform.errors import Conflict, InvalidRequest

SLUG = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# The app's own first path segments; a council slugged so would be shadowed by them.
RESERVED_SLUGS = frozenset(
    {"api", "assets", "callbacks", "dev", "health", "metrics", "pay", "sandbox", "schema", "studio"}
)


def create_council(
    platform: Platform,
    *,
    slug: str,
    name: str,
    brand_colour: str = "#0b0c0c",
    logo_text: str = "",
    actor: str = "cli",
) -> Council:
    """Create a council; a bad or reserved slug, a bad colour, or a slug taken is refused."""
    if not SLUG.match(slug):
        raise InvalidRequest(
            "The slug must be 2 to 63 lowercase letters, digits or hyphens, starting with a letter"
        )
    if slug in RESERVED_SLUGS:
        raise InvalidRequest(f"'{slug}' is one of the platform's own addresses: choose another")
    if not name.strip():
        raise InvalidRequest("Enter the council's name")
    if not COLOUR.match(brand_colour):
        raise InvalidRequest("The brand colour must be a hex colour like #1d70b8")
    with platform.session() as session:
        if session.exec(select(Council).where(Council.slug == slug)).first() is not None:
            raise Conflict(f"A council '{slug}' already exists")
        council = Council(
            slug=slug,
            name=name.strip()[:200],
            brand_colour=brand_colour.lower(),
            logo_text=(logo_text or name).strip()[:100],
        )
        session.add(council)
        session.flush()
        assert council.id is not None
        session.add(
            AuditEntry(council_id=council.id, actor=actor, action="council.created", subject=slug)
        )
        session.expunge(council)
    return council
