"""Payments: one gateway interface, an adapter per provider, and the registry that finds them."""

from counterfoil.platform.payments.base import (
    CreatedPayment,
    GatewayUnavailable,
    PaymentGateway,
    PaymentRejected,
    PaymentsError,
    PaymentState,
    PaymentStatus,
    Refund,
    RefundMismatch,
    RefundStatus,
    WebhookEvent,
    WebhookRejected,
)
from counterfoil.platform.payments.registry import GatewayRegistry, UnknownGateway, default_registry
from counterfoil.platform.payments.sandbox import SandboxGateway

__all__ = [
    "CreatedPayment",
    "GatewayRegistry",
    "GatewayUnavailable",
    "PaymentGateway",
    "PaymentRejected",
    "PaymentState",
    "PaymentStatus",
    "PaymentsError",
    "Refund",
    "RefundMismatch",
    "RefundStatus",
    "SandboxGateway",
    "UnknownGateway",
    "WebhookEvent",
    "WebhookRejected",
    "default_registry",
]
