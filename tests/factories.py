"""Shared builders for tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DEMO_FORMS = Path(__file__).resolve().parents[1] / "counterfoil" / "forms" / "demo"


def demo_definition(slug: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DEMO_FORMS / f"{slug}.json").read_text())
    return loaded


def valid_answers(slug: str, case: int = 0) -> dict[str, Any]:
    """The answers of a demo form's valid definition test `case`."""
    cases = [t for t in demo_definition(slug)["tests"] if t["expect"]["valid"]]
    answers: dict[str, Any] = cases[case]["answers"]
    return answers
