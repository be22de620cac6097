"""Pure forms: definitions, their meta-schema and linter, page flow, answers from HTML forms,
validation in GOV.UK wording, and definition tests. No I/O."""

from counterfoil.forms.coerce import CoercedPage, answers_from_form, form_values
from counterfoil.forms.compiled import CompiledForm, Quote
from counterfoil.forms.diff import definition_diff
from counterfoil.forms.errors import DefinitionInvalid, FormsError, RouteError
from counterfoil.forms.flow import PageFlow
from counterfoil.forms.lint import lint
from counterfoil.forms.loader import load_definition, metaschema
from counterfoil.forms.model import FormDefinition, Page, UiField
from counterfoil.forms.testing import (
    CaseResult,
    DefinitionReport,
    check_definition,
    run_definition_tests,
)
from counterfoil.forms.validation import AnswerValidator, FieldError
from counterfoil.forms.widgets import infer_widget

__all__ = [
    "AnswerValidator",
    "CaseResult",
    "CoercedPage",
    "CompiledForm",
    "DefinitionInvalid",
    "DefinitionReport",
    "FieldError",
    "FormDefinition",
    "FormsError",
    "Page",
    "PageFlow",
    "Quote",
    "RouteError",
    "UiField",
    "answers_from_form",
    "check_definition",
    "definition_diff",
    "form_values",
    "infer_widget",
    "lint",
    "load_definition",
    "metaschema",
    "run_definition_tests",
]
