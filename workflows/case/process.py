"""The enforcement case, stage after stage, as the law orders them (DESIGN "Process model")."""

from __future__ import annotations

from decimal import Decimal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.case import documents
    from workflows.case.context import CaseContext
    from workflows.case.events import Payment
    from workflows.case.model import TaskCompletion
    from workflows.case.stages.decision import decide
    from workflows.case.stages.execution import close_case, execute, serve_decision
    from workflows.case.stages.investigation import investigate_and_review
    from workflows.case.stages.notice import prior_notice
    from workflows.case.stages.verification import approve_filing, verify_lead
    from workflows.statutory_clock import ClockSpec

# How a lead that never becomes a filed case ends, and why.
LEAD_ENDINGS = {
    "not_established": ("lead_not_established", "住房和城乡建设行政处罚程序规定 第十五条"),
    "transfer": ("transferred", "行政处罚法 第五十七条第一款第（四）项"),
    "minor_no_penalty": ("no_penalty_first_violation", "行政处罚法 第三十三条"),
}
DECISIONS_WITHOUT_EXECUTION = {"no_penalty", "not_established", "transfer_judiciary"}


async def enforcement_case(ctx: CaseContext) -> None:
    lead = await verify_lead(ctx)  # 初查核实, T01
    if lead.outcome == "on_the_spot":
        await on_the_spot(ctx, lead)
        return
    if lead.outcome == "minor_no_penalty":  # 不予行政处罚决定书 with the education record (处罚法 Art. 33)
        documents.issue(ctx, "no_penalty_decision", documents.DECISION)
    if lead.outcome in LEAD_ENDINGS:
        result, basis = LEAD_ENDINGS[lead.outcome]
        ctx.close(result, legal_basis=basis)
        return
    if not await approve_filing(ctx):  # 立案审批, T02; starts the case clock T06
        ctx.close("not_filed", legal_basis="住房和城乡建设行政处罚程序规定 第十五条")
        return
    report = await investigate_and_review(ctx)  # 调查取证 + 法制审核 (major cases), T10
    if report.outcome == "not_established":
        ctx.clocks.met("T06")
        await close_case(ctx, "not_established")
        return
    if report.outcome == "transfer":
        ctx.clocks.met("T06")
        await close_case(ctx, "transferred")
        return
    await prior_notice(ctx)  # 事先告知: T07, T08, hearing (T09)
    decision = await decide(ctx, major=bool(report.form.get("major", False)))  # 决定, within T06
    served_at = await serve_decision(ctx)  # 送达, T11 (T12)
    if decision.outcome in DECISIONS_WITHOUT_EXECUTION:
        await close_case(ctx, decision.outcome)
        return
    result = await execute(ctx, served_at)  # 执行: T15, T16, T18, T19, T20
    await close_case(ctx, result)  # 结案, T23


async def on_the_spot(ctx: CaseContext, lead: TaskCompletion) -> None:
    """简易程序: the decision is made and handed over on the spot (处罚法 Arts. 51, 52)."""
    ctx.decided_at = workflow.now()
    ctx.decision = {"outcome": "penalty", "penalty": lead.form.get("penalty", {})}
    ctx.record("on_the_spot_decision", actor=lead.actor.username, legal_basis="行政处罚法 第五十一条、第五十二条")
    documents.issue(ctx, "on_the_spot_decision", documents.DECISION)  # 当场行政处罚决定书 (处罚法 Art. 52)
    # File the on-the-spot decision with the agency within 3 WD (T13) while payment runs.
    if lead.form.get("collected_on_the_spot"):  # 当场收缴 with a fiscal receipt (处罚法 Arts. 68, 70)
        fine = Decimal(str(ctx.decision["penalty"].get("fine_yuan", "0")))
        receipt = str(lead.form.get("receipt_no", ""))
        ctx.inbox.payments.append(Payment(amount_yuan=fine, paid_at=ctx.decided_at, reference=receipt))
    filing = ctx.open_step("file_on_the_spot_decision", clock=ClockSpec(code="T13", start=ctx.decided_at))
    ctx.spawn(ctx.side_step(filing))
    result = await execute(ctx, ctx.decided_at)
    await ctx.tasks.wait_closed(filing.task_id)  # no closing before the decision is on file (住建 Art. 14)
    await close_case(ctx, result)
