"""The public surface of the departments and auth packages, and the API's JSON body pointers."""

from __future__ import annotations

import msgspec
import pytest

import counterfoil.platform.auth as auth
import counterfoil.platform.departments as departments
from counterfoil.platform.errors import InvalidRequest
from counterfoil.web.api._body import decode_json
from counterfoil.web.api.departments import NewDepartment


def test_exports_are_pinned() -> None:
    assert sorted(auth.__all__) == ["Principal", "authenticate", "create_api_key"]
    assert sorted(departments.__all__) == sorted(
        [
            "CreatedDepartment", "DeliveryFailed", "DeliveryResult", "DepartmentInvalid",
            "DepartmentView", "DepartmentsError", "NoDestination", "ReceivedMessage",
            "RotatedSecret", "create_department", "deliver_submission", "demo_inbox_url",
            "demo_key", "list_submissions", "messages", "new_secret", "provision_demo_inbox",
            "queue_delivery_failed_alert",
            "receive", "respond_url", "rotate_secret", "signature_verifies", "webhook_id_for",
        ]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        (b'{"slug": 5, "name": "x"}', "/slug"),
        (b'{"name": "x"}', "/slug"),
        (b'{"slug": "a", "name": "x", "extra": 1}', "/extra"),
        (b"[1]", ""),
    ],
)
def test_wrong_shapes_point_at_the_field(body: bytes, pointer: str) -> None:
    with pytest.raises(InvalidRequest) as raised:
        decode_json(body, NewDepartment)

    assert [p for p, _ in raised.value.problems] == [pointer]


class Line(msgspec.Struct):
    amount: int


class Lines(msgspec.Struct):
    lines: list[Line]
    by_fund: dict[str, int] = {}


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        (b'{"lines": [{"amount": 1}, {"amount": "x"}]}', "/lines/1/amount"),
        (b'{"lines": [{"amount": 1}, {}]}', "/lines/1/amount"),
        (b'{"lines": [], "by_fund": {"F1": "x"}}', "/by_fund"),
    ],
)
def test_nested_positions_become_pointers(body: bytes, pointer: str) -> None:
    with pytest.raises(InvalidRequest) as raised:
        decode_json(body, Lines)

    assert [p for p, _ in raised.value.problems] == [pointer]


def test_malformed_json_says_so() -> None:
    with pytest.raises(InvalidRequest, match="not valid JSON"):
        decode_json(b'{"slug":', NewDepartment)
