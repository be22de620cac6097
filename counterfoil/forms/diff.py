"""What changed between two definitions, as a unified diff of their pretty-printed JSON."""

from __future__ import annotations

import difflib
import json
from typing import Any


def definition_diff(before: Any, after: Any, *, before_name: str, after_name: str) -> list[str]:
    """Unified diff lines (without trailing newlines); empty when the two are the same."""
    return list(
        difflib.unified_diff(
            json.dumps(before, indent=2, ensure_ascii=False).splitlines(),
            json.dumps(after, indent=2, ensure_ascii=False).splitlines(),
            fromfile=before_name,
            tofile=after_name,
            lineterm="",
        )
    )
