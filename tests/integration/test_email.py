"""Receipts through the outbox: shown on the dev page without SMTP, sent by SMTP when configured
(to a real SMTP server on loopback)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from counterfoil.platform.db.models import EmailMessage
from tests.factories import valid_answers
from tests.integration.conftest import Live, free_port
from tests.integration.journeys import (
    pay_on_card_page,
    seeded,
    submit,
    wait_for,
    wait_for_status,
)


class Mailbox:
    """An SMTP handler that keeps what it receives."""

    def __init__(self) -> None:
        self.received: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Mailbox]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, mailbox
    finally:
        controller.stop()


def pay_for_bulky_waste(live: Live) -> str:
    key = seeded(live)
    created = submit(live, key, "bulky-waste", valid_answers("bulky-waste"))
    pay_on_card_page(live.http, created["payment"]["next_url"], "4242424242424242")
    wait_for_status(live.http, key, created["reference"], "delivered")
    return str(created["reference"])


def test_receipt_waits_in_the_outbox_and_shows_on_the_dev_page(
    make_live: Callable[..., Live],
) -> None:
    live = make_live(dev_pages=True)
    reference = pay_for_bulky_waste(live)
    page = live.http.get("/dev/outbox")
    assert page.status_code == 200
    assert f"your payment reference {reference}" in page.text
    assert "sam@example.org" in page.text
    assert "£35.00" in page.text
    with live.platform.session() as session:
        receipt = session.exec(select(EmailMessage)).one()
        assert receipt.sent_at is None


def test_outbox_page_is_off_unless_asked_for(live: Live) -> None:
    assert live.http.get("/dev/outbox").status_code == 404


def test_receipt_is_sent_by_smtp_once_when_configured(
    make_live: Callable[..., Live], smtp: tuple[int, Mailbox]
) -> None:
    port, mailbox = smtp
    live = make_live(smtp_host="127.0.0.1", smtp_port=port)
    reference = pay_for_bulky_waste(live)
    wait_for(lambda: mailbox.received)
    (message,) = mailbox.received
    assert message["To"] == "sam@example.org"
    assert reference in message["Subject"]
    with live.platform.session() as session:
        assert session.exec(select(EmailMessage)).one().sent_at is not None
