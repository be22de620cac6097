"""docker-compose.yml and the Dockerfile, checked without Docker (it cannot run here): the services
of the maintained Temporal layout, one Counterfoil image for web, worker and migrations, real
commands, health checks, start order, and an environment the app actually reads."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from counterfoil.cli import app as cli_app
from counterfoil.platform import Settings
from counterfoil.web.health import health_router

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
COUNTERFOIL_SERVICES = ("migrate", "web", "worker")
PREFIX = str(Settings.model_config.get("env_prefix"))
SETTING_VARIABLES = {f"{PREFIX}{name}".upper() for name in Settings.model_fields}
# ${NAME}, ${NAME:-default}, ${NAME:?message}; `$$` is a literal dollar for the container's shell.
INTERPOLATION = re.compile(r"(?<!\$)\$\{(?P<name>[A-Z0-9_]+)(?:(?P<op>:[-?])(?P<arg>[^}]*))?\}")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else " ".join(map(str, value))


def _interpolated(value: str, given: dict[str, str]) -> str:
    """What compose makes of `value` with `given` as the environment (`${X:?}` needs X)."""

    def resolve(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        if given.get(name):
            return given[name]
        assert op != ":?", f"{name} is required"
        return arg if op == ":-" else ""

    return INTERPOLATION.sub(resolve, value).replace("$$", "$")


def _conditions(service: str) -> dict[str, str]:
    return {name: spec["condition"] for name, spec in SERVICES[service]["depends_on"].items()}


def test_services_are_postgres_temporal_its_jobs_and_ui_and_counterfoil() -> None:
    assert set(SERVICES) == {
        "postgresql",
        "temporal-schema",
        "temporal",
        "temporal-namespace",
        "temporal-ui",
        "migrate",
        "web",
        "worker",
    }
    images = {
        name: str(service.get("image", "")).split(":")[0] for name, service in SERVICES.items()
    }
    assert images["postgresql"] == "postgres"
    assert images["temporal"] == "temporalio/server"
    assert images["temporal-schema"] == images["temporal-namespace"] == "temporalio/admin-tools"
    assert images["temporal-ui"] == "temporalio/ui"
    assert not any("auto-setup" in str(s["image"]) for s in SERVICES.values())  # deprecated


def test_web_worker_and_migrate_share_one_image_built_from_the_dockerfile() -> None:
    images = {SERVICES[name]["image"] for name in COUNTERFOIL_SERVICES}
    builds = [SERVICES[name]["build"] for name in COUNTERFOIL_SERVICES]
    assert len(images) == 1
    assert all(build == {"context": ".", "dockerfile": "Dockerfile"} for build in builds)


@pytest.mark.parametrize("service", COUNTERFOIL_SERVICES)
def test_each_counterfoil_service_runs_its_own_real_command(service: str) -> None:
    commands = {c.name or c.callback.__name__ for c in cli_app.registered_commands if c.callback}
    assert SERVICES[service]["command"] == [service]
    assert service in commands


def test_health_checks_ask_postgres_temporal_the_webs_readiness_and_the_workers_metrics() -> None:
    assert "pg_isready" in _text(SERVICES["postgresql"]["healthcheck"]["test"])
    assert "7233" in _text(SERVICES["temporal"]["healthcheck"]["test"])
    web_check = _text(SERVICES["web"]["healthcheck"]["test"])
    assert "/health/ready" in web_check
    assert "http://127.0.0.1:8000/" in web_check
    assert "/health/ready" in {route.path for route in health_router.routes}
    worker = SERVICES["worker"]
    port = worker["environment"][f"{PREFIX}WORKER_METRICS_PORT"]
    assert f"http://127.0.0.1:{port}/metrics" in _text(worker["healthcheck"]["test"])


def test_start_order_waits_for_schemas_healthy_servers_and_finished_jobs() -> None:
    ready = {"migrate": "service_completed_successfully", "temporal": "service_healthy"}
    ready["temporal-namespace"] = "service_completed_successfully"
    assert _conditions("web") == ready
    assert _conditions("worker") == ready
    assert _conditions("migrate") == {"postgresql": "service_healthy"}
    assert _conditions("temporal-schema") == {"postgresql": "service_healthy"}
    assert _conditions("temporal") == {"temporal-schema": "service_completed_successfully"}
    assert _conditions("temporal-namespace") == {"temporal": "service_healthy"}
    assert _conditions("temporal-ui") == {"temporal": "service_healthy"}


def test_temporal_jobs_set_up_both_databases_and_the_apps_namespace() -> None:
    schema = _text(SERVICES["temporal-schema"]["entrypoint"])
    assert "temporal-sql-tool --plugin postgres12" in schema
    assert "temporal:temporal temporal_visibility:visibility" in schema
    for step in ("create", "setup-schema -v 0.0", "update-schema -d"):
        assert step in schema
    server = SERVICES["temporal"]["environment"]
    assert server["DB"] == "postgres12"
    assert {"POSTGRES_SEEDS", "POSTGRES_USER", "POSTGRES_PWD", "BIND_ON_IP"} <= set(server)
    assert "DYNAMIC_CONFIG_FILE_PATH" in server
    namespace_job = SERVICES["temporal-namespace"]
    assert "temporal operator namespace create" in _text(namespace_job["entrypoint"])
    app_namespace = SERVICES["web"]["environment"][f"{PREFIX}TEMPORAL_NAMESPACE"]
    assert namespace_job["environment"]["NAMESPACE"] == app_namespace


def test_every_counterfoil_variable_in_compose_is_a_setting() -> None:
    named = set(re.findall(rf"\b{PREFIX}[A-Z0-9_]+", (ROOT / "docker-compose.yml").read_text()))
    assert named
    assert named <= SETTING_VARIABLES, named - SETTING_VARIABLES


@pytest.mark.parametrize("service", COUNTERFOIL_SERVICES)
def test_production_settings_are_set_and_secrets_are_required(service: str) -> None:
    environment: dict[str, str] = SERVICES[service]["environment"]
    needed = {"database_url", "temporal_address", "secret_key", "public_url", "credentials_keys"}
    needed &= set(Settings.model_fields)  # credentials_keys: when this version has it
    assert {f"{PREFIX}{name}".upper() for name in needed} <= set(environment)
    secrets = [name for name in environment if re.search(r"SECRET|KEY|PASSWORD", name)]
    assert f"{PREFIX}SECRET_KEY" in secrets
    for name in secrets:
        assert str(environment[name]).startswith(f"${{{name}:?"), f"{name} must be required"
    assert ":?" in environment[f"{PREFIX}DATABASE_URL"]  # its password is required


def test_the_compose_environment_makes_valid_production_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    for name in [name for name in os.environ if name.startswith(PREFIX)]:
        monkeypatch.delenv(name)
    environment: dict[str, Any] = SERVICES["web"]["environment"]
    # what a council must give: every required variable (the rest keep their defaults)
    given = {
        found["name"]: "x" * 8
        for value in environment.values()
        for found in INTERPOLATION.finditer(str(value))
        if found["op"] == ":?"
    }
    given[f"{PREFIX}PUBLIC_URL"] = "https://pay.example.gov.uk"
    for name, value in environment.items():
        monkeypatch.setenv(name, _interpolated(str(value), given))
    settings = Settings()
    assert settings.database_url == "postgresql://counterfoil:xxxxxxxx@postgresql:5432/counterfoil"
    assert settings.temporal_address == "temporal:7233"
    assert settings.host == "0.0.0.0"
    assert settings.port == 8000
    assert settings.cookie_secure
    assert not settings.dev_pages
    assert settings.secret_key == "x" * 8


def test_passwords_of_postgres_and_temporal_are_required_too() -> None:
    passwords = {
        value
        for service in SERVICES.values()
        for name, value in (service.get("environment") or {}).items()
        if name.endswith(("PASSWORD", "PWD"))
    }
    assert passwords
    assert all(re.fullmatch(r"\$\{[A-Z_]+:\?[^}]*\}", str(value)) for value in passwords)


def test_only_the_web_and_the_loopback_ui_publish_ports() -> None:
    published = {name for name, service in SERVICES.items() if service.get("ports")}
    assert published == {"web", "temporal-ui"}
    assert all(port.startswith("127.0.0.1:") for port in SERVICES["temporal-ui"]["ports"])


def _stages(dockerfile: str) -> list[tuple[str, str, list[str]]]:
    """(base image, stage name, instructions) per stage, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", dockerfile)
    stages: list[tuple[str, str, list[str]]] = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if found := re.fullmatch(r"FROM (\S+)(?: AS (\S+))?", line):
            stages.append((found[1], found[2] or "", []))
        else:
            stages[-1][2].append(line)
    return stages


def test_dockerfile_builds_assets_then_the_package_and_runs_as_a_user() -> None:
    stages = _stages((ROOT / "Dockerfile").read_text())
    assert [(base.split(":")[0], name) for base, name, _ in stages] == [
        ("node", "assets"),
        ("python", "build"),
        ("python", ""),
    ]
    assets, build, runtime = (steps for _, _, steps in stages)
    assert any("frontend/build.sh" in step for step in assets)
    assert any("COPY --from=assets" in step for step in build)
    assert any(re.search(r"pip install \.$", step) for step in build)
    assert stages[2][0] == "python:3.11-slim"
    assert any(step.startswith("COPY --from=build") for step in runtime)
    assert not any("pip install" in step or "npm" in step for step in runtime)
    users = [step.split()[1] for step in runtime if step.startswith("USER ")]
    assert users
    assert users[-1] not in ("root", "0")
    assert 'ENTRYPOINT ["counterfoil"]' in runtime
    assert 'CMD ["web"]' in runtime
    assert "EXPOSE 8000" in runtime


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".venv", ".git", "var", "frontend/node_modules"} <= ignored
