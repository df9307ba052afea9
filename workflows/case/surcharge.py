"""加处罚款 (late-payment surcharge, T16): 3 % of the fine a day from the day after the payment
deadline, capped at the fine, and not counted while 复议 or 诉讼 is pending (处罚法 Arts. 72, 73;
强制法 Art. 45). Pure functions over the remedies the case was told about."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from rules.calendar import SHANGHAI
from rules.deadlines import surcharge_yuan
from workflows.case.events import Remedy


def pending_intervals(remedies: list[Remedy], until: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """When at least one remedy (review or litigation) was pending, up to `until`."""
    intervals: list[tuple[dt.datetime, dt.datetime]] = []
    pending: set[str] = set()
    began: dt.datetime | None = None
    for remedy in sorted(remedies, key=lambda r: r.at):
        if remedy.at > until:
            break
        if remedy.state == "filed":
            if not pending:
                began = remedy.at
            pending.add(remedy.kind)
        elif remedy.kind in pending:
            pending.discard(remedy.kind)
            if not pending and began is not None:
                intervals.append((began, remedy.at))
                began = None
    if pending and began is not None:
        intervals.append((began, until))
    return intervals


def _day(instant: dt.datetime) -> dt.date:
    return instant.astimezone(SHANGHAI).date()


def surcharge_days_paused(payment_deadline: dt.datetime, remedies: list[Remedy], until: dt.datetime) -> int:
    """Surcharge days (after the payment deadline's last day, up to `until`) on which a remedy was
    pending; days before the surcharge started do not count."""
    first = _day(payment_deadline)
    total = 0
    for began, ended in pending_intervals(remedies, until):
        start, end = max(_day(began), first), min(_day(ended), _day(until))
        total += max(0, (end - start).days)
    return total


def surcharge_owed(fine: Decimal, payment_deadline: dt.datetime, remedies: list[Remedy], at: dt.datetime) -> Decimal:
    """The surcharge owed at `at` (e.g. the moment the party paid)."""
    days = max(0, (_day(at) - _day(payment_deadline)).days)
    paused = min(surcharge_days_paused(payment_deadline, remedies, at), days)
    return surcharge_yuan(fine, days, paused)
