"""Delivery in the lifecycle: a department that is down for a while, and one that never recovers."""

from __future__ import annotations

import json

from _departments_support import Receiver, serving
from sqlmodel import select

from counterfoil.platform.db.models import Department, EmailMessage
from counterfoil.platform.staff import create_user
from tests.factories import valid_answers
from tests.integration.conftest import Live
from tests.integration.journeys import auth, seeded, wait_for, wait_for_status


def point_department_at(live: Live, url: str) -> str:
    """Send the demo department's deliveries to `url`; returns its signing secret."""
    with live.platform.session() as session:
        department = session.exec(select(Department)).one()
        department.webhook_url = url
        session.add(department)
        return department.secret


def submit_free_report(live: Live, key: str) -> str:
    response = live.http.post(
        "/api/v1/councils/demo/forms/missed-bin/submissions",
        json={"answers": valid_answers("missed-bin")},
        headers=auth(key),
    )
    assert response.status_code == 201, response.text
    assert response.json()["payment"] is None  # a free form skips payment
    return str(response.json()["reference"])


def test_department_down_for_a_while_gets_the_same_message_once_it_recovers(live: Live) -> None:
    key = seeded(live)
    receiver = Receiver(answers=[500, 503, 500, 200])
    with serving(receiver.app) as base:
        receiver.secret = point_department_at(live, f"{base}/hook")
        reference = submit_free_report(live, key)
        final = wait_for_status(live.http, key, reference, "delivered")
    assert len(receiver.received) == 4
    assert all(verified for _, _, verified in receiver.received)
    assert len({headers["webhook-id"] for headers, _, _ in receiver.received}) == 1
    assert len({body for _, body, _ in receiver.received}) == 1
    assert json.loads(receiver.received[0][1])["reference"] == reference
    codes = [a["status_code"] for a in final["delivery"]["attempts"]]
    assert codes == [500, 503, 500, 200]


def delivery_alerts(live: Live, reference: str) -> list[EmailMessage]:
    with live.platform.session() as session:
        messages = session.exec(select(EmailMessage)).all()
        return [m for m in messages if m.dedupe_key.startswith(f"{reference}-delivery-failed")]


def test_department_that_never_recovers_fails_and_a_staff_retry_then_delivers(live: Live) -> None:
    key = seeded(live)
    receiver = Receiver(answers=[500])
    with serving(receiver.app) as base:
        receiver.secret = point_department_at(live, f"{base}/hook")
        with live.platform.session() as session:
            department = session.exec(select(Department)).one()
            department.email = "waste-team@demo.example"
            session.add(department)
        reference = submit_free_report(live, key)
        final = wait_for_status(live.http, key, reference, "delivery_failed")
        schedule = len(live.settings.delivery_retry_schedule)
        assert len(final["delivery"]["attempts"]) == schedule + 1
        assert len(receiver.received) == schedule + 1
        # the status is the workflow's; its record (and the alert with it) follows a moment later
        [alert] = wait_for(lambda: delivery_alerts(live, reference))  # staff are told, once
        assert alert.to == "waste-team@demo.example"
        assert alert.dedupe_key == f"{reference}-delivery-failed-1"
        assert reference in alert.subject
        assert "retry-delivery" in alert.body

        receiver.answers = [200]  # the department is back
        retried = live.http.post(
            f"/api/v1/submissions/{reference}/retry-delivery", headers=auth(key)
        )
        assert retried.status_code == 202, retried.text
        wait_for_status(live.http, key, reference, "delivered")
    assert len({headers["webhook-id"] for headers, _, _ in receiver.received}) == 1
    assert len(delivery_alerts(live, reference)) == 1
    again = live.http.post(f"/api/v1/submissions/{reference}/retry-delivery", headers=auth(key))
    assert again.status_code == 409


def test_delivery_failure_alerts_the_council_admins_when_the_department_has_no_email(
    live: Live,
) -> None:
    key = seeded(live)
    for email, roles in [("admin@demo.example", ["admin"]), ("design@demo.example", ["designer"])]:
        create_user(live.platform, "demo", email, "a long enough password", roles, "test")
    receiver = Receiver(answers=[500])
    with serving(receiver.app) as base:
        receiver.secret = point_department_at(live, f"{base}/hook")
        reference = submit_free_report(live, key)
        wait_for_status(live.http, key, reference, "delivery_failed")
        [alert] = wait_for(lambda: delivery_alerts(live, reference))
    assert alert.to == "admin@demo.example"
