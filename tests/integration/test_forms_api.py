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


def test_a_save_based_on_an_old_revision_is_refused_and_changes_nothing(live: Live) -> None:
    key = seeded(live)
    definition = demo_definition("missed-bin")
    definition["slug"] = "missed-bin-2"
    first = live.http.post("/api/v1/councils/demo/forms", json=definition, headers=auth(key))
    revision = first.json()["revision"]
    mine = {**definition, "title": "Mine"}
    theirs = {**definition, "title": "Theirs"}
    saved = live.http.post(
        "/api/v1/councils/demo/forms",
        json=mine,
        headers={**auth(key), "If-Match": str(revision)},
    )
    assert saved.status_code == 201
    assert saved.json()["revision"] == revision + 1
    stale = live.http.post(
        "/api/v1/councils/demo/forms",
        json=theirs,
        headers={**auth(key), "If-Match": str(revision)},
    )
    assert stale.status_code == 409
    assert "not saved" in stale.json()["detail"]
    form = live.http.get("/api/v1/councils/demo/forms/missed-bin-2", headers=auth(key)).json()
    assert form["draft"]["title"] == "Mine"
    assert [h["action"] for h in form["history"]] == ["form.draft_saved", "form.draft_saved"]
    assert form["history"][0]["actor"].startswith("api key cf_")


def test_check_diff_and_republish_an_older_version(live: Live) -> None:
    key = seeded(live)
    slug = "missed-bin"
    changed = {**demo_definition(slug), "title": "Report a missed collection"}
    live.http.post("/api/v1/councils/demo/forms", json=changed, headers=auth(key))
    checked = live.http.post(f"/api/v1/councils/demo/forms/{slug}/check", headers=auth(key))
    assert checked.json()["ok"] is True
    assert all(t["passed"] for t in checked.json()["tests"])
    live.http.post(f"/api/v1/councils/demo/forms/{slug}/publish", headers=auth(key))
    diff = live.http.get(
        f"/api/v1/councils/demo/forms/{slug}/diff", params={"old": 1, "new": 2}, headers=auth(key)
    ).json()["diff"]
    assert '-  "title": "Report a missed bin collection",' in diff
    assert '+  "title": "Report a missed collection",' in diff
    back = live.http.post(
        f"/api/v1/councils/demo/forms/{slug}/versions/1/republish", headers=auth(key)
    )
    assert back.status_code == 201, back.text
    assert back.json()["version"] == 3
    form = live.http.get(f"/api/v1/councils/demo/forms/{slug}", headers=auth(key)).json()
    assert form["versions"][-1]["definition"]["title"] == "Report a missed bin collection"
