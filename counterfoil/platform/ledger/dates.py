"""Business dates: the day in Europe/London that a posting belongs to, and the day a scheduled
run distributes (the one before its scheduled start)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# Loaded at import, outside the workflow sandbox (counterfoil is passed through), so workflow
# code can convert without reading the time zone database itself.
LONDON = ZoneInfo("Europe/London")


def business_date(at: datetime) -> date:
    return at.astimezone(LONDON).date()


def day_before(scheduled_start: datetime) -> date:
    """The date a run scheduled at `scheduled_start` distributes: the previous London day."""
    return business_date(scheduled_start) - timedelta(days=1)
