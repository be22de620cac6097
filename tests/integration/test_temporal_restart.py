"""The Temporal server stops mid-flight and starts again on the same state file: every paid
submission still finishes, paid once and delivered with one webhook id.

This module has its own short-lived dev server (state in a SQLite file) instead of the session's
in-memory one, so that it can be stopped and started again on the same port."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlmodel import col, select

from counterfoil.platform.db.models import InboxMessage, Payment, Submission
from counterfoil.workflows.devserver import dev_server, free_port
from tests.factories import valid_answers
from tests.integration.conftest import Live
from tests.integration.journeys import pay_on_card_page, seeded, submit, wait_for_status

CARD = "4242424242424242"


@dataclass
class StatefulTemporal:
    """A dev server that can be stopped and started again with the same port and state file."""

    db_file: Path
    port: int = field(default_factory=free_port)
    _running: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self._running.enter_context(dev_server(self.port, db_file=self.db_file))

    def stop(self) -> None:
        self._running.close()  # SIGTERM, as an operator's restart would


@pytest.fixture
def temporal(tmp_path: Path) -> Iterator[StatefulTemporal]:
    server = StatefulTemporal(tmp_path / "temporal.db")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def temporal_address(temporal: StatefulTemporal) -> str:
    """Overrides the session's server for this module's `live`."""
    return temporal.address


def pay(live: Live, next_url: str) -> None:
    with httpx.Client(base_url=live.base_url, timeout=30) as resident:
        assert pay_on_card_page(resident, next_url, CARD).status_code == 303


def test_paid_submissions_finish_after_a_temporal_restart(
    live: Live, temporal: StatefulTemporal
) -> None:
    key = seeded(live)
    created = [submit(live, key, "bulky-waste", valid_answers("bulky-waste")) for _ in range(3)]
    references = [c["reference"] for c in created]
    pay(live, created[0]["payment"]["next_url"])  # paid before the restart
    temporal.stop()
    pay(live, created[1]["payment"]["next_url"])  # paid while Temporal is down
    temporal.start()
    pay(live, created[2]["payment"]["next_url"])  # paid after it is back

    for reference in references:
        wait_for_status(live.http, key, reference, "delivered")
    with live.platform.session() as session:
        paid = Counter(
            session.exec(
                select(Submission.reference)
                .join(Payment, col(Payment.submission_id) == col(Submission.id))
                .where(Payment.state == "success")
            ).all()
        )
        inbox = session.exec(select(InboxMessage)).all()
    assert paid == Counter(references)
    assert {m.reference: m.webhook_id for m in inbox}.keys() == set(references)
    assert len({(m.reference, m.webhook_id) for m in inbox}) == len(references)
