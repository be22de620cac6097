"""Council staff: accounts, passwords (Argon2), sign-in with lock-out, and sessions."""

from counterfoil.platform.staff.accounts import (
    StaffMember,
    check_roles,
    create_user,
    member_for,
    sign_in,
    sign_out,
)

__all__ = ["StaffMember", "check_roles", "create_user", "member_for", "sign_in", "sign_out"]
