"""Department signing secrets in the Standard Webhooks format, their rotation with an overlap, and
checking a signature against whichever secrets still verify."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from counterfoil.platform.db.models import Department

PREFIX = "whsec_"


def new_secret() -> str:
    # 32 random bytes: the HMAC-SHA256 key size the Standard Webhooks spec recommends (24-64).
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def rotate(department: Department, now: datetime, overlap: timedelta) -> str:
    """Give `department` a new secret; the current one keeps verifying until now + overlap."""
    department.previous_secret = department.secret
    department.previous_until = now + overlap
    department.secret = new_secret()
    return department.secret


def verifying_secrets(department: Department, now: datetime) -> list[str]:
    found = [department.secret]
    if department.previous_secret and department.previous_until and now < department.previous_until:
        found.append(department.previous_secret)
    return found


def signature_verifies(
    department: Department, body: bytes, headers: Mapping[str, str], now: datetime
) -> bool:
    for secret in verifying_secrets(department, now):
        try:
            Webhook(secret).verify(body, dict(headers), json_parse=False)
        # A forged header may be malformed too: bad base64 or no "v1," raise ValueError.
        except (WebhookVerificationError, ValueError):
            continue
        return True
    return False
