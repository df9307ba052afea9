"""送达 service, 执行 execution and 结案 closing.

Service within 7 WD of the decision (T11; public notice takes effect after 30 CD, T12). Payment
within 15 CD of service (T15); after that a 3 %/day surcharge capped at the fine (T16), not
counted while 复议 or 诉讼 is pending; a reminder (催告), then, once the litigation period (T18)
has run, a 3-month window to apply to the court (T20). An approved deferral or instalment plan
(stages/deferral.py) moves the end of T15 and the start of T20. Closing within 15 WD of the closing
event (T23). 处罚法 Arts. 61, 66, 67, 72, 73; 强制法 Arts. 45, 53, 54; 住建 Arts. 31, 35–37.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules.deadlines import compute_deadline
    from workflows.case import documents
    from workflows.case.clocks import Clock
    from workflows.case.context import CaseContext
    from workflows.case.model import Stage
    from workflows.case.stages import deferral
    from workflows.case.stages.forms import note_period_end
    from workflows.case.stages.forms import served_at as served_instant
    from workflows.statutory_clock import ClockSpec


async def serve_decision(ctx: CaseContext) -> dt.datetime:
    """Returns when the decision counts as served."""
    ctx.enter(Stage.SERVICE)
    assert ctx.decided_at is not None
    check = documents.gate(ctx, documents.DECISION)  # the decision exists before it is served
    served = await ctx.step("serve_decision", clock=ClockSpec(code="T11", start=ctx.decided_at), check=check)
    documents.receipt(ctx, documents.DECISION, served)  # 送达回证 (民诉法 Art. 87; 住建 Arts. 35–37)
    served_at = await served_instant(ctx, served.form, "T12:decision")
    ctx.record("decision_served", detail={"served_at": served_at.isoformat()})
    return served_at


def _noted(ctx: CaseContext) -> Callable[[Clock], None]:
    return lambda clock: note_period_end(ctx, clock)


async def execute(ctx: CaseContext, served_at: dt.datetime) -> str:
    """Until the fine is paid or the court is asked to enforce it. Returns the execution result."""
    ctx.enter(Stage.EXECUTION)
    fine = ctx.fine_yuan()
    if fine <= 0:
        return "executed"  # a warning is executed by its service
    ctx.clocks.start("T15", ClockSpec(code="T15", start=served_at), ctx.case.case_id, _payment_overdue(ctx))
    ctx.clocks.start("T18", ClockSpec(code="T18", start=served_at), ctx.case.case_id, _open_court_window(ctx))
    confirm = ctx.open_step("confirm_payment")
    await workflow.wait_condition(
        lambda: (
            _settled(ctx, fine)
            or ctx.tasks.completion(confirm.task_id) is not None
            or ctx.enforcement_result is not None
        )
    )
    if ctx.enforcement_result is not None:
        ctx.tasks.cancel(confirm.task_id)
        return ctx.enforcement_result
    ctx.tasks.cancel(confirm.task_id)
    for key in ("T15", "T16", "T18", "T19", "T20"):
        ctx.clocks.met(key)
    paid_at = max((p.paid_at for p in ctx.inbox.payments), default=workflow.now())
    ctx.record("paid", detail={"fine_yuan": str(fine), "surcharge_yuan": str(ctx.surcharge_due(paid_at))})
    return "paid"


def _settled(ctx: CaseContext, fine: Decimal) -> bool:
    """Paid in full: the fine plus the surcharge owed when the party last paid (not when the bank
    told us)."""
    if not ctx.inbox.payments:
        return False
    paid_at = max(p.paid_at for p in ctx.inbox.payments)
    return bool(ctx.inbox.paid_yuan() >= fine + ctx.surcharge_due(paid_at))


def _payment_overdue(ctx: CaseContext) -> Callable[[Clock], None]:
    """T15 ran out: the surcharge starts (T16) and the party is reminded (催告)."""

    def overdue(clock: Clock) -> None:
        ctx.record("payment_overdue", legal_basis=clock.clock.deadline.legal_basis)
        deferral.lapse_pending(ctx)  # an application still undecided has no period left to move
        ctx.clocks.start("T16", ClockSpec(code="T16", start=clock.clock.deadline.due_at), ctx.case.case_id, _noted(ctx))
        if ctx.inbox.remedy_pending():  # 复议/诉讼 already pending: no surcharge runs (处罚法 Art. 73)
            ctx.clocks.hold("T16")
        ctx.spawn(_remind(ctx))

    return overdue


def _reminder_detail(ctx: CaseContext) -> dict[str, str]:
    """What the 催告书 states: the amount due now and the time to comply (强制法 Arts. 35, 45, 54)."""
    fine, surcharge = ctx.fine_yuan(), ctx.surcharge_due()
    comply_by = compute_deadline("T19", workflow.now(), calendar=ctx.clocks.legal_calendar).due_at
    return {
        "fine_yuan": str(fine),
        "surcharge_yuan": str(surcharge),
        "amount_yuan": str(fine + surcharge),
        "comply_by": comply_by.isoformat(),
    }


async def _remind(ctx: CaseContext) -> None:
    if documents.enabled():  # 催告书, quoting the decision's 文号 (强制法 Arts. 35, 54)
        decided = [p.step for p in ctx.papers.of(documents.DECISION)]
        documents.issue(ctx, "reminder", documents.REMINDER, detail=_reminder_detail(ctx), after=decided)
    reminder = await ctx.step("serve_reminder", check=documents.gate(ctx, documents.REMINDER))
    documents.receipt(ctx, documents.REMINDER, reminder)  # 送达回证 (强制法 Art. 38)
    served_at = await served_instant(ctx, reminder.form, "T12:reminder")
    ctx.clocks.start("T19", ClockSpec(code="T19", start=served_at), ctx.case.case_id, _noted(ctx))


def _open_court_window(ctx: CaseContext) -> Callable[[Clock], None]:
    """T18 ran out unchallenged: apply to the court within 3 months (T20), after the reminder's
    10 WD wait (T19)."""

    def open_window(clock: Clock) -> None:
        ctx.spawn(_apply_to_court(ctx, clock.clock.deadline.due_at))

    return open_window


async def _apply_to_court(ctx: CaseContext, litigation_period_end: dt.datetime) -> None:
    await workflow.wait_condition(lambda: "T19" in ctx.clocks and not ctx.running("T19"))
    if _settled(ctx, ctx.fine_yuan()):
        return
    start = litigation_period_end
    if ctx.deferred_until is not None and ctx.deferred_until > start:
        # After a deferral or instalment plan the window counts from its end (处罚法 Art. 72 para 2),
        # but never from before the decision became final (强制法 Art. 53).
        start = ctx.deferred_until
    application = await ctx.step("apply_court_enforcement", clock=ClockSpec(code="T20", start=start))
    ctx.enforcement_result = "enforcement_applied" if application.outcome == "applied" else "execution_terminated"


async def close_case(ctx: CaseContext, result: str) -> None:
    """The closing event starts T23; the head approves closing (结案审批表)."""
    ctx.enter(Stage.CLOSING)
    event_at = workflow.now()
    await ctx.step("approve_closing", clock=ClockSpec(code="T23", start=event_at))
    closing = {"event_at": event_at.isoformat()}  # 结案审批表, after every other document (住建 Art. 31)
    documents.issue(ctx, "closing_approval", documents.CLOSING, detail=closing, after=documents.everything(ctx))
    ctx.close(result, legal_basis="住房和城乡建设行政处罚程序规定 第三十一条")
