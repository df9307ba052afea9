"""Extending a statutory clock (延期): an officer asks, the approver named by the timer table
decides. T01 +10 WD by the head (住建 Art. 15); T04 +30 CD by the head (查封、扣押, 强制法 Art. 25
para 1); T06 +30 CD by the head, then up to +60 CD by collective discussion (住建 Art. 29 para 1)."""

from __future__ import annotations

from pydantic import BaseModel
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules.deadline_table import load_timer_table
    from workflows.case.context import CaseContext
    from workflows.case.errors import refuse
    from workflows.case.model import Actor, TaskCompletion, TaskView
    from workflows.case.tasks import StageCheck

REQUESTERS = ("officer", "squad_leader")


class ExtensionRequest(BaseModel):
    """Body of the `request_extension` Update. `clock` is a timer code: T01 (the open verification),
    T04 (the open decision on seized items) or T06 (the case clock)."""

    actor: Actor
    clock: str
    reason: str


def clock_key(ctx: CaseContext, code: str) -> str:
    """The running clock a code names in this case: the case clock, or the open step's clock."""
    if code == "T06":
        return code
    for task in ctx.tasks.open_tasks():
        if task.deadline_code == code:
            return ctx.step_clock_key(task)
    return code


def validate_request(ctx: CaseContext, request: ExtensionRequest) -> None:
    actor = request.actor
    if ctx.is_closed:
        raise refuse("CaseClosed", f"case {ctx.case.case_id} is closed")
    if not set(actor.roles) & set(REQUESTERS):
        raise refuse("RoleNotAllowed", f"{actor.username} may not ask for an extension")
    if not actor.within(ctx.case.jurisdiction_path):
        raise refuse("OutsideJurisdiction", f"{actor.username} does not act in {ctx.case.jurisdiction_path}")
    key = clock_key(ctx, request.clock)
    if not ctx.running(key):
        raise refuse("LegalRule", f"{request.clock} is not running in this case; nothing to extend")
    granted = len(ctx.clocks[key].clock.spec.extensions)
    allowed = load_timer_table().get(request.clock).extensions
    if granted >= len(allowed):
        raise refuse("LegalRule", f"{request.clock} has had every extension the law allows ({len(allowed)})")
    if any(t.kind == "approve_extension" for t in ctx.tasks.open_tasks()):
        raise refuse("LegalRule", "an extension request is already waiting for approval")


def _within_the_table(ctx: CaseContext, code: str, key: str) -> StageCheck:
    def check(completion: TaskCompletion) -> None:
        if completion.outcome != "approve":
            return
        n = len(ctx.clocks[key].clock.spec.extensions)
        allowed = load_timer_table().get(code).extensions[n]
        days = int(completion.form.get("days", 0))
        if days > allowed.length:
            raise refuse(
                "LegalRule", f"{code} extension {n + 1} may be at most {allowed.length}; {allowed.legal_basis}"
            )
        if completion.form.get("approval") != allowed.approver:
            raise refuse(
                "LegalRule",
                f"{code} extension {n + 1} is decided by {allowed.approver}, not {completion.form.get('approval')} "
                f"({allowed.legal_basis})",
            )

    return check


def open_request(ctx: CaseContext, request: ExtensionRequest) -> TaskView:
    key = clock_key(ctx, request.clock)
    task = ctx.open_step("approve_extension", check=_within_the_table(ctx, request.clock, key))
    ctx.record(
        "extension_requested",
        actor=request.actor.username,
        task_id=task.task_id,
        detail={"clock": request.clock, "reason": request.reason},
    )
    ctx.spawn(_decide(ctx, task, key))
    return task


async def _decide(ctx: CaseContext, task: TaskView, key: str) -> None:
    decision = await ctx.finish_step(task)
    if decision.outcome == "approve" and ctx.running(key):
        ctx.clocks.extend(key, int(decision.form["days"]))
        deadline = ctx.clocks[key].clock.deadline
        ctx.record(
            "deadline_extended",
            actor=decision.actor.username,
            detail={"clock": deadline.code, "days": decision.form["days"], "due_at": deadline.due_at.isoformat()},
            legal_basis=deadline.legal_basis,
        )
