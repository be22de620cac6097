"""Council staff: accounts, passwords (Argon2), sign-in with lock-out, sessions, and what an
administrator does to the accounts."""

from counterfoil.platform.staff.accounts import (
    StaffMember,
    check_roles,
    create_user,
    member_for,
    sign_in,
    sign_out,
)
from counterfoil.platform.staff.admin import (
    IssuedPassword,
    StaffAccount,
    add_staff,
    alert_recipients,
    change_roles,
    disable_staff,
    enable_staff,
    list_staff,
    reset_password,
    staff_account,
    unlock_staff,
)

__all__ = [
    "IssuedPassword",
    "StaffAccount",
    "StaffMember",
    "add_staff",
    "alert_recipients",
    "change_roles",
    "check_roles",
    "create_user",
    "disable_staff",
    "enable_staff",
    "list_staff",
    "member_for",
    "reset_password",
    "sign_in",
    "sign_out",
    "staff_account",
    "unlock_staff",
]
