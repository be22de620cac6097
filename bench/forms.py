"""Full validation + fee quote per second for each demo form, beside raw jsonschema-rs validation.

    python bench/forms.py [--seconds 0.5] [--runs 5]

For each demo form it takes the answers of the first valid definition test and measures, in the
same run: (a) `CompiledForm.quote` (page flow pruning, validation with every error mapped, fees)
and (b) the bare `jsonschema_rs` validator's `is_valid` on the same schema and answers. It prints
the median rate of each over several runs and the ratio (b)/(a): the cost of our layer.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import jsonschema_rs

from counterfoil.forms import CompiledForm, load_definition

DEMO = Path(__file__).resolve().parents[1] / "counterfoil" / "forms" / "demo"


def rate(call: Callable[[], Any], seconds: float) -> float:
    """Calls per second of `call`, run for about `seconds`."""
    batch, done, start = 200, 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(batch):
            call()
        done += batch
    return done / elapsed


def median_rate(call: Callable[[], Any], seconds: float, runs: int) -> float:
    return statistics.median(rate(call, seconds) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=0.5, help="length of one run")
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}  runs: {args.runs} x {args.seconds}s (medians)")
    print(f"{'form':<14} {'quotes/s':>10} {'raw validations/s':>18} {'raw/ours':>9}")
    for path in sorted(DEMO.glob("*.json")):
        definition = load_definition(path.read_bytes())
        form = CompiledForm(definition)
        answers = next(case.answers for case in definition.tests if case.expect.valid)
        assert form.quote(answers).valid, f"{path.name}: sample answers must be valid"
        raw = jsonschema_rs.validator_for(definition.schema, validate_formats=True)
        assert raw.is_valid(answers)
        ours = median_rate(partial(form.quote, answers), args.seconds, args.runs)
        bare = median_rate(partial(raw.is_valid, answers), args.seconds, args.runs)
        print(f"{definition.slug:<14} {ours:>10,.0f} {bare:>18,.0f} {bare / ours:>8.1f}x")


if __name__ == "__main__":
    main()
