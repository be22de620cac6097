"""The form definition as typed data: msgspec Structs mirroring the keys of form-definition.md.

The loader validates raw JSON against the meta-schema first (every problem at once, with pointers),
then converts it into these Structs, so code past the loader can rely on their shape.
"""

from __future__ import annotations

from typing import Any

import msgspec

from counterfoil.rules import FeeLine

# A JSON Logic rule: any JSON value (a bare literal is a rule too).
Rule = Any


class ReferenceUi(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A typed reference's mask and check digit algorithm (counterfoil.rules.references)."""

    mask: str
    check: str | None = None


class UiField(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """How one field (keyed by JSON Pointer into the answers) is presented to residents."""

    widget: str | None = None
    label: str | None = None
    hint: str | None = None
    options: dict[str, str] | None = None
    add_label: str | None = None
    autocomplete: str | None = None
    content: str | None = None
    reference: ReferenceUi | None = None
    errors: dict[str, str] = msgspec.field(default_factory=dict)


class Page(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    id: str
    title: str
    fields: list[str]
    description: str | None = None
    when: Rule | None = None


class Fees(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    lines: list[FeeLine]
    currency: str = "GBP"


class Payment(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    reference_prefix: str | None = None
    description: str | None = None


class Fulfilment(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Where a submission goes: a fixed department, or a rule whose value is a department slug."""

    department: str | None = None
    route: Rule | None = None


class Confirmation(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    title: str | None = None
    next_steps: str | None = None


class Expectation(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    valid: bool
    total: int | None = None
    lines: dict[str, int] | None = None
    errors: list[str] | None = None
    department: str | None = None


class DefinitionTest(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: str
    answers: dict[str, Any]
    expect: Expectation


class FormDefinition(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    slug: str
    title: str
    schema: dict[str, Any]
    pages: list[Page]
    fulfilment: Fulfilment
    description: str | None = None
    ui: dict[str, UiField] = msgspec.field(default_factory=dict)
    fees: Fees | None = None
    payment: Payment | None = None
    confirmation: Confirmation | None = None
    retention_days: int | None = None
    tests: list[DefinitionTest] = msgspec.field(default_factory=list)

    def ui_for(self, pointer: str) -> UiField:
        return self.ui.get(pointer) or _NO_UI


_NO_UI = UiField()
