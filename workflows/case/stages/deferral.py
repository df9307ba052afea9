"""延期、分期缴纳罚款: deferred or instalment payment of a fine (处罚法 Art. 66 para 2).

The party applies in writing (延期（分期）缴纳罚款申请书); an officer registers the application with
the `request_deferral` Update while the payment period T15 runs, and the agency head decides
(`approve_deferral`, 审批表). The head decides before T15 ends, or the application lapses: the
surcharge then starts as it would have (处罚法 Art. 72 para 1 (1)).

An approved deferral fixes the last day of T15 at `new_due_at`; an instalment plan fixes it at the
last instalment and gives each earlier instalment a due date of its own (a clock under the T15 rule,
keyed "T15:instalment-N"). The surcharge T16 starts only once T15 has ended, so none accrues in the
deferred period; the court-enforcement window T20 counts from the end of the deferral or of the last
instalment (处罚法 Art. 72 para 2), and never from before the litigation period T18 has run (强制法
Art. 53) — see stages/execution.py. A refusal changes nothing.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules.periods import local_day
    from workflows.case.clocks import Clock
    from workflows.case.context import CaseContext
    from workflows.case.errors import refuse
    from workflows.case.model import Actor, TaskCompletion, TaskView
    from workflows.case.stages.forms import instant
    from workflows.case.tasks import StageCheck
    from workflows.statutory_clock import ClockSpec

REQUESTERS = ("officer", "squad_leader")
PAYMENT = "T15"  # 缴款期限: the clock a deferral moves
APPROVAL = "approve_deferral"
LEGAL_BASIS = "行政处罚法 第六十六条第二款"

Schedule = list[tuple[dt.date, Decimal | None]]  # (last day, amount) per instalment; one entry for a deferral


class DeferralRequest(BaseModel):
    """Body of the `request_deferral` Update: the party's written application as received."""

    actor: Actor
    arrangement: Literal["deferral", "instalment"] = Field(description="what the party asks for")
    reason: str = Field(min_length=1, description="the party's economic difficulty (确有经济困难)")
    applied_at: AwareDatetime
    application_ref: str = ""


def validate_request(ctx: CaseContext, request: DeferralRequest) -> None:
    """Refuse an application that must not enter history. Reads state only."""
    actor = request.actor
    if ctx.is_closed:
        raise refuse("CaseClosed", f"case {ctx.case.case_id} is closed")
    if not set(actor.roles) & set(REQUESTERS):
        raise refuse("RoleNotAllowed", f"{actor.username} may not register an application for deferral")
    if not actor.within(ctx.case.jurisdiction_path):
        raise refuse("OutsideJurisdiction", f"{actor.username} does not act in {ctx.case.jurisdiction_path}")
    if not ctx.running(PAYMENT):
        raise refuse(
            "LegalRule",
            f"the payment period {PAYMENT} is not running in this case; a deferral moves its end ({LEGAL_BASIS}), "
            "so the party applies while it runs",
        )
    if ctx.deferred_until is not None:
        raise refuse("LegalRule", f"a deferral or instalment plan is already in force (until {ctx.deferred_until})")
    if any(t.kind == APPROVAL for t in ctx.tasks.open_tasks()):
        raise refuse("LegalRule", "an application for deferral is already waiting for the head's decision")


def open_request(ctx: CaseContext, request: DeferralRequest) -> TaskView:
    task = ctx.open_step(APPROVAL, check=_plan_check(ctx))
    ctx.record(
        "deferral_requested",
        actor=request.actor.username,
        task_id=task.task_id,
        detail={
            "arrangement": request.arrangement,
            "reason": request.reason,
            "applied_at": request.applied_at.isoformat(),
            "application_ref": request.application_ref,
        },
        legal_basis=LEGAL_BASIS,
    )
    ctx.spawn(_decide(ctx, task))
    return task


def lapse_pending(ctx: CaseContext) -> None:
    """T15 ended with an application undecided: there is no period left to move."""
    for task in ctx.tasks.open_tasks():
        if task.kind == APPROVAL:
            ctx.tasks.cancel(task.task_id)
            ctx.record("deferral_lapsed", task_id=task.task_id, detail={"code": PAYMENT}, legal_basis=LEGAL_BASIS)


def schedule(form: dict[str, Any]) -> Schedule:
    """The approved plan as (last day, amount) pairs, in Asia/Shanghai days."""
    if form.get("arrangement") == "deferral":
        return [(local_day(instant(form.get("new_due_at"), "new_due_at"), "new_due_at"), None)]
    plan: Schedule = []
    for n, item in enumerate(form.get("instalments") or [], 1):
        due = instant(item.get("due_at"), f"instalments[{n}].due_at")
        plan.append((local_day(due, "due_at"), Decimal(str(item.get("amount_yuan", "0")))))
    return plan


def _plan_check(ctx: CaseContext) -> StageCheck:
    """The plan must move the payment deadline later, and instalments must add up to the fine."""

    def check(completion: TaskCompletion) -> None:
        if completion.outcome != "approve":
            return
        if not ctx.running(PAYMENT):
            raise refuse("LegalRule", f"the payment period {PAYMENT} has ended; there is no deadline left to move")
        current = ctx.clocks[PAYMENT].clock.deadline.last_day
        plan = schedule(completion.form)
        if not plan:
            raise refuse("FormInvalid", "the plan has no due date")
        days = [day for day, _ in plan]
        if current is not None and days[-1] <= current:
            raise refuse(
                "LegalRule",
                f"the new payment deadline ({days[-1]}) must be after the current one ({current}); {LEGAL_BASIS}",
            )
        if any(later <= earlier for earlier, later in itertools.pairwise(days)):
            raise refuse("LegalRule", "each instalment must fall due on a later day than the one before")
        amounts = [amount for _, amount in plan if amount is not None]
        if amounts and (any(a <= 0 for a in amounts) or sum(amounts) != ctx.fine_yuan()):
            raise refuse(
                "LegalRule",
                f"the instalments ({' + '.join(str(a) for a in amounts)}) must be positive and add up to the fine "
                f"({ctx.fine_yuan()} yuan)",
            )

    return check


async def _decide(ctx: CaseContext, task: TaskView) -> None:
    decision = await ctx.tasks.wait_closed(task.task_id)
    if decision is None:  # lapsed with T15 (lapse_pending)
        return
    if decision.outcome != "approve":
        ctx.record(
            "deferral_refused",
            actor=decision.actor.username,
            task_id=task.task_id,
            detail={"reason": decision.form.get("reason")},
            legal_basis=LEGAL_BASIS,
        )
        return
    if not ctx.running(PAYMENT):  # T15 ran out in the same moment the head approved
        ctx.record("deferral_lapsed", task_id=task.task_id, detail={"code": PAYMENT}, legal_basis=LEGAL_BASIS)
        return
    plan = schedule(decision.form)
    ctx.clocks.fix_last_day(PAYMENT, plan[-1][0])
    payment = ctx.clocks[PAYMENT].clock
    ctx.deferred_until = payment.deadline.due_at
    instalments = []
    paid_by = Decimal(0)
    for n, (day, amount) in enumerate(plan, 1):
        paid_by += amount or Decimal(0)
        if n < len(plan):  # the last instalment is T15 itself
            _start_instalment(ctx, n, ClockSpec(code=PAYMENT, start=payment.spec.start, fixed_last_day=day), paid_by)
        instalments.append({"due_on": day.isoformat(), "amount_yuan": str(amount) if amount is not None else None})
    ctx.record(
        "payment_deferred",
        actor=decision.actor.username,
        task_id=task.task_id,
        detail={
            "arrangement": decision.form.get("arrangement"),
            "due_at": ctx.deferred_until.isoformat(),
            "instalments": instalments if len(plan) > 1 else [],
        },
        legal_basis=LEGAL_BASIS,
    )


def _start_instalment(ctx: CaseContext, n: int, spec: ClockSpec, paid_by: Decimal) -> None:
    key = f"{PAYMENT}:instalment-{n}"
    ctx.clocks.start(key, spec, f"{ctx.case.case_id}/instalment-{n}", _instalment_missed(ctx, n, paid_by))
    ctx.spawn(_instalment_paid(ctx, key, paid_by))


async def _instalment_paid(ctx: CaseContext, key: str, paid_by: Decimal) -> None:
    await workflow.wait_condition(lambda: ctx.inbox.paid_yuan() >= paid_by or not ctx.running(key))
    ctx.clocks.met(key)


def _instalment_missed(ctx: CaseContext, n: int, paid_by: Decimal) -> Callable[[Clock], None]:
    """An instalment's day passed short of the plan: recorded for the officers; the plan's last day
    (T15) still governs the surcharge."""

    def missed(clock: Clock) -> None:
        ctx.record(
            "instalment_missed",
            detail={
                "instalment": n,
                "due_at": clock.clock.deadline.due_at.isoformat(),
                "due_by_then_yuan": str(paid_by),
                "paid_yuan": str(ctx.inbox.paid_yuan()),
            },
            legal_basis=LEGAL_BASIS,
        )

    return missed
