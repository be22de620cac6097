"""The whole path through the API: create, pay on the sandbox card page, delivery to the demo
department, the department's answer — on a real Temporal dev server, over loopback HTTP."""

from __future__ import annotations

from sqlmodel import select

from counterfoil.platform.db.models import InboxMessage, Payment
from tests.factories import valid_answers
from tests.integration.conftest import Live
from tests.integration.journeys import (
    answer_as_department,
    pay_on_card_page,
    seeded,
    submit,
    wait_for,
    wait_for_status,
)


def test_paid_submission_is_delivered_and_completed_through_the_api(live: Live) -> None:
    key = seeded(live)
    body = submit(live, key, "bulky-waste", valid_answers("bulky-waste", 1))
    assert body["status"] == "awaiting_payment"
    assert body["total"] == 2350
    reference = body["reference"]

    paid = pay_on_card_page(live.http, body["payment"]["next_url"], "4242 4242 4242 4242")
    assert paid.status_code == 303
    assert paid.headers["location"].endswith(f"/pay/return/{reference}")

    wait_for_status(live.http, key, reference, "delivered")
    with live.platform.session() as session:
        message = session.exec(
            select(InboxMessage).where(InboxMessage.reference == reference)
        ).one()
        assert message.verified
        payment = session.exec(select(Payment)).one()
        assert payment.state == "success"
        assert payment.amount == 2350

    answered = answer_as_department(live, reference, "completed", note="collected")
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "completed"
    final = wait_for_status(live.http, key, reference, "completed")
    assert [h["status"] for h in final["history"]] == [
        "submitted", "awaiting_payment", "paid", "delivering", "delivered", "completed",
    ]  # fmt: skip
    assert wait_for(lambda: final["delivery"]["status"] == "delivered")
