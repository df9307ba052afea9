"""Reading completed forms: instants, and when a served document counts as served."""

from __future__ import annotations

import datetime as dt
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.case.clocks import Clock
    from workflows.case.context import CaseContext
    from workflows.case.errors import refuse
    from workflows.statutory_clock import ClockSpec


def instant(value: object, what: str) -> dt.datetime:
    """A form's ISO 8601 date-time (the form schema already required an offset)."""
    if not isinstance(value, str):
        raise refuse("FormInvalid", f"form.{what} is missing")
    return dt.datetime.fromisoformat(value)


def note_period_end(ctx: CaseContext, clock: Clock) -> None:
    deadline = clock.clock.deadline
    ctx.record("period_ended", detail={"code": deadline.code}, legal_basis=deadline.legal_basis)


async def served_at(ctx: CaseContext, form: dict[str, Any], key: str) -> dt.datetime:
    """When a document counts as served: the recorded service, or for public notice 30 CD after
    publication (T12, 民诉法 Art. 95)."""
    if form.get("method") != "public_notice":
        return instant(form.get("served_at"), "served_at")
    published = instant(form.get("published_at"), "published_at")
    notice = ctx.clocks.start(key, ClockSpec(code="T12", start=published), ctx.case.case_id, lambda c: None)
    await workflow.wait_condition(lambda: not ctx.running(key))
    note_period_end(ctx, notice)
    return notice.clock.deadline.expires_at
