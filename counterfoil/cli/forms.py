"""`counterfoil forms check FILE...`: lint definitions and run their tests, offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from counterfoil.forms import check_definition

forms_app = typer.Typer(no_args_is_help=True, help="Work with form definitions.")


@forms_app.command("check")
def check(
    files: Annotated[list[Path], typer.Argument(help="Form definition JSON files.")],
) -> None:
    """Print lint problems and test results; exit 1 if any file has a problem or a failing test."""
    failed = False
    for path in files:
        try:
            source = path.read_bytes()
        except OSError as exc:
            typer.echo(f"{path}: cannot read the file: {exc.strerror or exc}", err=True)
            failed = True
            continue
        report = check_definition(source)
        failed |= not report.ok
        passed = sum(r.passed for r in report.results)
        summary = f"{len(report.problems)} problem(s), {passed}/{len(report.results)} tests passed"
        typer.echo(f"{path}: {'ok' if report.ok else 'FAILED'} ({summary})")
        for problem in report.problems:
            typer.echo(f"  {problem.pointer or '/'}: {problem.message}")
        for result in report.results:
            if not result.passed:
                typer.echo(f"  test {result.name!r} failed:")
                for failure in result.failures:
                    typer.echo(f"    {failure}")
    raise typer.Exit(1 if failed else 0)
