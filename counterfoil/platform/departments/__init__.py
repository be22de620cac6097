"""Departments: their signing secrets, delivering submissions to them, their queue, and the built-in
demo department inbox."""

from counterfoil.platform.departments.alerts import queue_delivery_failed_alert
from counterfoil.platform.departments.delivery import (
    DeliveryResult,
    deliver_submission,
    webhook_id_for,
)
from counterfoil.platform.departments.demo_inbox import (
    ReceivedMessage,
    demo_inbox_url,
    demo_key,
    messages,
    provision_demo_inbox,
    receive,
)
from counterfoil.platform.departments.errors import (
    DeliveryFailed,
    DepartmentInvalid,
    DepartmentsError,
    NoDestination,
)
from counterfoil.platform.departments.payload import respond_url
from counterfoil.platform.departments.secrets import new_secret, signature_verifies
from counterfoil.platform.departments.service import (
    CreatedDepartment,
    DepartmentView,
    RotatedSecret,
    create_department,
    list_submissions,
    rotate_secret,
)

__all__ = [
    "CreatedDepartment",
    "DeliveryFailed",
    "DeliveryResult",
    "DepartmentInvalid",
    "DepartmentView",
    "DepartmentsError",
    "NoDestination",
    "ReceivedMessage",
    "RotatedSecret",
    "create_department",
    "deliver_submission",
    "demo_inbox_url",
    "demo_key",
    "list_submissions",
    "messages",
    "new_secret",
    "provision_demo_inbox",
    "queue_delivery_failed_alert",
    "receive",
    "respond_url",
    "rotate_secret",
    "signature_verifies",
    "webhook_id_for",
]
