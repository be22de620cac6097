"""Stored form versions: the draft (version 0) and immutable published versions, compiled once."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import msgspec
from sqlmodel import Session, col, select

from counterfoil.forms import CompiledForm, DefinitionReport, check_definition, load_definition
from counterfoil.platform.db.models import AuditEntry, Council, FormVersion
from counterfoil.platform.errors import Conflict, NotFound


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


DRAFT = 0


class DraftConflict(Conflict):
    """Someone saved the draft since this editor loaded it: nothing was written."""

    def __init__(self, current: FormVersion) -> None:
        self.current = current
        who = current.updated_by or "someone else"
        super().__init__(
            f"{who} saved this form at {current.updated_at:%H:%M:%S} (revision {current.revision})"
            " after you opened it. Your changes were not saved."
        )


def draft(session: Session, council_id: int, slug: str) -> FormVersion | None:
    return session.exec(
        select(FormVersion).where(
            FormVersion.council_id == council_id,
            FormVersion.slug == slug,
            FormVersion.version == DRAFT,
        )
    ).first()


def save_draft(
    session: Session,
    council_id: int,
    definition: dict[str, Any],
    *,
    actor: str,
    expected_revision: int | None = None,
) -> FormVersion:
    """Store `definition` as its form's draft. With `expected_revision`, refuse (DraftConflict)
    when the draft has moved on since the caller read it, so no save overwrites another."""
    slug = str(definition["slug"])
    row = draft(session, council_id, slug)
    if row is None:
        row = FormVersion(council_id=council_id, slug=slug, version=DRAFT, definition={})
    elif expected_revision is not None and row.revision != expected_revision:
        raise DraftConflict(row)
    row.definition = definition
    row.revision += 1
    row.updated_at = datetime.now(UTC)
    row.updated_by = actor
    session.add(row)
    _audit(session, council_id, actor, "form.draft_saved", slug, {"revision": row.revision})
    session.flush()
    return row


def publish(
    session: Session, council_id: int, definition: dict[str, Any], *, actor: str = "system"
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
    now = datetime.now(UTC)
    row = FormVersion(
        council_id=council_id,
        slug=slug,
        version=(current.version if current else 0) + 1,
        definition=definition,
        published_at=now,
        updated_at=now,
        updated_by=actor,
    )
    session.add(row)
    session.flush()
    _audit(session, council_id, actor, "form.published", slug, {"version": row.version})
    return row, report


def republish(
    session: Session, council_id: int, slug: str, number: int, *, actor: str
) -> tuple[FormVersion | None, DefinitionReport]:
    """Make an older published version the newest, as a new version with the same definition."""
    if number == DRAFT:
        raise NotFound("Only a published version can be republished")
    older = version(session, council_id, slug, number)
    return publish(session, council_id, older.definition, actor=actor)


def history(session: Session, council_id: int, slug: str) -> list[AuditEntry]:
    """Who changed the form and when, newest first."""
    return list(
        session.exec(
            select(AuditEntry)
            .where(
                AuditEntry.council_id == council_id,
                AuditEntry.subject == slug,
                col(AuditEntry.action).startswith("form."),
            )
            .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        ).all()
    )


def _audit(
    session: Session, council_id: int, actor: str, action: str, slug: str, detail: dict[str, Any]
) -> None:
    session.add(
        AuditEntry(council_id=council_id, actor=actor, action=action, subject=slug, detail=detail)
    )
