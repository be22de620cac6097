"""Session-wide test setup shared by unit and integration tests."""

from __future__ import annotations

import os
import sys

import pytest
from hypothesis import settings

# Speed is measured under bench/, never asserted: no per-example deadline, which a busy machine
# would turn into a failure of a correct test.
settings.register_profile("counterfoil", deadline=None)
settings.load_profile("counterfoil")

_exit_status = 0


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _exit_status
    _exit_status = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    # temporalio's worker threads can abort the interpreter at exit after every test passed
    # (field-notes.md, sdk-python#300); leave with pytest's own status before that can happen.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_exit_status)
