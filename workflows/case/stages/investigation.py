"""调查取证 investigation and 法制审核 legal review (处罚法 Arts. 42, 55, 58; 住建 Arts. 11, 16–25, 29, 30).

Testing or appraisal (检测/检验/鉴定, 住建 Art. 18) and a suspended investigation (中止调查,
Art. 30) stop the case clock T06 until the result is told to the party or the investigation resumes.
Evidence preservation (先行登记保存, T03) and seal-up or seizure (查封、扣押, T04; 强制法 Arts. 18,
22–28) open a decision on the items beside the investigation, which goes on meanwhile.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.case import documents
    from workflows.case.context import CaseContext
    from workflows.case.errors import refuse
    from workflows.case.model import Stage, TaskCompletion
    from workflows.case.stages.forms import instant
    from workflows.case.tasks import StageCheck
    from workflows.statutory_clock import ClockSpec


# Outcomes done by the investigating officers themselves: the report (处罚法 Art. 42; 住建 Art. 11)
# and a compulsory measure (强制法 Art. 18 (2)–(3)).
BY_TWO_OFFICERS = ("report", "not_established", "seize")


def _two_certified_officers() -> StageCheck:
    """Two different officers holding enforcement certificates, the reporter among them
    (处罚法 Art. 42; 住建 Art. 11; 强制法 Art. 18)."""

    def check(completion: TaskCompletion) -> None:
        if completion.outcome not in BY_TWO_OFFICERS:
            return
        officers = completion.form.get("officers", [])
        ids = {o.get("user_id") for o in officers if isinstance(o, dict)}
        if len(ids) < 2:
            raise refuse("LegalRule", "the investigation needs two different officers (行政处罚法 第四十二条)")
        if completion.actor.user_id not in ids:
            raise refuse("LegalRule", f"{completion.actor.username} is not one of the investigating officers")
        if not completion.actor.certificate_no:
            raise refuse("LegalRule", f"{completion.actor.username} holds no enforcement certificate (执法证)")

    return check


async def investigate(ctx: CaseContext) -> TaskCompletion:
    """Until the officers report (or find no violation); appraisal and suspension pause T06."""
    ctx.enter(Stage.INVESTIGATION)
    while True:
        step = await ctx.step("investigate", check=_two_certified_officers())
        if step.outcome == "commission_appraisal":
            await _appraisal(ctx, step)
        elif step.outcome == "request_suspension":
            await _suspension(ctx)
        elif step.outcome == "preserve_evidence":
            _preservation(ctx, step)
        elif step.outcome == "seize":
            _seizure(ctx, step)
        else:
            if step.outcome == "report":
                ctx.proposal = dict(step.form)
                # 案件调查终结报告, one for each report (住建 Art. 20; a report sent back is reported again)
                documents.issue_of(ctx, "investigation_report", documents.INVESTIGATION, step)
            return step


async def _appraisal(ctx: CaseContext, commission: TaskCompletion) -> None:
    began = instant(commission.form.get("commissioned_at"), "commissioned_at")
    ctx.hold_case_clock("appraisal", began)
    result = await ctx.step("record_appraisal")
    # the excluded time ends when the result is issued (or the commission ends), 住建 Art. 29 para 2
    ended = instant(result.form.get("completed_at") or result.form.get("ended_at"), "completed_at")
    ctx.exclude_from_case_clock("appraisal", began, ended)


def _preservation(ctx: CaseContext, registration: TaskCompletion) -> None:
    """Evidence registered for preservation needs a decision within 7 WD (T03), or the measure
    lapses (处罚法 Art. 56; 住建 Art. 19); the investigation goes on meanwhile."""
    preserved_at = instant(registration.form.get("preserved_at"), "preserved_at")
    # 证据先行登记保存通知书 with its 清单, handed over when the items are listed (处罚法 Art. 56; 住建 Art. 19)
    documents.issue_of(ctx, "evidence_preservation_notice", documents.PRESERVATION, registration)
    decision = ctx.open_step("decide_preserved_evidence", clock=ClockSpec(code="T03", start=preserved_at))
    ctx.spawn(ctx.side_step(decision))


def _seizure(ctx: CaseContext, seizure: TaskCompletion) -> None:
    """查封、扣押: the head decides on the items within 30 CD of the seizure decision (T04), once
    extendable by the head (`request_extension` T04, 强制法 Art. 25); if the period runs out
    undecided the measure is released and the items returned (强制法 Arts. 27, 28; see
    CaseContext._task_overdue). The investigation goes on meanwhile."""
    seized_at = instant(seizure.form.get("seized_at"), "seized_at")
    decision = ctx.open_step("decide_seized_items", clock=ClockSpec(code="T04", start=seized_at))
    ctx.spawn(ctx.side_step(decision))


async def _suspension(ctx: CaseContext) -> None:
    approval = await ctx.step("approve_suspension")
    if approval.outcome != "approve":
        return
    began = instant(approval.form.get("suspended_from"), "suspended_from")
    ctx.hold_case_clock("suspension", began)
    resumed = await ctx.step("resume_investigation")
    ctx.exclude_from_case_clock("suspension", began, instant(resumed.form.get("resumed_at"), "resumed_at"))


async def legal_review(ctx: CaseContext) -> TaskCompletion:
    """Major cases: the legal reviewer answers within 10 WD of receiving the materials (T10)."""
    ctx.enter(Stage.LEGAL_REVIEW)
    received = workflow.now()
    review = await ctx.step("legal_review", clock=ClockSpec(code="T10", start=received))
    # 法制审核意见书: the written opinion on the eight items (处罚法 Art. 58; 住建 Arts. 24, 25)
    received_at = {"received_at": received.isoformat()}
    documents.issue_of(ctx, "legal_review_opinion", documents.LEGAL_REVIEW, review, detail=received_at)
    return review


async def investigate_and_review(ctx: CaseContext) -> TaskCompletion:
    """Investigate; a major case goes to legal review, which may send it back (supplement)."""
    while True:
        report = await investigate(ctx)
        if report.outcome != "report" or not report.form.get("major", False):
            return report
        review = await legal_review(ctx)
        if review.outcome == "supplement":
            ctx.record("sent_back_for_supplement", task_id=review.task_id, actor=review.actor.username)
            continue
        if review.outcome == "correct":
            ctx.record("corrected_by_legal_review", task_id=review.task_id, detail=review.form)
        if review.outcome == "transfer":
            return review
        return report
