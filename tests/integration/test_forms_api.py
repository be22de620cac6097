"""The designer's forms API: drafts with lint results, refusals with every problem, quotes."""

from __future__ import annotations

import copy

from tests.factories import demo_definition, valid_answers
from tests.integration.conftest import Live
from tests.integration.journeys import auth, seeded


def test_draft_is_saved_with_its_problems_and_publish_refuses_until_they_are_fixed(
    live: Live,
) -> None:
    key = seeded(live)
    definition = demo_definition("garden-waste")
    definition["slug"] = "garden-waste-2027"
    broken = copy.deepcopy(definition)
    broken["pages"][2]["when"] = {"==": [{"var": "no_such_field"}, False]}
    broken["tests"][0]["expect"]["total"] = 1
    saved = live.http.post("/api/v1/councils/demo/forms", json=broken, headers=auth(key))
    assert saved.status_code == 201, saved.text
    assert not saved.json()["ok"]
    assert any(p["pointer"].startswith("/pages/2/when") for p in saved.json()["problems"])

    refused = live.http.post(
        "/api/v1/councils/demo/forms/garden-waste-2027/publish", headers=auth(key)
    )
    assert refused.status_code == 422
    pointers = [e["pointer"] for e in refused.json()["errors"]]
    assert any(p.startswith("/pages/2/when") for p in pointers)

    live.http.post("/api/v1/councils/demo/forms", json=definition, headers=auth(key))
    published = live.http.post(
        "/api/v1/councils/demo/forms/garden-waste-2027/publish", headers=auth(key)
    )
    assert published.status_code == 201, published.text
    assert published.json()["version"] == 1
    again = live.http.post(
        "/api/v1/councils/demo/forms/garden-waste-2027/publish", headers=auth(key)
    )
    assert again.json()["version"] == 2
    form = live.http.get("/api/v1/councils/demo/forms/garden-waste-2027", headers=auth(key))
    assert [v["version"] for v in form.json()["versions"]] == [1, 2]


def test_quote_gives_lines_and_total_or_every_error(live: Live) -> None:
    key = seeded(live)
    good = live.http.post(
        "/api/v1/councils/demo/forms/garden-waste/quote",
        json={"answers": valid_answers("garden-waste", 1)},
        headers=auth(key),
    )
    assert good.json()["total"] == 6000
    assert [line["id"] for line in good.json()["lines"]] == ["subscription", "delivery"]
    bad = live.http.post(
        "/api/v1/councils/demo/forms/garden-waste/quote",
        json={"answers": {"bins": 9}},
        headers=auth(key),
    )
    body = bad.json()
    assert body["valid"] is False
    assert body["total"] is None
    assert {e["pointer"] for e in body["errors"]} >= {"/bins", "/name", "/email", "/postcode"}
