"""Stored form versions: the draft (version 0) and immutable published versions, compiled once."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import msgspec
from sqlmodel import Session, col, select

from counterfoil.forms import CompiledForm, DefinitionReport, check_definition, load_definition
from counterfoil.platform.db.models import Council, FormVersion
from counterfoil.platform.errors import NotFound


def council_by_slug(session: Session, slug: str) -> Council:
    council = session.exec(select(Council).where(Council.slug == slug)).first()
    if council is None:
        raise NotFound(f"There is no council {slug!r}")
    return council


def latest_published(session: Session, council_id: int, slug: str) -> FormVersion:
    version = session.exec(
        select(FormVersion)
        .where(
            FormVersion.council_id == council_id, FormVersion.slug == slug, FormVersion.version > 0
        )
        .order_by(col(FormVersion.version).desc())
    ).first()
    if version is None:
        raise NotFound(f"There is no published form {slug!r}")
    return version


def published_forms(session: Session, council_id: int) -> list[FormVersion]:
    """The newest published version of each of a council's forms, by title."""
    rows = session.exec(
        select(FormVersion)
        .where(FormVersion.council_id == council_id, FormVersion.version > 0)
        .order_by(col(FormVersion.slug), col(FormVersion.version).desc())
    ).all()
    newest: dict[str, FormVersion] = {}
    for row in rows:
        newest.setdefault(row.slug, row)
    return sorted(newest.values(), key=lambda v: str(v.definition.get("title", v.slug)))


def version(session: Session, council_id: int, slug: str, number: int) -> FormVersion:
    row = session.exec(
        select(FormVersion).where(
            FormVersion.council_id == council_id,
            FormVersion.slug == slug,
            FormVersion.version == number,
        )
    ).first()
    if row is None:
        raise NotFound(f"There is no version {number} of form {slug!r}")
    return row


@lru_cache(maxsize=256)
def _compile(council_id: int, slug: str, number: int, document: bytes) -> CompiledForm:
    # Published versions never change, so (council, slug, version) names one compiled form; the
    # document is part of the key so that a replaced draft is never served stale.
    return CompiledForm(load_definition(document))


def compiled(row: FormVersion) -> CompiledForm:
    document = msgspec.json.encode(row.definition)
    return _compile(row.council_id, row.slug, row.version, document)


def publish(
    session: Session, council_id: int, definition: dict[str, Any]
) -> tuple[FormVersion | None, DefinitionReport]:
    """Lint and test `definition`, then store it as the form's next version; None when refused."""
    report = check_definition(definition)
    if not report.ok:
        return None, report
    slug = str(definition["slug"])
    current = session.exec(
        select(FormVersion)
        .where(FormVersion.council_id == council_id, FormVersion.slug == slug)
        .order_by(col(FormVersion.version).desc())
    ).first()
    row = FormVersion(
        council_id=council_id,
        slug=slug,
        version=(current.version if current else 0) + 1,
        definition=definition,
        published_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return row, report
