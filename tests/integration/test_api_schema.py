"""schemathesis against the app's own OpenAPI schema, served by the live platform: every `/api/v1/`
operation, called over HTTP with an admin key, must never answer 5xx and must answer what the
schema declares for the status it returns.

Path parameters are mostly pinned to things that exist (the demo council, a form, a department,
a submission, a staff member) so that requests reach the handlers' own validation and logic rather
than stopping at "not found"; bodies, queries and the rest are generated. Both valid and invalid
requests are generated. Examples are
derandomised (the same ones every run) and not shrunk, to keep the run short and repeatable."""

from __future__ import annotations

import itertools
import time
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from counterfoil.platform.seed import seed_demo
from tests.factories import valid_answers
from tests.integration.conftest import Live
from tests.integration.journeys import auth, seeded, submit
from tests.integration.studio_support import add_staff

CHECKS = [not_a_server_error, response_schema_conformance]
# Requests the schema allows, and requests it does not (which must get a 4xx problem, not a
# 5xx); fewer of the latter: where nothing can be invalid, Hypothesis tries many times first.
EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 3}


def _known(live: Live, key: str) -> dict[str, Any]:
    """Path parameter values that exist in the seeded database."""
    submission = submit(live, key, "bulky-waste", valid_answers("bulky-waste"))
    add_staff(live, "agent@example.org", ["agent"])
    return {
        "council": "demo",
        "slug": "bulky-waste",
        "dept": "waste-services",
        "reference": submission["reference"],
        "email": "agent@example.org",
    }


def test_every_api_operation_answers_within_its_schema_and_never_5xx(live: Live) -> None:
    key = seeded(live)
    seed_demo(live.platform)
    known = _known(live, key)
    schema = schemathesis.openapi.from_url(f"{live.base_url}/schema/openapi.json")
    operations = [
        result.ok() for result in schema.include(path_regex="^/api/v1/").get_all_operations()
    ]
    assert len(operations) >= 20, "the API's operations are missing from its schema"
    failures: list[str] = []
    started = time.monotonic()
    for operation, mode in itertools.product(operations, EXAMPLES):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES[mode],
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            for name in case.path_parameters or {}:
                if name in known:
                    case.path_parameters[name] = known[name]
            response = case.call(base_url=live.base_url, headers=auth(key), timeout=30)
            case.validate_response(response, checks=CHECKS)

        try:
            check()
        except Unsatisfiable:  # the schema allows anything here: no invalid request to make
            assert mode is GenerationMode.NEGATIVE, f"{operation.path}: no valid request"
        except Exception as exc:  # every operation's failures, not just the first one's
            failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}):\n{exc}")
    elapsed = time.monotonic() - started
    assert not failures, f"{len(failures)} operations failed:\n\n" + "\n\n".join(failures)
    valid, invalid = EXAMPLES.values()
    print(f"{len(operations)} operations, {valid} valid + {invalid} invalid each: {elapsed:.1f} s")


def test_the_schema_documents_api_errors_as_problem_json(live: Live) -> None:
    document = live.http.get("/schema/openapi.json").json()
    create = document["paths"]["/api/v1/councils/{council}/forms/{slug}/submissions"]["post"]
    for status in ("400", "401", "404", "413", "422", "429", "503"):
        content = create["responses"][status]["content"]["application/json"]["schema"]
        assert content["$ref"].endswith("/Problem"), (status, content)
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"status", "detail", "errors"}


def test_a_version_number_too_large_for_the_database_is_a_400_not_a_500(live: Live) -> None:
    """Found by schemathesis: the number reached the database and overflowed its integer."""
    key = seeded(live)
    forms = "/api/v1/councils/demo/forms/bulky-waste"
    republish = live.http.post(
        f"{forms}/versions/21955592758086082560/republish", headers=auth(key)
    )
    diff = live.http.get(f"{forms}/diff", params={"new": str(2**63)}, headers=auth(key))
    for response in (republish, diff):
        assert response.status_code == 400, response.text
        assert response.json()["status"] == 400
