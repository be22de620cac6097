"""check_definition: the demos pass; a wrong expectation or a fee that cannot be computed fails,
naming the case and what went wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from counterfoil.forms import check_definition

DEMO = Path(__file__).parents[2] / "counterfoil/forms/demo"


def demo(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DEMO / f"{name}.json").read_text("utf-8"))
    return loaded


def failures(document: dict[str, Any]) -> dict[str, list[str]]:
    report = check_definition(document)
    assert report.problems == []
    return {r.name: r.failures for r in report.results if not r.passed}


@pytest.mark.parametrize("name", ["bulky-waste", "garden-waste", "missed-bin"])
def test_a_demo_definition_passes_its_own_tests(name: str) -> None:
    report = check_definition((DEMO / f"{name}.json").read_bytes())
    assert report.problems == []
    assert [r.failures for r in report.results if not r.passed] == []
    assert len(report.results) == len(demo(name)["tests"])
    assert report.ok
    assert report.form is not None


def test_a_wrong_total_fails_the_case_naming_both_amounts() -> None:
    document = demo("bulky-waste")
    document["tests"][0]["expect"]["total"] = 3000
    assert failures(document) == {
        "one sofa, no reduction": ["expected a total of £30.00, got £35.00"]
    }
    assert not check_definition(document).ok


def test_a_wrong_line_amount_fails_the_case_naming_the_line() -> None:
    document = demo("bulky-waste")
    document["tests"][1]["expect"]["lines"]["extra"] = 2400
    assert failures(document) == {
        "four sofas with a reduction": ["expected line 'extra' to be £24.00, got £12.00"]
    }


def test_a_case_expected_valid_but_invalid_fails_saying_why() -> None:
    document = demo("garden-waste")
    document["tests"][0]["answers"]["bins"] = 9
    found = failures(document)["existing customer with two bins"]
    assert found[0].startswith("expected the answers to be valid, but they are invalid (/bins: ")
    assert "expected a total of £90.00, got no total" in found


def test_an_expected_error_that_does_not_happen_fails() -> None:
    document = demo("garden-waste")
    document["tests"][4]["expect"]["errors"] = ["/bins", "/postcode"]
    assert failures(document) == {
        "too many bins": ["expected errors at /postcode but there were none"]
    }


def test_an_unexpected_error_fails() -> None:
    document = demo("bulky-waste")
    document["tests"][5]["expect"]["errors"] = ["/email"]
    assert failures(document) == {"bad postcode and email": ["unexpected errors at /postcode"]}


def test_a_wrong_department_fails() -> None:
    document = demo("missed-bin")
    document["tests"][0]["expect"]["department"] = "parks"
    assert failures(document) == {
        "a missed recycling bin": ["expected department 'parks', got 'waste-services'"]
    }


def test_a_fee_that_cannot_be_computed_for_a_valid_case_fails_naming_the_line() -> None:
    document = demo("garden-waste")
    # bins_to_deliver has no default now: an existing customer never answers it.
    document["fees"]["lines"][1]["amount"] = {"*": [{"var": "bins_to_deliver"}, 1500]}
    found = failures(document)
    assert found["existing customer with two bins"] == [
        "the fee cannot be computed: fee line 'delivery': "
        "reads 'bins_to_deliver', which has no value"
    ]
    assert "new customer with one bin delivered" not in found


def test_a_definition_that_does_not_load_reports_its_problems_and_runs_no_tests() -> None:
    report = check_definition(b"{")
    assert [p.pointer for p in report.problems] == [""]
    assert report.results == []
    assert not report.ok


def test_a_lint_problem_fails_the_definition_even_when_its_tests_pass() -> None:
    document = demo("missed-bin")
    document["ui"]["/nowhere"] = {"label": "Nowhere"}
    report = check_definition(document)
    assert [p.pointer for p in report.problems] == ["/ui/~1nowhere"]
    assert all(r.passed for r in report.results)
    assert not report.ok


def test_a_rule_that_cannot_compile_is_a_problem_not_an_exception() -> None:
    document = demo("garden-waste")
    document["fees"]["lines"][0]["amount"] = {"now": []}
    report = check_definition(document)
    assert [p.pointer for p in report.problems] == ["/fees/lines/0/amount/now"]
    assert report.results == []
    assert not report.ok
