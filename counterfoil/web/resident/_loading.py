"""Database look-ups for the resident pages, copied into plain values so nothing lazy-loads after
the session closes. Blocking calls: the handlers run them in a worker thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from counterfoil.forms import CompiledForm, FormsError
from counterfoil.platform import Platform, forms_store
from counterfoil.platform.db.models import Council
from counterfoil.platform.errors import Conflict, NotFound
from counterfoil.platform.submissions import submission_for
from counterfoil.rules import RulesError


@dataclass(frozen=True)
class CouncilView:
    id: int
    slug: str
    name: str
    brand_colour: str
    logo_text: str


@dataclass(frozen=True)
class ServiceLink:
    slug: str
    title: str
    description: str


@dataclass(frozen=True)
class SubmissionView:
    council: CouncilView
    reference: str
    form: CompiledForm
    lines: list[dict[str, Any]]
    total: int


def _view(council: Council) -> CouncilView:
    assert council.id is not None  # a stored row
    return CouncilView(
        id=council.id,
        slug=council.slug,
        name=council.name,
        brand_colour=council.brand_colour,
        logo_text=council.logo_text,
    )


def load_council(platform: Platform, council_slug: str) -> CouncilView:
    with platform.session() as session:
        return _view(forms_store.council_by_slug(session, council_slug))


def load_services(platform: Platform, council_slug: str) -> tuple[CouncilView, list[ServiceLink]]:
    with platform.session() as session:
        council = _view(forms_store.council_by_slug(session, council_slug))
        links = [
            ServiceLink(
                slug=row.slug,
                title=str(row.definition.get("title", row.slug)),
                description=str(row.definition.get("description") or ""),
            )
            for row in forms_store.published_forms(session, council.id)
        ]
        return council, links


def load_form(
    platform: Platform, council_slug: str, form_slug: str
) -> tuple[CouncilView, CompiledForm]:
    """The newest published version: a journey always answers what is published now."""
    with platform.session() as session:
        council = _view(forms_store.council_by_slug(session, council_slug))
        row = forms_store.latest_published(session, council.id, form_slug)
        return council, forms_store.compiled(row)


def load_draft(
    platform: Platform, council_id: int, form_slug: str
) -> tuple[CouncilView, int, CompiledForm]:
    """A form's draft and its revision, for the studio's preview; NotFound when there is none."""
    with platform.session() as session:
        council = session.get(Council, council_id)
        row = forms_store.draft(session, council_id, form_slug)
        if council is None or row is None:
            raise NotFound(f"There is no draft of form {form_slug!r}")
        try:
            form = forms_store.compiled(row)
        except (FormsError, RulesError) as exc:  # a draft may be saved before it is whole
            raise Conflict(f"This draft cannot be previewed until it is fixed: {exc}") from exc
        return _view(council), row.revision, form


def load_submission(platform: Platform, reference: str, council_slug: str | None) -> SubmissionView:
    """A submission with the form version it pinned; NotFound when it belongs to another council."""
    with platform.session() as session:
        council_id = None
        if council_slug is not None:
            council_id = _view(forms_store.council_by_slug(session, council_slug)).id
        submission = submission_for(session, reference, council_id)
        council = session.get(Council, submission.council_id)
        if council is None:
            raise NotFound(f"There is no submission {reference}")
        row = forms_store.version(
            session, submission.council_id, submission.form_slug, submission.form_version
        )
        return SubmissionView(
            council=_view(council),
            reference=submission.reference,
            form=forms_store.compiled(row),
            lines=list(submission.lines or []),
            total=submission.total,
        )
