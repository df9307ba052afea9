"""初查核实 verification and 立案审批 filing (住建 Art. 15; 处罚法 Arts. 33, 36, 51, 54)."""

from __future__ import annotations

from decimal import Decimal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules.deadlines import compute_deadline
    from rules.errors import RuleError
    from rules.procedure import on_the_spot_collection_allowed, simplified_procedure_allowed
    from workflows.case import documents
    from workflows.case.context import CaseContext
    from workflows.case.errors import refuse
    from workflows.case.model import Stage, TaskCompletion
    from workflows.case.tasks import StageCheck
    from workflows.statutory_clock import ClockSpec


def _on_the_spot_allowed(ctx: CaseContext) -> StageCheck:
    """简易程序 only within 处罚法 Art. 51's amounts; checked before the outcome enters history."""

    def check(completion: TaskCompletion) -> None:
        if completion.outcome != "on_the_spot":
            return
        party = ctx.case.party
        if party is None:
            raise refuse("LegalRule", "an on-the-spot decision (简易程序) needs the party identified")
        penalty = completion.form.get("penalty") or {}
        fine = Decimal(str(penalty.get("fine_yuan", "0")))
        try:
            allowed = simplified_procedure_allowed(party.type, fine, penalty.get("kinds"))
        except RuleError as exc:
            raise refuse("LegalRule", str(exc)) from exc
        if (
            allowed
            and completion.form.get("collected_on_the_spot")
            and not on_the_spot_collection_allowed(party.type, fine)
        ):
            raise refuse(
                "LegalRule",
                f"a fine of {fine} yuan may not be collected on the spot (行政处罚法 第六十八条: 100 yuan or less, "
                "or hard to collect later)",
            )
        if not allowed:
            raise refuse(
                "LegalRule",
                f"a fine of {fine} yuan for a {party.type} is above the simplified-procedure limit "
                "(行政处罚法 第五十一条); use the ordinary procedure",
            )

    return check


async def verify_lead(ctx: CaseContext) -> TaskCompletion:
    """Verify the lead within 15 WD of receiving it (T01)."""
    ctx.enter(Stage.VERIFICATION)
    clock = ClockSpec(code="T01", start=ctx.case.lead_received_at)
    return await ctx.step("verify_lead", clock=clock, check=_on_the_spot_allowed(ctx))


def limitation_expired(ctx: CaseContext) -> bool:
    """T02: no penalty once the violation went undiscovered for 2 (5) years (处罚法 Art. 36)."""
    if ctx.case.violation_at is None:
        return False
    variant = "life_health_finance" if ctx.case.harm_to_life_health_finance else None
    calendar = ctx.clocks.legal_calendar
    deadline = compute_deadline("T02", ctx.case.violation_at, variant=variant, calendar=calendar)
    return ctx.case.lead_received_at > deadline.due_at  # "在二年内未被发现": discovery is what counts


async def approve_filing(ctx: CaseContext) -> bool:
    """The agency head approves filing (立案); the approval date starts the case clock T06."""
    ctx.enter(Stage.FILING)
    if limitation_expired(ctx):
        ctx.record("time_barred", legal_basis="行政处罚法 第三十六条")
        return False
    completion = await ctx.step("approve_filing")
    # 案件来源登记表, with the head's decision on the handling opinion (住建 Art. 40 (1); 处罚法 Art. 54)
    documents.issue(ctx, "case_source_register", documents.SOURCE)
    if completion.outcome != "approve":
        return False
    ctx.filed_at = workflow.now()
    ctx.record("case_filed", actor=completion.actor.username, legal_basis="住房和城乡建设行政处罚程序规定 第十五条")
    ctx.clocks.start("T06", ClockSpec(code="T06", start=ctx.filed_at), ctx.case.case_id, ctx.supervision_alert)
    documents.issue(ctx, "filing_approval", documents.FILING)  # 立案审批表, the 立案 date (住建 Art. 15)
    return True
