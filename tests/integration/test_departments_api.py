"""The departments API, served by the real app over loopback with a fresh database per test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from _departments_support import add_council, add_submission, serving

from counterfoil.platform import Platform, Settings
from counterfoil.platform.auth import create_api_key
from counterfoil.web.app import create_app

WASTE = {
    "slug": "waste",
    "name": "Waste and recycling",
    "webhook_url": "https://waste.example/hook",
    "email": "waste@exeter.gov.uk",
}


@dataclass
class Api:
    platform: Platform
    http: httpx.Client

    def key(self, *roles: str, council: str = "exeter") -> dict[str, str]:
        return {"authorization": f"Bearer {create_api_key(self.platform, council, roles)}"}


@pytest.fixture
def api(tmp_path: Path, database_url: str) -> Iterator[Api]:
    platforms: list[Platform] = []

    def app(base_url: str) -> object:
        settings = Settings(var_dir=tmp_path, database_url=database_url, public_url=base_url)
        platforms.append(Platform.open(settings))
        return create_app(platforms[0], connect_temporal=False)

    with serving(app) as base_url, httpx.Client(base_url=base_url) as http:  # type: ignore[arg-type]
        add_council(platforms[0], "exeter")
        add_council(platforms[0], "devon")
        yield Api(platforms[0], http)
    platforms[0].close()


def test_admin_creates_a_department_and_sees_its_secret_once(api: Api) -> None:
    admin = api.key("admin")

    created = api.http.post("/api/v1/councils/exeter/departments", json=WASTE, headers=admin)
    queue = api.http.get("/api/v1/councils/exeter/departments/waste/submissions", headers=admin)
    rotated = api.http.post(
        "/api/v1/councils/exeter/departments/waste/rotate-secret", headers=admin
    )

    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret.startswith("whsec_")
    assert {k: v for k, v in created.json().items() if k != "secret"} == WASTE
    assert (queue.status_code, queue.json()) == (200, {"submissions": []})
    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_")
    assert secret not in queue.text + rotated.text


def test_duplicate_slug_conflicts(api: Api) -> None:
    admin = api.key("admin")
    api.http.post("/api/v1/councils/exeter/departments", json=WASTE, headers=admin)

    again = api.http.post("/api/v1/councils/exeter/departments", json=WASTE, headers=admin)

    assert again.status_code == 409
    assert again.json()["detail"] == "The department 'waste' already exists"


def test_another_councils_key_finds_nothing(api: Api) -> None:
    devon_admin = api.key("admin", council="devon")

    foreign = api.http.post("/api/v1/councils/exeter/departments", json=WASTE, headers=devon_admin)
    missing = api.http.post("/api/v1/councils/nowhere/departments", json=WASTE, headers=devon_admin)

    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()


def test_designer_key_may_not_create_departments(api: Api) -> None:
    response = api.http.post(
        "/api/v1/councils/exeter/departments", json=WASTE, headers=api.key("designer")
    )

    assert response.status_code == 403
    assert "admin" in response.json()["detail"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"authorization": "Bearer cf_nothing_here"}, {"authorization": "Basic YWRtaW4="}],
)
def test_missing_or_unknown_key_is_unauthenticated(api: Api, headers: dict[str, str]) -> None:
    response = api.http.post("/api/v1/councils/exeter/departments", json=WASTE, headers=headers)

    assert response.status_code == 401


def test_malformed_json_is_a_clear_400(api: Api) -> None:
    response = api.http.post(
        "/api/v1/councils/exeter/departments",
        content=b'{"slug": "waste",',
        headers={**api.key("admin"), "content-type": "application/json"},
    )

    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({**WASTE, "slug": 7}, "/slug"),
        ({"name": "Waste"}, "/slug"),
        ({**WASTE, "colour": "red"}, "/colour"),
    ],
)
def test_wrong_shape_is_400_with_a_pointer(api: Api, body: dict[str, object], pointer: str) -> None:
    response = api.http.post(
        "/api/v1/councils/exeter/departments", json=body, headers=api.key("admin")
    )

    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == [pointer]


def test_bad_values_are_422_with_every_pointer(api: Api) -> None:
    body = {"slug": "Waste Team", "name": " ", "webhook_url": "ftp://waste.example", "email": "x"}

    response = api.http.post(
        "/api/v1/councils/exeter/departments", json=body, headers=api.key("admin")
    )

    assert response.status_code == 422
    assert [e["pointer"] for e in response.json()["errors"]] == [
        "/slug",
        "/name",
        "/webhook_url",
        "/email",
    ]


def test_department_reads_its_own_queue_by_status(api: Api) -> None:
    api.http.post("/api/v1/councils/exeter/departments", json=WASTE, headers=api.key("admin"))
    add_submission(api.platform, "exeter", "EXE-AAAA-0001", "waste", status="delivered")
    add_submission(api.platform, "exeter", "EXE-AAAA-0002", "waste", status="accepted")
    waste = api.key("department:waste")

    queue = api.http.get(
        "/api/v1/councils/exeter/departments/waste/submissions",
        params={"status": "delivered"},
        headers=waste,
    )
    other = api.http.get("/api/v1/councils/exeter/departments/parking/submissions", headers=waste)

    assert queue.status_code == 200
    [item] = queue.json()["submissions"]
    assert (item["reference"], item["status"], item["total"]) == (
        "EXE-AAAA-0001",
        "delivered",
        2500,
    )
    assert item["respond_url"].endswith("/api/v1/submissions/EXE-AAAA-0001/fulfilment")
    assert other.status_code == 403
