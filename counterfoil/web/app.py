"""The Litestar application: every route, templates, sessions, CSRF and error handling."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader
from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.middleware.session.server_side import ServerSideSessionConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from temporalio.client import Client

from counterfoil.platform import Platform
from counterfoil.web.api.departments import departments_router
from counterfoil.web.api.forms import forms_router
from counterfoil.web.api.ledger import ledger_router
from counterfoil.web.api.payment_accounts import payment_accounts_router
from counterfoil.web.api.problems import ProblemResponses
from counterfoil.web.api.reconciliation import reconciliation_router
from counterfoil.web.api.submissions import submissions_router
from counterfoil.web.api.users import users_router
from counterfoil.web.callbacks import close_gateways, receive_provider_webhook
from counterfoil.web.demo_inbox import demo_inbox_router
from counterfoil.web.dev_pages import outbox as dev_outbox
from counterfoil.web.errors import exception_handlers
from counterfoil.web.health import health_router
from counterfoil.web.observability import (
    observability_hooks,
    observability_middleware,
    observability_routes,
)
from counterfoil.web.ratelimit import RateLimiter
from counterfoil.web.resident import resident_routes
from counterfoil.web.resident.rendered_fields import FieldRenderer
from counterfoil.web.sandbox import sandbox_router, stop_sandbox
from counterfoil.web.security import security_headers, template_nonce
from counterfoil.web.store import DatabaseStore
from counterfoil.web.studio import studio_routes

TEMPLATES = Path(__file__).with_name("templates")

# Routes that machines call with their own authentication (API keys, provider signatures).
CSRF_EXEMPT = ["/api/", "/callbacks/", "/sandbox/v1/", "/dev/inbox/receive/", "/health/"]


def template_environment() -> Environment:
    environment = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(TEMPLATES),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["csp_nonce"] = template_nonce
    environment.globals["rendered_field"] = FieldRenderer(environment)
    return environment


def create_app(
    platform: Platform, temporal: Client | None = None, *, connect_temporal: bool = True
) -> Litestar:
    """The app; `temporal` is connected at startup when not given, unless `connect_temporal` is
    False (tests of routes that never reach Temporal)."""
    settings = platform.settings
    secret = settings.secret_key or secrets.token_urlsafe(32)
    # Sessions and rate-limit counters in the database: shared by every web process.
    store = DatabaseStore(platform.engine)
    route_handlers: list[Any] = [health_router]
    # each area adds its routers below (one line each)
    route_handlers.append(sandbox_router())
    route_handlers.append(receive_provider_webhook)
    route_handlers.append(departments_router)
    route_handlers.append(forms_router)
    route_handlers.append(ledger_router)
    route_handlers.append(reconciliation_router)
    route_handlers.append(submissions_router)
    route_handlers.append(users_router)
    route_handlers.append(payment_accounts_router)
    route_handlers.append(demo_inbox_router)
    if settings.dev_pages:
        route_handlers.append(dev_outbox)
    route_handlers.extend(studio_routes())
    route_handlers.extend(resident_routes())
    route_handlers.extend(observability_routes(settings))

    async def connect_to_temporal(app: Litestar) -> None:
        if app.state.get("temporal") is None:
            from counterfoil.workflows.client import connect

            app.state.temporal = await connect(settings, lazy=True)

    return Litestar(
        route_handlers=route_handlers,
        state=State(
            {
                "platform": platform,
                "temporal": temporal,
                "rate_limiter": RateLimiter(store.with_namespace("rate_limit")),
            }
        ),
        on_startup=[connect_to_temporal] if connect_temporal else [],
        # Sandbox webhooks in flight and gateway HTTP clients end with the app.
        on_shutdown=[stop_sandbox, close_gateways],
        template_config=TemplateConfig(
            engine=JinjaTemplateEngine.from_environment(template_environment())
        ),
        middleware=[
            *observability_middleware(settings),
            ServerSideSessionConfig(
                key="counterfoil-session",
                max_age=settings.resident_session_minutes * 60,
                secure=settings.secure_cookies,
                samesite="lax",
                httponly=True,
                # machines and static files have no resident session: none is read or stored
                exclude=[*CSRF_EXEMPT, "/assets/", "/metrics"],
            ).middleware,
        ],
        stores={"sessions": store.with_namespace("sessions")},
        csrf_config=CSRFConfig(
            secret=secret,
            cookie_secure=settings.secure_cookies,
            cookie_httponly=True,
            cookie_samesite="lax",
            exclude=CSRF_EXEMPT,
        ),
        exception_handlers=exception_handlers(),
        plugins=[ProblemResponses()],
        before_send=[*observability_hooks(settings), security_headers(settings)],
        request_max_body_size=settings.max_body_bytes,
        # the process's logging is configured once (configure_logging), not by Litestar
        logging_config=None,
        debug=False,
    )
