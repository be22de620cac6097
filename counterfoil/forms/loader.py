"""Loading a definition: JSON text or a parsed document in, a FormDefinition out, or every problem.

The meta-schema (metaschema.json, the contract of form-definition.md) is checked first, then the
answers schema itself against JSON Schema draft 2020-12, so a designer sees all problems at once.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import jsonschema_rs
import msgspec

from counterfoil.forms.errors import DefinitionInvalid
from counterfoil.forms.model import FormDefinition
from counterfoil.forms.pointers import make_pointer
from counterfoil.rules import Problem

# msgspec builds a Struct type's decoding info on its first use; several threads making that first
# use at once crashed the web process (SIGSEGV in msgspec.convert, msgspec 0.22: 7 of 30 cold
# processes with 8 threads loading definitions, 0 of 30 after this). Build it now, in one thread.
msgspec.json.Decoder(FormDefinition)


@cache
def metaschema() -> dict[str, Any]:
    """The JSON Schema of a form definition."""
    text = resources.files("counterfoil.forms").joinpath("metaschema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _metaschema_validator() -> Any:
    return jsonschema_rs.validator_for(metaschema())


def parse_json(source: bytes | str) -> Any:
    """Decode JSON text, turning a syntax error into one problem a person can act on."""
    try:
        return msgspec.json.decode(source)
    except msgspec.DecodeError as exc:
        raise DefinitionInvalid([Problem("", f"the file is not valid JSON: {exc}")]) from exc


def definition_problems(document: Any) -> list[Problem]:
    """Every way `document` breaks the meta-schema or JSON Schema itself, sorted by pointer."""
    problems = [
        Problem(make_pointer(list(error.instance_path)), error.message)
        for error in _metaschema_validator().iter_errors(document)
    ]
    schema = document.get("schema") if isinstance(document, dict) else None
    if isinstance(schema, dict):
        problems.extend(_answers_schema_problems(schema))
    return sorted(set(problems), key=lambda p: p.pointer)


def _answers_schema_problems(schema: dict[str, Any]) -> list[Problem]:
    checker = jsonschema.Draft202012Validator(jsonschema.Draft202012Validator.META_SCHEMA)
    found = [
        Problem(make_pointer(["schema", *error.absolute_path]), error.message)
        for error in checker.iter_errors(schema)
    ]
    if not found:
        try:
            jsonschema_rs.validator_for(schema, validate_formats=True)
        except (jsonschema_rs.ValidationError, ValueError) as exc:
            found.append(Problem("/schema", f"the answers schema cannot be compiled: {exc}"))
    return found


def load_definition(source: bytes | str | dict[str, Any]) -> FormDefinition:
    """A checked definition, or DefinitionInvalid with every problem found."""
    document = source if isinstance(source, dict) else parse_json(source)
    problems = definition_problems(document)
    if problems:
        raise DefinitionInvalid(problems)
    try:
        return msgspec.convert(document, FormDefinition)
    except msgspec.ValidationError as exc:  # the meta-schema should have caught it; say where
        raise DefinitionInvalid([Problem("", str(exc))]) from exc
