"""A council administrator's payment accounts: list them, set one for the council (scope
"default") or for one form, delete one. Credentials go in and are never given back: a view shows
the provider, the mode, a hint (the key's last characters) and who changed it when. Each change is
audited without secrets.

Setting a scope to the same provider and mode updates the account in place (a key rotated at the
provider); another provider or mode, or a delete, retires the old account instead, because the
payments already taken with it still need it for refunds and reconciliation.

AccountInvalid (a PlatformError, so the web answers 422 with a pointer per problem)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlmodel import Session, col, select

from counterfoil.platform.context import Platform
from counterfoil.platform.db.models import AuditEntry, Council, FormVersion, PaymentAccount
from counterfoil.platform.errors import NotFound, PlatformError
from counterfoil.platform.payments.accounts import active_account
from counterfoil.platform.payments.credentials import (
    Credentials,
    CredentialsCipher,
    CredentialsError,
)
from counterfoil.platform.payments.registry import Adapter, GatewayRegistry, default_registry

DEFAULT_SCOPE = "default"
MODES = ("test", "live")
# The key prefixes each provider gives its test and live keys: a key of the other mode is refused.
_KEY_PREFIXES: dict[str, dict[str, tuple[str, ...]]] = {
    "govuk_pay": {"test": ("api_test_",), "live": ("api_live_",)},
    "stripe": {"test": ("sk_test_", "rk_test_"), "live": ("sk_live_", "rk_live_")},
}
_FIELD = re.compile(r"(?:field `(?P<field>[^`]+)`|- at `\$\.(?P<at>[^`]+)`)")


class AccountInvalid(PlatformError):
    status = 422

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        super().__init__("The payment account is not valid", problems)


class AccountView(msgspec.Struct, frozen=True):
    scope: str
    provider: str
    mode: str
    hint: str
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str


def list_accounts(platform: Platform, council_slug: str) -> list[AccountView]:
    with platform.session() as session:
        council = _council(session, council_slug)
        accounts = session.exec(
            select(PaymentAccount)
            .where(
                PaymentAccount.council_id == council.id, col(PaymentAccount.retired_at).is_(None)
            )
            .order_by(col(PaymentAccount.form_slug), col(PaymentAccount.id))
        ).all()
        return [_view(a) for a in accounts]


def set_account(
    platform: Platform,
    council_slug: str,
    scope: str,
    *,
    provider: str,
    mode: str,
    credentials: Mapping[str, Any],
    actor: str,
    registry: GatewayRegistry | None = None,
) -> AccountView:
    adapter = _adapter(registry or default_registry(), provider)
    checked = _check(adapter, mode, credentials)
    try:
        token = CredentialsCipher.from_settings(platform.settings).encrypt(checked)
    except CredentialsError as exc:
        raise PlatformError(f"Payment credentials cannot be stored here: {exc}") from None
    now = datetime.now(UTC)
    with platform.session() as session:
        council = _council(session, council_slug)
        assert council.id is not None
        form_slug = _form_slug(session, council.id, scope)
        account = active_account(session, council.id, form_slug)
        previous = None
        if account is not None and (account.provider, account.mode) == (provider, mode):
            action = "payment_account.updated"
            previous = {"hint": account.hint}
            account.credentials, account.hint = token, checked.hint()
            account.updated_at, account.updated_by = now, actor
        else:
            action = "payment_account.set"
            if account is not None:
                previous = {"provider": account.provider, "mode": account.mode}
                account.retired_at = now
                session.add(account)
            account = PaymentAccount(
                council_id=council.id,
                form_slug=form_slug,
                provider=provider,
                mode=mode,
                credentials=token,
                hint=checked.hint(),
                created_at=now,
                created_by=actor,
                updated_at=now,
                updated_by=actor,
            )
        session.add(account)
        detail = {"provider": provider, "mode": mode, "hint": account.hint}
        _audit(session, council.id, actor, action, scope, {**detail, "previous": previous})
        session.flush()
        return _view(account)


def delete_account(platform: Platform, council_slug: str, scope: str, actor: str) -> None:
    with platform.session() as session:
        council = _council(session, council_slug)
        assert council.id is not None
        form_slug = "" if scope == DEFAULT_SCOPE else scope
        account = active_account(session, council.id, form_slug)
        if account is None:
            raise NotFound(f"There is no payment account for {scope!r}")
        account.retired_at = datetime.now(UTC)
        session.add(account)
        detail = {"provider": account.provider, "mode": account.mode, "hint": account.hint}
        _audit(session, council.id, actor, "payment_account.deleted", scope, detail)


def reencrypt_accounts(platform: Platform) -> int:
    """Re-encrypt every account's credentials (retired ones too) with the first key, after a new
    key was put first in COUNTERFOIL_CREDENTIALS_KEYS; then the old key can be dropped."""
    cipher = CredentialsCipher.from_settings(platform.settings)
    with platform.session() as session:
        accounts = session.exec(select(PaymentAccount)).all()
        for account in accounts:
            # updated_at is left alone: the credentials are the same, so cached gateways stay valid
            account.credentials = cipher.rotate(account.credentials)
            session.add(account)
        return len(accounts)


def _adapter(registry: GatewayRegistry, provider: str) -> Adapter:
    if provider not in registry:
        known = ", ".join(registry)
        raise AccountInvalid([("/provider", f"Unknown provider {provider!r}; one of: {known}")])
    return registry.get(provider)


def _check(adapter: Adapter, mode: str, given: Mapping[str, Any]) -> Credentials:
    if mode not in MODES:
        raise AccountInvalid([("/mode", f"The mode must be one of: {', '.join(MODES)}")])
    if mode == "live" and not adapter.live:
        raise AccountInvalid([("/mode", f"{adapter.id} takes no real payments: use mode test")])
    try:
        credentials: Credentials = msgspec.convert(given, adapter.credentials, strict=True)
    except msgspec.ValidationError as exc:
        # msgspec's message names the field and the expected type, never the value given
        found = _FIELD.search(str(exc))
        field = (found["field"] or found["at"]) if found else ""
        pointer = f"/credentials/{field}" if field else "/credentials"
        raise AccountInvalid([(pointer, str(exc))]) from None
    problems = [
        (f"/credentials/{name}", "Must not be empty")
        for name in credentials.__struct_fields__
        if not str(getattr(credentials, name)).strip()
    ]
    prefixes = _KEY_PREFIXES.get(adapter.id)
    if prefixes and adapter.credentials.hinted and not problems:
        other = "live" if mode == "test" else "test"
        key: str = getattr(credentials, adapter.credentials.hinted)
        if key.startswith(prefixes[other]):
            problems.append(
                (f"/credentials/{adapter.credentials.hinted}", f"This is a {other} key, not {mode}")
            )
    if problems:
        raise AccountInvalid(problems)
    return credentials


def _council(session: Session, council_slug: str) -> Council:
    council = session.exec(select(Council).where(Council.slug == council_slug)).first()
    if council is None:
        raise NotFound(f"There is no council {council_slug!r}")
    return council


def _form_slug(session: Session, council_id: int, scope: str) -> str:
    if scope == DEFAULT_SCOPE:
        return ""
    exists = session.exec(
        select(FormVersion.id).where(
            FormVersion.council_id == council_id, FormVersion.slug == scope
        )
    ).first()
    if exists is None:
        raise NotFound(f"There is no form {scope!r}; use {DEFAULT_SCOPE!r} for the council's")
    return scope


def _view(account: PaymentAccount) -> AccountView:
    return AccountView(
        scope=account.form_slug or DEFAULT_SCOPE,
        provider=account.provider,
        mode=account.mode,
        hint=account.hint,
        created_at=account.created_at,
        created_by=account.created_by,
        updated_at=account.updated_at,
        updated_by=account.updated_by,
    )


def _audit(
    session: Session,
    council_id: int,
    actor: str,
    action: str,
    scope: str,
    detail: dict[str, Any],
) -> None:
    session.add(
        AuditEntry(council_id=council_id, actor=actor, action=action, subject=scope, detail=detail)
    )
