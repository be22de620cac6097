"""Submission references: short, readable over the phone, unique, e.g. BWC-7K4M-Q2XD."""

from __future__ import annotations

import secrets

# No 0/O, 1/I/L, and no vowels-that-spell-words trouble beyond what is unavoidable.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference(prefix: str | None) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{prefix or 'CF'}-{body[:4]}-{body[4:]}"
