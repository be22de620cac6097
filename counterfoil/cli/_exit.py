"""Leaving a command that talked to Temporal."""

from __future__ import annotations

import os
import sys
from typing import NoReturn


def finish(code: int) -> NoReturn:
    # temporalio's threads can abort a clean interpreter exit (field-notes.md): leave directly.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
