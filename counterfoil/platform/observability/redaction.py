"""The safety net under every log line: whatever looks like a card number, an email address, an API
key, a credential or a URL's query string is masked before the line is written.

Log calls must not pass personal data in the first place; this catches the ones that slip (a
provider's error message quoting a URL, an exception's text), not a licence to log answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# 13-19 digits, optionally grouped by spaces or hyphens; masked only when the Luhn check passes,
# so references, amounts and timestamps stay readable.
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
# Our API keys (auth/keys.py): the 12-character prefix identifies the key and is kept.
_API_KEY = re.compile(r"\b(cf_[a-z0-9]{8})_[A-Za-z0-9_-]+")
# Provider secrets by their well-known shapes (Stripe keys and webhook secrets).
_PROVIDER_SECRET = re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]+|\bwhsec_[A-Za-z0-9+/=]+")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
_CREDENTIAL = re.compile(
    r"(?i)\b(authorization|api[_-]?key|secret|password|passwd|token|signature)"
    r"(\"?\s*[:=]\s*\"?|'?\s*[:=]\s*'?)(?!(?i:bearer|basic)\s)[^\s\"',;&]+"
)
# user:password@ in a URL (a database URL, a webhook address).
_URL_CREDENTIALS = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+@")
# Query strings can carry anything a form or a provider put there.
_QUERY = re.compile(r"(https?://[^\s?#\"']+|(?<![\w/])/[^\s?#\"']*)\?[^\s#\"']*")

REDACTED = "[redacted]"


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[card]" if _luhn_valid(digits) else match.group(0)


class Redactor:
    """Masks the patterns above, and the exact values of configured secrets."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Short values would mask ordinary words; real secrets are long.
        known = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)
        self._secrets = re.compile("|".join(map(re.escape, known))) if known else None

    def __call__(self, text: str) -> str:
        if self._secrets is not None:
            text = self._secrets.sub(REDACTED, text)
        text = _URL_CREDENTIALS.sub(rf"\1{REDACTED}@", text)
        text = _QUERY.sub(r"\1?[query]", text)
        text = _API_KEY.sub(rf"\1_{REDACTED}", text)
        text = _PROVIDER_SECRET.sub(REDACTED, text)
        text = _BEARER.sub(rf"\1 {REDACTED}", text)
        text = _CREDENTIAL.sub(rf"\1\2{REDACTED}", text)
        text = _EMAIL.sub("[email]", text)
        return _CARD.sub(_mask_card, text)
