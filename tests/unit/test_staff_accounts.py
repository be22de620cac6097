"""The pure parts of staff accounts: roles, password length, role checks, generated passwords."""

from __future__ import annotations

import pytest

from counterfoil.platform.errors import InvalidRequest
from counterfoil.platform.staff import StaffMember, check_roles
from counterfoil.platform.staff.accounts import MIN_PASSWORD_LENGTH, check_password
from counterfoil.platform.staff.admin import generate_password


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (["designer"], ["designer"]),
        ([" finance ", "admin", "finance"], ["admin", "finance"]),
        (["agent", "department:waste-team"], ["agent", "department:waste-team"]),
        (["designer", ""], ["designer"]),
    ],
)
def test_check_roles_keeps_known_roles_sorted_once(given: list[str], kept: list[str]) -> None:
    assert check_roles(given) == kept


@pytest.mark.parametrize(
    "given", [[], [""], ["emperor"], ["designer", "root"], ["department:Bad Slug"]]
)
def test_check_roles_refuses_no_roles_or_unknown_ones(given: list[str]) -> None:
    with pytest.raises(InvalidRequest):
        check_roles(given)


def test_check_roles_names_the_unknown_role() -> None:
    with pytest.raises(InvalidRequest, match="emperor"):
        check_roles(["designer", "emperor"])


@pytest.mark.parametrize("length", [0, 1, MIN_PASSWORD_LENGTH - 1])
def test_short_passwords_are_refused(length: int) -> None:
    with pytest.raises(InvalidRequest, match=str(MIN_PASSWORD_LENGTH)):
        check_password("x" * length)


@pytest.mark.parametrize("length", [MIN_PASSWORD_LENGTH, 64])
def test_long_enough_passwords_are_accepted(length: int) -> None:
    check_password("x" * length)


def test_generated_passwords_are_long_enough_and_never_repeat() -> None:
    passwords = {generate_password() for _ in range(200)}
    assert len(passwords) == 200
    assert all(len(p) >= max(MIN_PASSWORD_LENGTH, 20) for p in passwords)
    for password in passwords:
        check_password(password)


@pytest.mark.parametrize(
    ("wanted", "allowed"),
    [(("admin",), True), (("finance", "designer"), True), (("finance",), False), ((), False)],
)
def test_staff_member_has_any_of_the_roles(wanted: tuple[str, ...], allowed: bool) -> None:
    member = StaffMember(1, "a@example.org", "demo", 1, "Demo", frozenset({"admin", "designer"}))
    assert member.has(*wanted) is allowed
    assert member.principal().roles == member.roles
    assert member.principal().actor == "a@example.org"
