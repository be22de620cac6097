"""Payment outcomes in the lifecycle: expiry, callbacks replayed and out of order, refunds on
rejection, idempotent creation, and what a foreign or tampered request can (not) do."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from sqlmodel import select

from counterfoil.platform.auth.keys import create_api_key
from counterfoil.platform.db.models import Council, Payment, PaymentEvent, SandboxPayment
from counterfoil.platform.payments.sandbox import SIGNATURE_HEADER, sign
from tests.factories import valid_answers
from tests.integration.conftest import Live
from tests.integration.journeys import (
    answer_as_department,
    auth,
    pay_on_card_page,
    seeded,
    status_of,
    submit,
    wait_for_status,
)

CREATE = "/api/v1/councils/demo/forms/bulky-waste/submissions"


def create(live: Live, key: str, **headers: str) -> dict[str, object]:
    return submit(live, key, "bulky-waste", valid_answers("bulky-waste"), headers)


def test_abandoned_payment_expires_and_is_cancelled_at_the_provider(make_live) -> None:  # type: ignore[no-untyped-def]
    live: Live = make_live(payment_expiry=timedelta(seconds=3))
    key = seeded(live)
    reference = str(create(live, key)["reference"])
    final = wait_for_status(live.http, key, reference, "expired")
    assert [h["status"] for h in final["history"]][-1] == "expired"
    with live.platform.session() as session:
        provider = session.exec(select(SandboxPayment)).one()
        assert provider.state in ("cancelled", "failed")  # never success: no money taken
        assert session.exec(select(Payment)).one().state != "success"


def _event(provider_id: str, status: str, event_id: str, code: str | None = None) -> bytes:
    return json.dumps(
        {
            "event_id": event_id,
            "event_type": f"card_payment_{status}",
            "resource_id": provider_id,
            "resource": {
                "payment_id": provider_id,
                "state": {"status": status, "finished": True, "code": code},
                "amount": 3500,
                "reference": "x",
                "metadata": {},
            },
        }
    ).encode()


def test_one_callback_five_times_and_a_stale_failure_make_one_payment(live: Live) -> None:
    key = seeded(live)
    body = create(live, key)
    reference = str(body["reference"])
    next_url = str(body["payment"]["next_url"])  # type: ignore[index]
    provider_id = next_url.rstrip("/").rsplit("/", 1)[-1]
    # the provider says success (really: the card page), then our test replays that webhook five
    # times and adds a late, stale "failed" for the same payment
    assert pay_on_card_page(live.http, next_url, "4242424242424242").status_code == 303
    success = _event(provider_id, "success", f"evt-{uuid.uuid4()}")
    stale = _event(provider_id, "failed", f"evt-{uuid.uuid4()}", "P0010")
    secret = live.settings.sandbox_webhook_secret
    for payload in [success] * 5 + [stale]:
        answer = live.http.post(
            "/callbacks/sandbox/demo",
            content=payload,
            headers={SIGNATURE_HEADER: sign(secret, payload), "Content-Type": "application/json"},
        )
        assert answer.status_code == 200, answer.text
    wait_for_status(live.http, key, reference, "delivered")
    with live.platform.session() as session:
        assert len(session.exec(select(Payment)).all()) == 1
        assert session.exec(select(Payment)).one().state == "success"
        ours = session.exec(
            select(PaymentEvent).where(PaymentEvent.event_id == json.loads(success)["event_id"])
        ).all()
        assert len(ours) == 1  # five deliveries, one recorded event
    assert status_of(live.http, key, reference)["status"] == "delivered"


def test_forged_callback_is_refused_and_changes_nothing(live: Live) -> None:
    key = seeded(live)
    body = create(live, key)
    reference = str(body["reference"])
    provider_id = str(body["payment"]["next_url"]).rstrip("/").rsplit("/", 1)[-1]  # type: ignore[index]
    forged = _event(provider_id, "success", "evt-forged")
    answer = live.http.post(
        "/callbacks/sandbox/demo",
        content=forged,
        headers={SIGNATURE_HEADER: sign("not-the-secret", forged)},
    )
    assert answer.status_code == 401
    assert status_of(live.http, key, reference)["status"] == "awaiting_payment"


def test_rejected_paid_submission_is_refunded_in_full(live: Live) -> None:
    key = seeded(live)
    body = create(live, key)
    reference = str(body["reference"])
    pay_on_card_page(live.http, str(body["payment"]["next_url"]), "4242424242424242")  # type: ignore[index]
    wait_for_status(live.http, key, reference, "delivered")
    answered = answer_as_department(
        live, reference, "rejected", note="we do not collect on that street"
    )
    assert answered.status_code == 200, answered.text
    wait_for_status(live.http, key, reference, "refunded")
    with live.platform.session() as session:
        provider = session.exec(select(SandboxPayment)).one()
        assert provider.refunded == provider.amount == 3500


def test_department_answer_refused_in_the_wrong_state_or_for_another_department(live: Live) -> None:
    key = seeded(live)
    reference = str(create(live, key)["reference"])
    too_early = answer_as_department(live, reference, "completed")
    assert too_early.status_code == 409
    assert "awaiting_payment" in too_early.json()["detail"]
    other = create_api_key(live.platform, "demo", ["department:parking"])
    assert (
        live.http.post(
            f"/api/v1/submissions/{reference}/fulfilment",
            json={"outcome": "completed"},
            headers=auth(other),
        ).status_code
        == 404
    )


def test_idempotency_key_returns_the_same_submission_and_refuses_other_answers(live: Live) -> None:
    key = seeded(live)
    first = create(live, key, **{"Idempotency-Key": "resident-42"})
    again = create(live, key, **{"Idempotency-Key": "resident-42"})
    assert again["reference"] == first["reference"]
    assert again["payment"] == first["payment"]
    other = live.http.post(
        CREATE,
        json={"answers": valid_answers("bulky-waste", 1)},
        headers={**auth(key), "Idempotency-Key": "resident-42"},
    )
    assert other.status_code == 409
    with live.platform.session() as session:
        assert len(session.exec(select(Payment)).all()) == 1


def test_another_councils_key_sees_nothing(live: Live) -> None:
    key = seeded(live)
    reference = str(create(live, key)["reference"])
    with live.platform.session() as session:
        session.add(Council(slug="elsewhere", name="Elsewhere Council", logo_text="Elsewhere"))
    foreign = create_api_key(live.platform, "elsewhere", ["admin"])
    assert (
        live.http.get(f"/api/v1/submissions/{reference}", headers=auth(foreign)).status_code == 404
    )
    assert (
        live.http.post(
            CREATE, json={"answers": valid_answers("bulky-waste")}, headers=auth(foreign)
        ).status_code
        == 404
    )


def test_an_amount_in_the_request_changes_nothing(live: Live) -> None:
    key = seeded(live)
    extra_key = live.http.post(
        CREATE,
        json={"answers": valid_answers("bulky-waste"), "total": 1},
        headers=auth(key),
    )
    assert extra_key.status_code == 400
    in_answers = live.http.post(
        CREATE,
        json={"answers": {**valid_answers("bulky-waste"), "total": 1}},
        headers=auth(key),
    )
    # an answer no page asks for is dropped before anything reads it: the fee is the server's
    assert in_answers.status_code == 201, in_answers.text
    assert in_answers.json()["total"] == 3500
    assert in_answers.json()["payment"]["next_url"]


def test_malformed_json_and_wrong_types_get_clear_errors(live: Live) -> None:
    key = seeded(live)
    broken = live.http.post(
        CREATE, content=b'{"answers": ', headers={**auth(key), "Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json()["detail"]
    wrong = live.http.post(CREATE, json={"answers": ["a"]}, headers=auth(key))
    assert wrong.status_code == 400
    no_key = live.http.post(CREATE, json={"answers": {}})
    assert no_key.status_code == 401


def test_reconciliation_poll_finds_a_payment_whose_callback_was_lost(live: Live) -> None:
    key = seeded(live)
    reference = str(create(live, key)["reference"])
    # the provider took the money but its webhook never came and the resident never came back
    with live.platform.session() as session:
        provider = session.exec(select(SandboxPayment)).one()
        provider.state = "success"
        session.add(provider)
    final = wait_for_status(live.http, key, reference, "delivered")
    paid = next(h for h in final["history"] if h["status"] == "paid")
    assert paid["note"] == "paid by poll"
