"""`counterfoil forms check`: exit codes and messages, with no traceback for a bad file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from counterfoil.cli import app

DEMO = Path(__file__).parents[2] / "counterfoil/forms/demo"
DEMOS = sorted(DEMO.glob("*.json"))


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_the_demos_pass(runner: CliRunner) -> None:
    result = runner.invoke(app, ["forms", "check", *map(str, DEMOS)])
    assert result.exit_code == 0, result.output
    assert result.output.count(": ok (0 problem(s)") == len(DEMOS) == 3


def test_malformed_json_fails_with_one_clear_line(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"slug": ', "utf-8")
    result = runner.invoke(app, ["forms", "check", str(path)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{path}: FAILED (1 problem(s), 0/0 tests passed)"
    assert len(lines) == 2
    assert lines[1].startswith("  /: the file is not valid JSON")


def test_a_missing_file_fails_with_one_clear_line(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "absent.json"
    result = runner.invoke(app, ["forms", "check", str(path)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.output.splitlines() == [
        f"{path}: cannot read the file: No such file or directory"
    ]


def test_a_lint_problem_fails_naming_its_pointer(runner: CliRunner, tmp_path: Path) -> None:
    document = json.loads((DEMO / "missed-bin.json").read_text("utf-8"))
    document["ui"]["/nowhere"] = {"label": "Nowhere"}
    path = tmp_path / "missed-bin.json"
    path.write_text(json.dumps(document), "utf-8")
    result = runner.invoke(app, ["forms", "check", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.splitlines() == [
        f"{path}: FAILED (1 problem(s), 3/3 tests passed)",
        "  /ui/~1nowhere: /nowhere names no field of the schema",
    ]


def test_a_failing_test_is_named(runner: CliRunner, tmp_path: Path) -> None:
    document = json.loads((DEMO / "garden-waste.json").read_text("utf-8"))
    document["tests"][0]["expect"]["total"] = 1
    path = tmp_path / "garden.json"
    path.write_text(json.dumps(document), "utf-8")
    result = runner.invoke(app, ["forms", "check", str(path)])
    assert result.exit_code == 1
    assert "  test 'existing customer with two bins' failed:" in result.output
    assert "    expected a total of £0.01, got £90.00" in result.output


def test_one_bad_file_fails_the_run_but_the_others_are_still_checked(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["forms", "check", str(tmp_path / "absent.json"), str(DEMOS[0])])
    assert result.exit_code == 1
    assert f"{DEMOS[0]}: ok" in result.output
