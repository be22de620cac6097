"""The ReconciliationWorkflow's activities: compare and record a day, then send finance the email
it queued. Comparing is read-only at the providers and records the day in place of any earlier
report, so any number of runs, whole or cut short, leave one report and flag a difference once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from counterfoil.platform import Platform
from counterfoil.platform.errors import NotFound
from counterfoil.platform.notifications import send_email
from counterfoil.platform.payments import PaymentGateway, PaymentRejected
from counterfoil.platform.reconciliation import (
    WINDOW_MARGIN,
    ReportedDifference,
    compare,
    council_id_of,
    london_day,
    our_payments,
    record_run,
    reported,
)
from counterfoil.workflows.reconciliation.types import ReconcileDay, ReconciliationResult

# council id -> (payment account id, or None for the built-in sandbox; its gateway), for every
# account the council has taken payments with.
CouncilGateways = Callable[[int], Sequence[tuple[int | None, PaymentGateway]]]


class ReconciliationActivities:
    def __init__(self, platform: Platform, council_gateways: CouncilGateways) -> None:
        self._platform = platform
        self._council_gateways = council_gateways

    @activity.defn(name="reconciliation.reconcile_day")
    async def reconcile_day(self, request: ReconcileDay) -> ReconciliationResult:
        council, day = request.council, request.business_date
        try:
            council_id = await asyncio.to_thread(council_id_of, self._platform, council)
        except NotFound as exc:
            raise ApplicationError(str(exc), type="NotFound", non_retryable=True) from exc
        start, end = london_day(day)
        wide = (start - WINDOW_MARGIN, end + WINDOW_MARGIN)
        # Accounts sharing one gateway (every sandbox account is the one sandbox) share one list.
        gateways: dict[int, tuple[PaymentGateway, list[int | None]]] = {}
        for account, gateway in await asyncio.to_thread(self._council_gateways, council_id):
            gateways.setdefault(id(gateway), (gateway, []))[1].append(account)
        ours = theirs = 0
        differences: list[ReportedDifference] = []
        for gateway, accounts in gateways.values():
            try:
                listed = await gateway.list_payments(*wide)
            except PaymentRejected as exc:  # credentials refused: retrying will not help
                raise ApplicationError(
                    f"{gateway.id} refused the payments list: {exc}",
                    type="PaymentRejected",
                    non_retryable=True,
                ) from exc
            # A provider account shared by councils (the sandbox) lists theirs too: each payment
            # we made names its council; one that names none is the account owner's to explain.
            provider = [p for p in listed if p.metadata.get("council", council) == council]
            mine = await asyncio.to_thread(
                our_payments, self._platform, council_id, gateway.id, accounts, *wide
            )
            ours += sum(start <= p.created < end for p in mine)
            theirs += sum(start <= p.created < end for p in provider)
            differences += [reported(gateway.id, d) for d in compare(mine, provider, start, end)]
        recorded = await asyncio.to_thread(
            record_run, self._platform, council, day, ours, theirs, differences
        )
        return ReconciliationResult(
            council=council,
            business_date=day,
            ours=ours,
            theirs=theirs,
            differences=len(differences),
            emails=recorded.emails,
        )

    @activity.defn(name="reconciliation.send_report")
    def send_report(self, dedupe_key: str) -> None:
        """Send a queued message by SMTP (without a host it waits in the outbox)."""
        send_email(self._platform, dedupe_key)

    def all(self) -> list[Callable[..., Any]]:
        return [self.reconcile_day, self.send_report]
