"""The tables. Written only by services and activities; Temporal stays the source of truth for where
a submission is in its life, these rows are what the rest of the platform reads."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _json(**kwargs: Any) -> Any:
    return Field(default=None, sa_column=Column(JSON, **kwargs))


class Council(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=63)
    name: str = Field(max_length=200)
    brand_colour: str = Field(default="#0b0c0c", max_length=7)
    logo_text: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow)


class Department(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("council_id", "slug"),)
    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    slug: str = Field(max_length=63)
    name: str = Field(max_length=200)
    webhook_url: str | None = Field(default=None, max_length=2000)
    email: str | None = Field(default=None, max_length=254)
    # Standard Webhooks secret ("whsec_..."); the previous one verifies until previous_until.
    secret: str = Field(max_length=200)
    previous_secret: str | None = Field(default=None, max_length=200)
    previous_until: datetime | None = None


class FormVersion(SQLModel, table=True):
    """A form's draft (version 0) and its immutable published versions (1, 2, ...)."""

    __table_args__ = (UniqueConstraint("council_id", "slug", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    slug: str = Field(max_length=63)
    version: int
    definition: dict[str, Any] = _json(nullable=False)
    created_at: datetime = Field(default_factory=utcnow)
    published_at: datetime | None = None
    # The draft's edit count: a save names the revision it started from, so two designers saving
    # the same draft cannot overwrite each other (the second save is refused).
    revision: int = 0
    updated_at: datetime = Field(default_factory=utcnow)
    # Who saved this draft last, or published this version ("api-key:<prefix>" or a staff email).
    updated_by: str = Field(default="", max_length=254)


class Submission(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("council_id", "idempotency_key"),)
    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    reference: str = Field(unique=True, index=True, max_length=32)
    form_slug: str = Field(max_length=63)
    form_version: int
    department_slug: str = Field(max_length=63)
    answers: dict[str, Any] | None = _json()
    lines: list[dict[str, Any]] = _json(nullable=False)
    total: int
    status: str = Field(default="submitted", max_length=32, index=True)
    idempotency_key: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Set when retention removed the answers (payment and ledger rows stay); the run that did it
    # ("retention-<council>-<date>") lets a rerun of that run count its work without redoing it.
    anonymised_at: datetime | None = None
    anonymised_by: str | None = Field(default=None, max_length=100, index=True)


class Payment(SQLModel, table=True):
    """One attempt to take the fee; a declined card is followed by a new attempt."""

    __table_args__ = (UniqueConstraint("submission_id", "attempt"),)
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    attempt: int
    provider: str = Field(max_length=32)
    provider_id: str = Field(index=True, max_length=100)
    amount: int
    state: str = Field(default="created", max_length=32)
    next_url: str | None = Field(default=None, max_length=2000)
    idempotency_key: str = Field(unique=True, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    # The council's PaymentAccount it was taken with; None for the built-in sandbox fallback.
    account_id: int | None = Field(default=None, foreign_key="paymentaccount.id")


class PaymentEvent(SQLModel, table=True):
    """Append-only: every state a provider reported, by webhook, return or poll."""

    __table_args__ = (UniqueConstraint("provider", "event_id"),)
    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=32)
    event_id: str = Field(max_length=200)
    provider_payment_id: str = Field(index=True, max_length=100)
    state: str = Field(max_length=32)
    source: str = Field(max_length=16)
    signature_valid: bool = True
    payload: dict[str, Any] | None = _json()
    received_at: datetime = Field(default_factory=utcnow)


class Delivery(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    webhook_id: str = Field(unique=True, max_length=100)
    url: str = Field(max_length=2000)
    body: str
    status: str = Field(default="pending", max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None


class DeliveryAttempt(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="delivery.id", index=True)
    status_code: int | None = None
    latency_ms: int
    error: str | None = Field(default=None, max_length=1000)
    attempted_at: datetime = Field(default_factory=utcnow)


class ApiKey(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    # The first characters of the key, to find it; the rest is only ever compared as a hash.
    prefix: str = Field(unique=True, index=True, max_length=16)
    key_hash: str = Field(max_length=200)
    roles: str = Field(max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class EmailMessage(SQLModel, table=True):
    """The outbox: receipts wait here until sent (SMTP) or are shown on the dev page."""

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    # One message per purpose per submission ("BWC-7K4M-Q2XD-receipt"), so retries send once.
    dedupe_key: str = Field(unique=True, max_length=200)
    to: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    body: str
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class AuditEntry(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    council_id: int | None = Field(default=None, foreign_key="council.id", index=True)
    actor: str = Field(max_length=200)
    action: str = Field(max_length=100)
    subject: str = Field(default="", max_length=200)
    detail: dict[str, Any] | None = _json()
    at: datetime = Field(default_factory=utcnow)


class SandboxPayment(SQLModel, table=True):
    """The sandbox provider's own state: beside the platform, but reached only over HTTP."""

    id: str = Field(primary_key=True, max_length=40)
    amount: int
    reference: str = Field(max_length=100)
    description: str = Field(max_length=300)
    return_url: str = Field(max_length=2000)
    callback_url: str | None = Field(default=None, max_length=2000)
    state: str = Field(default="created", max_length=32)
    failure_code: str | None = Field(default=None, max_length=8)
    idempotency_key: str | None = Field(default=None, unique=True, max_length=200)
    request_hash: str = Field(default="", max_length=64)
    metadata_: dict[str, Any] | None = Field(default=None, sa_column=Column("metadata", JSON))
    card_last4: str | None = Field(default=None, max_length=4)
    refunded: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class SandboxRefund(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=40)
    payment_id: str = Field(foreign_key="sandboxpayment.id", index=True)
    amount: int
    status: str = Field(default="success", max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


class InboxMessage(SQLModel, table=True):
    """A delivery received by the built-in demo department, with whether its signature verified."""

    id: int | None = Field(default=None, primary_key=True)
    council_slug: str = Field(max_length=63, index=True)
    department_slug: str = Field(max_length=63)
    webhook_id: str = Field(max_length=100)
    reference: str | None = Field(default=None, max_length=32)
    verified: bool
    headers: dict[str, Any] | None = _json()
    body: str
    received_at: datetime = Field(default_factory=utcnow)


class DemoInboxKey(SQLModel, table=True):
    """DEMO ONLY: a `department:<slug>` API key kept in plaintext, so that the built-in demo inbox
    can call the fulfilment API as that department. A real department keeps its own key."""

    __table_args__ = (UniqueConstraint("council_slug", "department_slug"),)
    id: int | None = Field(default=None, primary_key=True)
    council_slug: str = Field(max_length=63)
    department_slug: str = Field(max_length=63)
    api_key: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class StaffUser(SQLModel, table=True):
    """A council staff account for the studio and staff pages; the password is an Argon2 hash."""

    __table_args__ = (UniqueConstraint("council_id", "email"),)
    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    email: str = Field(max_length=254, index=True)
    password_hash: str = Field(max_length=200)
    roles: str = Field(max_length=500)
    failed_sign_ins: int = 0
    locked_until: datetime | None = None
    disabled: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class StaffSession(SQLModel, table=True):
    """A signed-in staff browser. The cookie holds a random token; only its hash is stored, and a
    new token is minted at every sign-in (no session fixation)."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True, max_length=64)
    user_id: int = Field(foreign_key="staffuser.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class LedgerPosting(SQLModel, table=True):
    """One fee line paid, or refunded (negative), as the council's ledger sees it (ledger.md).

    The unique key makes posting idempotent: a retried activity finds its row and adds none."""

    __table_args__ = (UniqueConstraint("reference", "line_id", "kind", "refund_id"),)
    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    reference: str = Field(max_length=32, index=True)
    line_id: str = Field(max_length=63)
    kind: str = Field(max_length=16)  # payment | refund | refund_failed
    # "" for a payment; the refund's idempotency key for a refund ("BWC-7K4M-Q2XD-refund").
    refund_id: str = Field(default="", max_length=200)
    fund: str = Field(max_length=63)
    vat_code: str = Field(max_length=8)
    net: int
    vat: int
    gross: int
    # The day in Europe/London whose batch carries this posting.
    business_date: date = Field(index=True)
    batch_id: str | None = Field(default=None, max_length=100, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class LedgerBatch(SQLModel, table=True):
    """A council's distribution for one business date: written once, its bytes kept so that the
    API can serve them without sharing the worker's disk."""

    __table_args__ = (UniqueConstraint("council_id", "business_date"),)
    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    business_date: date
    batch_id: str = Field(unique=True, max_length=100)
    postings: int
    content: str
    sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class LedgerSettings(SQLModel, table=True):
    """A council's ledger configuration; a council without a row uses the defaults."""

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", unique=True)
    # VAT code -> rate in basis points ({"S": 2000, "Z": 0, "E": 0, "OS": 0}).
    vat_rates: dict[str, Any] | None = _json()
    # [{"header": "Cost centre", "field": "fund"}, ...]; see counterfoil.platform.ledger.csv_file.
    columns: list[dict[str, Any]] | None = _json()


class WebStoreEntry(SQLModel, table=True):
    """One key of the web's shared store (counterfoil.web.store): resident sessions and rate-limit
    counters, kept here so that every web process sees the same ones."""

    key: str = Field(primary_key=True, max_length=400)
    value: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # A rate-limit counter's hits in its window (0 for plain values).
    hits: int = 0
    # Unix time after which the entry is gone; None never expires.
    expires_at: float | None = Field(default=None, index=True)


class ReconciliationRun(SQLModel, table=True):
    """A council's daily comparison of its payments with the providers' lists, one row per day:
    a rerun replaces the day's differences rather than adding a second report."""

    __table_args__ = (UniqueConstraint("council_id", "business_date"),)
    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    business_date: date
    # How many payments each side had that day, over every gateway the council uses.
    ours: int
    theirs: int
    differences: int
    # sha256 of the differences, so an unchanged rerun is recognised (and not emailed again).
    digest: str = Field(max_length=64)
    ran_at: datetime = Field(default_factory=utcnow)


class ReconciliationDifference(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="reconciliationrun.id", index=True)
    provider: str = Field(max_length=32)
    # missing_at_provider | missing_with_us | amount | state
    kind: str = Field(max_length=32)
    provider_id: str = Field(max_length=100)
    reference: str = Field(max_length=100)
    our_amount: int | None = None
    their_amount: int | None = None
    our_state: str | None = Field(default=None, max_length=32)
    their_state: str | None = Field(default=None, max_length=32)


class FinanceSettings(SQLModel, table=True):
    """A council's finance team contact: where reconciliation differences are emailed."""

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", unique=True)
    email: str = Field(max_length=254)


class PaymentAccount(SQLModel, table=True):
    """A council's payment provider account, for all its forms (form_slug "") or for one form.

    The credentials are one Fernet token (payments/credentials.py); only `hint` is ever shown.
    An account replaced by another provider or mode, or deleted, is retired, not removed: the
    payments taken with it still need it for refunds and reconciliation."""

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    form_slug: str = Field(default="", max_length=63)
    provider: str = Field(max_length=32)
    mode: str = Field(max_length=8)  # test | live
    credentials: str
    hint: str = Field(default="", max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=254)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="", max_length=254)
    retired_at: datetime | None = None


class RefundRecord(SQLModel, table=True):
    """A refund asked of the provider, keyed by our idempotency key; the provider settles it
    later (`submitted` → `success` or `error`), and the workflow reads that outcome."""

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    key: str = Field(unique=True, max_length=200)
    provider_refund_id: str = Field(max_length=100)
    amount: int
    reason: str = Field(default="", max_length=500)
    status: str = Field(default="submitted", max_length=16)
    requested_at: datetime = Field(default_factory=utcnow)
    settled_at: datetime | None = None
