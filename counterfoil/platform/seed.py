"""The demo council that `counterfoil dev` seeds: its three demo forms published, a "Waste services"
department whose webhook points at the built-in demo inbox, and an admin API key printed once."""

from __future__ import annotations

from importlib import resources

import msgspec
from sqlmodel import select

from counterfoil.platform import forms_store
from counterfoil.platform.auth.keys import create_api_key
from counterfoil.platform.context import Platform
from counterfoil.platform.db.models import ApiKey, Council, Department
from counterfoil.platform.departments.demo_inbox import demo_inbox_url, provision_demo_inbox
from counterfoil.platform.departments.service import create_department
from counterfoil.platform.errors import NotFound

DEMO_COUNCIL = "demo"
DEMO_DEPARTMENT = "waste-services"


def demo_definitions() -> list[dict[str, object]]:
    folder = resources.files("counterfoil.forms").joinpath("demo")
    return [
        msgspec.json.decode(entry.read_bytes())
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".json")
    ]


def seed_demo(platform: Platform) -> list[str]:
    """Create what is missing (safe to run at every start); returns lines to show the person."""
    said: list[str] = []
    with platform.session() as session:
        council = session.exec(select(Council).where(Council.slug == DEMO_COUNCIL)).first()
        if council is None:
            council = Council(
                slug=DEMO_COUNCIL,
                name="Demo Borough Council",
                brand_colour="#6c2c91",
                logo_text="Demo Borough",
            )
            session.add(council)
            session.flush()
            said.append("Seeded the demo council 'demo'.")
        assert council.id is not None
        department = session.exec(
            select(Department).where(
                Department.council_id == council.id, Department.slug == DEMO_DEPARTMENT
            )
        ).first()
        inbox = demo_inbox_url(platform.settings, DEMO_COUNCIL, DEMO_DEPARTMENT)
        if department is not None and department.webhook_url != inbox:
            department.webhook_url = inbox  # the address changes with the configured port
            session.add(department)
        for definition in demo_definitions():
            slug = str(definition["slug"])
            try:
                current = forms_store.latest_published(session, council.id, slug).definition
            except NotFound:
                current = None
            if current != definition:
                row, report = forms_store.publish(session, council.id, definition)
                if row is None:
                    raise RuntimeError(f"demo form {slug} does not pass its own checks: {report}")
                said.append(f"Published demo form '{slug}' version {row.version}.")
        has_admin = any(
            "admin" in key.roles.split(",")
            for key in session.exec(select(ApiKey).where(ApiKey.council_id == council.id)).all()
        )
    if department is None:
        create_department(
            platform, DEMO_COUNCIL, slug=DEMO_DEPARTMENT, name="Waste services", webhook_url=inbox
        )
        provision_demo_inbox(platform, DEMO_COUNCIL, DEMO_DEPARTMENT)
        said.append("Created the department 'Waste services' delivering to the demo inbox.")
    if not has_admin:
        key = create_api_key(platform, DEMO_COUNCIL, ["admin", "designer", "finance", "agent"])
        said.append(f"Admin API key for 'demo' (shown once, keep it): {key}")
    return said
