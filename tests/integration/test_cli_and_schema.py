"""`counterfoil keys create` and `councils create` against a real database (a new council gets its
daily schedules from the running worker), and the OpenAPI schema the app serves."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import timedelta

import pytest
from temporalio.service import RPCError
from typer.testing import CliRunner

from counterfoil.cli import app
from counterfoil.platform.councils import create_council
from counterfoil.platform.seed import seed_demo
from counterfoil.workflows.client import connect
from counterfoil.workflows.distribution.client import DISTRIBUTION
from counterfoil.workflows.reconciliation.client import RECONCILIATION
from counterfoil.workflows.retention.client import RETENTION
from tests.integration.conftest import Live
from tests.integration.journeys import auth, wait_for


def test_keys_create_prints_a_key_that_works_once_and_only_for_its_roles(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_demo(live.platform)
    monkeypatch.setenv("COUNTERFOIL_DATABASE_URL", live.settings.resolved_database_url)
    result = CliRunner().invoke(app, ["keys", "create", "--council", "demo", "--roles", "finance"])
    assert result.exit_code == 0, result.output
    key = result.output.strip()
    assert key.startswith("cf_")
    # a finance key may read a council's form quote but not save a form draft
    quote = live.http.post(
        "/api/v1/councils/demo/forms/missed-bin/quote", json={"answers": {}}, headers=auth(key)
    )
    assert quote.status_code == 200
    assert quote.json()["valid"] is False
    draft = live.http.post("/api/v1/councils/demo/forms", json={}, headers=auth(key))
    assert draft.status_code == 403


def test_keys_create_refuses_unknown_councils_and_roles(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_demo(live.platform)
    monkeypatch.setenv("COUNTERFOIL_DATABASE_URL", live.settings.resolved_database_url)
    runner = CliRunner()
    unknown_council = runner.invoke(
        app, ["keys", "create", "--council", "nowhere", "--roles", "admin"]
    )
    assert unknown_council.exit_code == 1
    assert "Traceback" not in unknown_council.output
    unknown_role = runner.invoke(app, ["keys", "create", "--council", "demo", "--roles", "emperor"])
    assert unknown_role.exit_code == 1
    assert "emperor" in unknown_role.output


def test_openapi_schema_documents_the_public_paths(live: Live) -> None:
    schema = live.http.get("/schema/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/councils/{council}/forms",
        "/api/v1/councils/{council}/forms/{slug}/publish",
        "/api/v1/councils/{council}/forms/{slug}/quote",
        "/api/v1/councils/{council}/forms/{slug}/submissions",
        "/api/v1/submissions/{reference}",
        "/api/v1/submissions/{reference}/cancel",
        "/api/v1/submissions/{reference}/fulfilment",
        "/api/v1/councils/{council}/departments",
        "/callbacks/{provider}/{council}",
    ):
        assert path in paths, path


def test_councils_create_makes_a_council_whose_admin_key_works(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNTERFOIL_DATABASE_URL", live.settings.resolved_database_url)
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["councils", "create", "--slug", "exeter", "--name", "Exeter City Council"],
    )
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("cf_")
    users = live.http.get("/api/v1/councils/exeter/users", headers=auth(key))
    assert users.status_code == 200, users.text
    # its residents' start page exists (no services published yet)
    assert live.http.get("/exeter").status_code == 200

    again = runner.invoke(app, ["councils", "create", "--slug", "exeter", "--name", "Again"])
    assert again.exit_code == 1
    assert "already exists" in again.output


@pytest.mark.parametrize(
    ("slug", "colour", "message"),
    [
        ("studio", "#0b0c0c", "platform's own addresses"),
        ("Bad Slug", "#0b0c0c", "lowercase letters"),
        ("fine", "blue", "hex colour"),
    ],
)
def test_councils_create_refuses_reserved_or_malformed_values(
    live: Live, monkeypatch: pytest.MonkeyPatch, slug: str, colour: str, message: str
) -> None:
    monkeypatch.setenv("COUNTERFOIL_DATABASE_URL", live.settings.resolved_database_url)
    result = CliRunner().invoke(
        app,
        ["councils", "create", "--slug", slug, "--name", "A council", "--brand-colour", colour],
    )
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_council_created_while_the_worker_runs_gets_its_daily_schedules(
    make_live: Callable[..., Live],
) -> None:
    live = make_live(schedule_sync_interval=timedelta(seconds=1))
    create_council(live.platform, slug="exeter", name="Exeter City Council")

    async def schedules() -> list[str]:
        client = await connect(live.settings)
        found = []
        for job in (DISTRIBUTION, RECONCILIATION, RETENTION):
            sid = job.schedule_id(live.settings, "exeter")
            with contextlib.suppress(RPCError):  # not created yet
                await client.get_schedule_handle(sid).describe()
                found.append(sid)
        return found

    # each job's schedule for the new council, made by the running worker, not by a restart
    wait_for(lambda: len(asyncio.run(schedules())) == 3, timeout=30)
