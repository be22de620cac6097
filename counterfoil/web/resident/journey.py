"""A resident's answers to one form, kept in the server-side session between pages.

Each form has its own entry, keyed by council and form slug, so two forms can be filled at once (the
studio's preview of a draft uses a key of its own, so it never touches a live journey). The entry
exists from the first page view on; a POST that finds none means the session ended.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from litestar import Request

_SESSION_KEY = "journeys"


@dataclass
class Journey:
    answers: dict[str, Any] = field(default_factory=dict)
    # Made on check-your-answers and dropped whenever an answer changes, so a double click on
    # "Submit" sends one key (one submission), and changed answers make a new submission.
    submit_key: str | None = None
    reference: str | None = None

    def ensure_submit_key(self) -> str:
        if self.submit_key is None:
            self.submit_key = secrets.token_urlsafe(24)
        return self.submit_key


def journey_key(council: str, slug: str) -> str:
    return f"{council}/{slug}"


def load_journey(request: Request[Any, Any, Any], key: str) -> Journey | None:
    journeys = (request.session or {}).get(_SESSION_KEY) or {}
    stored = journeys.get(key)
    if not isinstance(stored, dict):
        return None
    answers = stored.get("answers")
    return Journey(
        answers=answers if isinstance(answers, dict) else {},
        submit_key=stored.get("submit_key"),
        reference=stored.get("reference"),
    )


def save_journey(request: Request[Any, Any, Any], key: str, journey: Journey) -> None:
    session = dict(request.session or {})
    journeys = dict(session.get(_SESSION_KEY) or {})
    journeys[key] = {
        "answers": journey.answers,
        "submit_key": journey.submit_key,
        "reference": journey.reference,
    }
    session[_SESSION_KEY] = journeys
    request.set_session(session)
