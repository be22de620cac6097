"""Storing a resident's submission: answers validated and the fee quoted on the server, a reference
minted, an `Idempotency-Key` honoured. The workflow is started by the caller (web) afterwards."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from counterfoil.platform import forms_store
from counterfoil.platform.db.models import Submission
from counterfoil.platform.errors import AnswersInvalid, Conflict, NotFound
from counterfoil.platform.observability.metrics import SUBMISSION_TRANSITIONS
from counterfoil.platform.submissions.references import new_reference


def create_submission(
    session: Session,
    council_slug: str,
    form_slug: str,
    answers: Mapping[str, Any],
    idempotency_key: str | None = None,
) -> Submission:
    """A stored submission of the newest published version; AnswersInvalid lists every error.

    The same idempotency key with the same answers returns the first submission; with other
    answers it is a Conflict.
    """
    council = forms_store.council_by_slug(session, council_slug)
    assert council.id is not None
    if idempotency_key:
        existing = session.exec(
            select(Submission).where(
                Submission.council_id == council.id, Submission.idempotency_key == idempotency_key
            )
        ).first()
        if existing is not None:
            if existing.form_slug != form_slug or existing.answers != _pruned(
                session, existing, answers
            ):
                raise Conflict("This Idempotency-Key was used for a different submission")
            return existing
    row = forms_store.latest_published(session, council.id, form_slug)
    form = forms_store.compiled(row)
    quote = form.quote(answers)
    if not quote.valid:
        raise AnswersInvalid(quote.errors)
    pruned = form.prune(answers)
    prefix = form.definition.payment.reference_prefix if form.definition.payment else None
    submission = Submission(
        council_id=council.id,
        reference=new_reference(prefix),
        form_slug=form_slug,
        form_version=row.version,
        department_slug=form.department(pruned),
        answers=pruned,
        lines=[msgspec.to_builtins(line) for line in quote.lines],
        total=quote.total or 0,
        idempotency_key=idempotency_key,
    )
    session.add(submission)
    try:
        session.flush()
    except IntegrityError as exc:  # two requests with one key at once: the other one won
        raise Conflict("A submission with this Idempotency-Key is being created") from exc
    # the workflow counts the statuses after this one, as it records them
    SUBMISSION_TRANSITIONS.labels("submitted").inc()
    return submission


def _pruned(session: Session, existing: Submission, answers: Mapping[str, Any]) -> dict[str, Any]:
    """`answers` as they would have been stored with the version `existing` was made from."""
    row = forms_store.version(
        session, existing.council_id, existing.form_slug, existing.form_version
    )
    return forms_store.compiled(row).prune(answers)


def submission_for(session: Session, reference: str, council_id: int | None = None) -> Submission:
    """The submission with this reference; NotFound for another council's, as for a missing one."""
    query = select(Submission).where(Submission.reference == reference)
    if council_id is not None:
        query = query.where(Submission.council_id == council_id)
    row = session.exec(query).first()
    if row is None:
        raise NotFound(f"There is no submission {reference}")
    return row
