"""The studio's form editor over HTTP, posting forms as a browser does (CSRF, hidden revision)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from counterfoil.forms import check_definition
from counterfoil.platform import forms_store
from counterfoil.platform.db.models import Council
from tests.integration.conftest import Live
from tests.integration.studio_support import csrf_from, post_form, signed_in

_REVISION = re.compile(r'name="revision" value="(\d+)"')
Clients = Callable[..., httpx.Client]


@pytest.fixture
def sign_in(live: Live) -> Iterator[Clients]:
    """Signed-in clients, closed after the test."""
    opened: list[httpx.Client] = []

    def make(roles: list[str], **kwargs: Any) -> httpx.Client:
        opened.append(signed_in(live, roles, **kwargs))
        return opened[-1]

    yield make
    for client in opened:
        client.close()


def submit(client: httpx.Client, page: str, action: str, data: dict[str, str]) -> httpx.Response:
    """Open `page`, then post `data` to `action` with its CSRF token and the revision it shows."""
    source = client.get(page)
    assert source.status_code == 200, source.text
    found = _REVISION.search(source.text)
    revision = {"revision": found.group(1)} if found else {}
    return client.post(action, data={"_csrf_token": csrf_from(source.text), **revision, **data})


def draft_of(live: Live, slug: str) -> dict[str, object]:
    with live.platform.session() as session:
        row = forms_store.draft(session, 1, slug)
        assert row is not None
        return dict(row.definition)


def new_blank(client: httpx.Client, slug: str = "pest-control") -> None:
    answer = post_form(
        client, "/studio/forms/new", {"source": "blank", "slug": slug, "title": "Pest control"}
    )
    assert answer.status_code == 303, answer.text


def test_from_blank_two_page_paid_form_with_conditional_page_and_per_item_fee(
    live: Live, sign_in: Clients
) -> None:
    client = sign_in(["designer"])
    new_blank(client)
    base = "/studio/forms/pest-control"
    added = submit(
        client,
        f"{base}/pages/first-page/questions/new?widget=yesno",
        f"{base}/pages/first-page/questions/new",
        {"widget": "yesno", "label": "Do you have wasps?", "name": "wasps", "required": "yes"},
    )
    assert added.status_code == 303, added.text
    assert submit(client, base, f"{base}/questions/first_question/delete", {}).status_code == 303
    page = submit(client, base, f"{base}/pages", {"page_title": "Wasp nests"})
    assert page.headers["location"] == f"{base}/pages/wasp-nests"
    nests = submit(
        client,
        f"{base}/pages/wasp-nests/questions/new?widget=number",
        f"{base}/pages/wasp-nests/questions/new",
        {
            "widget": "number",
            "label": "How many nests?",
            "name": "nests",
            "required": "yes",
            "minimum": "1",
            "maximum": "10",
            "error-maximum": "We can treat up to 10 nests",
        },
    )
    assert nests.status_code == 303, nests.text
    condition = submit(
        client,
        f"{base}/pages/wasp-nests",
        f"{base}/pages/wasp-nests",
        {
            "title": "Wasp nests",
            "when-mode": "builder",
            "when-combine": "all",
            "when-0-field": "wasps",
            "when-0-operator": "equals",
            "when-0-value": "yes",
        },
    )
    assert condition.status_code == 303, condition.text
    fixed = submit(
        client,
        f"{base}/fees/new?kind=fixed",
        f"{base}/fees/new",
        {
            "kind": "fixed",
            "description": "Call-out",
            "id": "callout",
            "amount": "50",
            "fund": "PC01",
            "vat": "OS",
        },
    )
    assert fixed.status_code == 303, fixed.text
    per_item = submit(
        client,
        f"{base}/fees/new?kind=per_answer",
        f"{base}/fees/new",
        {
            "kind": "per_answer",
            "description": "Each nest after the first",
            "amount": "12.50",
            "counted": "nests",
            "free": "1",
            "fund": "PC01",
            "vat": "S",
        },
    )
    assert per_item.status_code == 303, per_item.text

    definition = draft_of(live, "pest-control")
    report = check_definition(definition)
    assert report.problems == []
    assert definition["pages"][1]["when"] == {"==": [{"var": "wasps"}, True]}  # type: ignore[index]
    assert report.form is not None
    quote = report.form.quote({"wasps": True, "nests": 3})
    assert (quote.amounts, quote.total) == (
        {"callout": 5000, "each_nest_after_the_first": 2500},
        7500,
    )
    # the conditional page's question is required only when that page is asked
    assert [e.pointer for e in report.form.errors({"wasps": True})] == ["/nests"]
    assert report.form.errors({"wasps": False}) == []


def test_second_conflicting_save_is_refused_and_keeps_the_values(
    live: Live, sign_in: Clients
) -> None:
    first = sign_in(["designer"], email="first@example.org")
    second = sign_in(["admin"], email="second@example.org")
    new_blank(first)
    settings = "/studio/forms/pest-control/settings"
    opened = second.get(settings).text
    values = {"department": "waste-services", "retention_days": "30"}
    assert submit(first, settings, settings, {**values, "title": "First title"}).status_code == 303
    refused = second.post(
        settings,
        data={
            "_csrf_token": csrf_from(opened),
            "revision": _REVISION.search(opened).group(1),  # type: ignore[union-attr]
            **values,
            "title": "Second designer's title",
        },
    )
    assert refused.status_code == 409
    assert "first@example.org saved this form at" in refused.text
    assert "Second designer&#39;s title" in refused.text
    assert 'href="/studio/forms/pest-control"' in refused.text
    assert draft_of(live, "pest-control")["title"] == "First title"
    # saving again (the page now carries the latest revision) applies the second designer's values
    again = second.post(
        settings,
        data={
            "_csrf_token": csrf_from(refused.text),
            "revision": _REVISION.search(refused.text).group(1),  # type: ignore[union-attr]
            **values,
            "title": "Second designer's title",
        },
    )
    assert again.status_code == 303
    assert draft_of(live, "pest-control")["title"] == "Second designer's title"


def test_lint_problem_is_shown_beside_its_question_after_an_import(
    live: Live, sign_in: Clients
) -> None:
    client = sign_in(["designer"])
    new_blank(client)
    definition = draft_of(live, "pest-control")
    definition["ui"] = {"/first_question": {"widget": "number", "label": "First question"}}
    imported = submit(
        client,
        "/studio/forms/pest-control/import",
        "/studio/forms/pest-control/import",
        {"json": json.dumps(definition)},
    )
    assert imported.status_code == 303, imported.text
    page = client.get("/studio/forms/pest-control").text
    row = page[page.index('id="question-first_question"') :]
    row = row[: row.index("</div>")]
    assert "a number cannot hold a string value" in row


def test_html_in_a_label_is_shown_as_text(live: Live, sign_in: Clients) -> None:
    client = sign_in(["designer"])
    new_blank(client)
    base = "/studio/forms/pest-control"
    label = '<script>alert("x")</script><b>Bold</b>'
    saved = submit(
        client,
        f"{base}/questions/first_question",
        f"{base}/questions/first_question",
        {"label": label, "name": "first_question", "required": "yes", "options": ""},
    )
    assert saved.status_code == 303, saved.text
    for path in (
        base,
        f"{base}/questions/first_question",
        "/studio/forms/pest-control/pages/first-page",
    ):
        text = client.get(path).text
        assert "<script>alert" not in text
        assert "<b>Bold" not in text
    assert "&lt;script&gt;alert" in client.get(base).text


def test_settings_pages_questions_and_fees_edits(live: Live, sign_in: Clients) -> None:
    client = sign_in(["designer"])
    copy = post_form(
        client, "/studio/forms/new", {"source": "bulky-waste", "slug": "bulky-copy", "title": ""}
    )
    assert copy.status_code == 303
    base = "/studio/forms/bulky-copy"
    # every editor opens on a demo form, and every fee line is recognised for editing
    for path in (
        f"{base}/settings",
        f"{base}/pages/items",
        f"{base}/questions/items",
        f"{base}/questions/items.quantity",
        f"{base}/fees",
        f"{base}/fees/extra",
        f"{base}/fees/concession",
        f"{base}/questions/postcode",
    ):
        assert client.get(path).status_code == 200, path
    assert 'value="3"' in client.get(f"{base}/fees/extra").text  # after the first 3
    bad = submit(
        client,
        f"{base}/settings",
        f"{base}/settings",
        {"title": "", "department": "waste-services", "reference_prefix": "x"},
    )
    assert bad.status_code == 400
    assert "There is a problem" in bad.text
    assert (
        submit(client, base, f"{base}/pages/contact/move", {"direction": "up"}).status_code == 303
    )
    assert [p["id"] for p in draft_of(live, "bulky-copy")["pages"]][2:4] == [
        "contact",
        "concession",
    ]  # type: ignore[index]
    renamed = submit(
        client,
        f"{base}/questions/concession",
        f"{base}/questions/concession",
        {"label": "Do you get a council tax reduction?", "name": "reduction", "required": "yes"},
    )
    assert renamed.status_code == 303, renamed.text
    definition = draft_of(live, "bulky-copy")
    assert "reduction" in definition["schema"]["properties"]  # type: ignore[index]
    assert check_definition(definition).problems == []  # the fee rule reading it was renamed too
    item = submit(
        client,
        f"{base}/questions/items/items/new?widget=text",
        f"{base}/questions/items/items/new",
        {
            "widget": "text",
            "label": "Describe it",
            "required": "no",
            "pattern": "custom",
            "custom_pattern": "(a+)+",
        },
    )
    assert item.status_code == 400
    assert "cannot be used" in item.text
    pattern = submit(
        client,
        f"{base}/questions/postcode",
        f"{base}/questions/postcode",
        {"label": "Postcode", "required": "yes", "pattern": "uk_postcode"},
    )
    assert pattern.status_code == 303
    assert submit(client, f"{base}/fees", f"{base}/fees/concession/delete", {}).status_code == 303
    assert [x["id"] for x in draft_of(live, "bulky-copy")["fees"]["lines"]] == ["base", "extra"]  # type: ignore[index]
    exported = client.get(f"{base}/export")
    assert exported.json()["slug"] == "bulky-copy"
    assert "attachment" in exported.headers["content-disposition"]
    listing = client.get("/studio/forms").text
    assert "bulky-copy" in listing
    assert "designer@example.org" in listing


def test_another_councils_staff_get_404_and_finance_gets_403(live: Live, sign_in: Clients) -> None:
    sign_in(["designer"])
    with live.platform.session() as session:
        session.add(Council(slug="other", name="Other Council", logo_text="Other"))
    other = sign_in(["designer"], email="o@example.org", council="other")
    assert other.get("/studio/forms/bulky-waste").status_code == 404
    assert other.get("/studio/forms/bulky-waste/settings").status_code == 404
    finance = sign_in(["finance"], email="f@example.org")
    assert finance.get("/studio/forms/bulky-waste/settings").status_code == 403
    assert finance.get("/studio/forms/new").status_code == 403
