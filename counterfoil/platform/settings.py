"""The one settings object: typed, documented per field, read once from `COUNTERFOIL_*` environment
variables and `.env`, then passed to whatever needs it (never imported as a global)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COUNTERFOIL_", env_file=".env", extra="ignore")

    # Where the embedded default keeps its files (SQLite database, Temporal state).
    var_dir: Path = Path("var")
    # SQLAlchemy URL; empty means SQLite at var_dir/counterfoil.db.
    database_url: str = ""
    # host:port of a Temporal frontend; empty means `counterfoil dev` starts a dev server.
    temporal_address: str = ""
    temporal_namespace: str = "default"
    task_queue: str = "counterfoil"
    # Port of the dev Temporal server that `counterfoil dev` starts, and of its UI.
    temporal_dev_port: int = 7233
    temporal_ui_port: int = 8233

    host: str = "127.0.0.1"
    port: int = 8000
    # The address residents and providers reach the app on (return URLs, callbacks, links).
    public_url: str = ""
    # Signs session and CSRF cookies. Generated per run when empty (dev only).
    secret_key: str = ""
    # Secure cookies; on whenever public_url is https.
    cookie_secure: bool = False
    max_body_bytes: int = 1_000_000
    resident_session_minutes: int = 60
    # Staff (studio) sign-in: session length, and the lock-out after repeated wrong passwords.
    staff_session_hours: int = 8
    sign_in_attempts: int = 5
    sign_in_lockout: timedelta = timedelta(minutes=15)
    # Rate limits (429 beyond them): submissions created, through the API or the resident pages,
    # per client IP; staff sign-in attempts per client IP and per account; each in one window.
    rate_limit_window: timedelta = timedelta(minutes=1)
    submission_rate_limit: int = Field(default=600, ge=1)
    sign_in_rate_limit: int = Field(default=30, ge=1)
    # The providers' card pages a resident's browser is sent to after "Submit and pay" (the CSP's
    # form-action); our own address and the sandbox's are always allowed.
    payment_page_origins: list[str] = Field(
        default_factory=lambda: [
            "https://card.payments.service.gov.uk",
            "https://checkout.stripe.com",
        ]
    )

    # The built-in sandbox payment provider (payments.md): its API key and webhook signing key.
    sandbox_api_key: str = "sandbox-api-key"
    sandbox_webhook_secret: str = "sandbox-webhook-secret"
    # Where the platform reaches the sandbox over HTTP; empty means public_url + /sandbox.
    sandbox_base_url: str = ""
    # Where the GOV.UK Pay and Stripe adapters send their requests (tests point them at fakes).
    govuk_pay_url: str = "https://publicapi.payments.service.gov.uk"
    stripe_api_base: str = "https://api.stripe.com"
    # Fernet keys (comma-separated, each `Fernet.generate_key()`) that encrypt councils' payment
    # provider credentials at rest: the first encrypts, every one decrypts, so a new key goes
    # first and the old one stays until everything is re-encrypted. Empty derives one key from
    # secret_key (dev); with both empty, storing or reading credentials is refused.
    credentials_keys: str = ""
    # A council (or form) with no payment account takes payments in the built-in sandbox, where
    # no money moves: right for dev and demos; turn off in production so such payments wait
    # (and retry) until an administrator sets an account.
    sandbox_fallback: bool = True
    # A sandbox refund is `submitted` for this long, then `success`, as a real provider's is
    # asynchronous.
    sandbox_refund_settle: timedelta = timedelta(seconds=5)

    # Lifecycle durations (lifecycle.md); tests shrink them to run a whole life in seconds.
    payment_expiry: timedelta = timedelta(minutes=90)
    reconciliation_backoff: list[timedelta] = Field(
        default_factory=lambda: [timedelta(minutes=m) for m in (1, 2, 5, 10, 20)]
    )
    # Each council's daily comparison of its payments with its providers' lists runs at this hour
    # (Europe/London), for the day before.
    reconciliation_hour: int = Field(default=4, ge=0, le=23)
    delivery_retry_schedule: list[timedelta] = Field(
        default_factory=lambda: [
            timedelta(minutes=1),
            timedelta(minutes=5),
            timedelta(hours=1),
            timedelta(days=1),
            timedelta(days=2),
        ]
    )
    delivery_timeout: timedelta = timedelta(seconds=10)
    # A completed paid submission stays open this long for finance refunds.
    refund_window: timedelta = timedelta(days=180)
    # Old department secrets keep verifying for this long after a rotation.
    secret_rotation_overlap: timedelta = timedelta(hours=24)
    # An Update waits this long for a worker before the API answers 503.
    update_timeout: timedelta = timedelta(seconds=10)

    # Retention: each council's daily run anonymises submissions past their form's retention_days
    # at this hour (Europe/London), this many per transaction.
    retention_hour: int = Field(default=3, ge=0, le=23)
    retention_batch_size: int = Field(default=200, ge=1)
    # How often a worker creates the daily schedules (ledger, reconciliation, retention) of
    # councils added since it started.
    schedule_sync_interval: timedelta = timedelta(minutes=5)

    # Development pages (/dev/outbox): on under `counterfoil dev`, never in production.
    dev_pages: bool = False

    # SMTP for receipts; empty host keeps mail in the outbox (shown on /dev/outbox).
    smtp_host: str = ""
    smtp_port: int = 25
    mail_from: str = "no-reply@counterfoil.invalid"

    # Observability (README "Logs, metrics and traces").
    # Log lines: "json" (one object a line) or "console"; empty means the command's own default
    # (json for `counterfoil web` and `worker`, console for `counterfoil dev`).
    log_format: Literal["", "json", "console"] = ""
    log_level: str = "INFO"
    # GET /metrics (Prometheus text) on the web app: off unless enabled; with a token set, a scraper
    # must send `Authorization: Bearer <token>`.
    metrics_enabled: bool = False
    metrics_token: str = ""
    # The worker's own metrics HTTP server on this port (bound to `host`); 0 means none.
    worker_metrics_port: int = 0
    # OpenTelemetry traces of web -> workflow -> activities; OTLP when OTEL_EXPORTER_OTLP_ENDPOINT
    # is set, else printed to the console. Off: no tracer, no interceptor, no middleware.
    otel_enabled: bool = False

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'counterfoil.db'}"

    @property
    def resolved_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def secure_cookies(self) -> bool:
        """Cookies only over TLS: when asked, and whenever the public address is https."""
        return self.cookie_secure or self.resolved_public_url.startswith("https://")

    @property
    def resolved_sandbox_url(self) -> str:
        return (self.sandbox_base_url or f"{self.resolved_public_url}/sandbox").rstrip("/")
