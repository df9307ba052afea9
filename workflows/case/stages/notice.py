"""事先告知 prior notice: statement and defence (T07), hearing request (T08), review of the
statement (复核, never a heavier penalty), and the hearing (T09 notice; its time is excluded
from the case clock). 处罚法 Arts. 44, 45, 63, 64; 住建 Arts. 21, 22, 29, 32–34."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from decimal import Decimal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules.deadlines import compute_deadline
    from rules.procedure import hearing_right
    from workflows.case import documents
    from workflows.case.clocks import Clock
    from workflows.case.context import CaseContext
    from workflows.case.errors import refuse
    from workflows.case.model import Stage, TaskCompletion
    from workflows.case.stages.forms import instant
    from workflows.case.stages.forms import served_at as served_instant
    from workflows.case.tasks import StageCheck
    from workflows.statutory_clock import ClockSpec


def _window_closed(ctx: CaseContext) -> Callable[[Clock], None]:
    def closed(clock: Clock) -> None:
        deadline = clock.clock.deadline
        ctx.record("window_closed", detail={"code": deadline.code}, legal_basis=deadline.legal_basis)

    return closed


def _hearing_notice_long_enough(ctx: CaseContext) -> StageCheck:
    """The hearing notice must precede the hearing by at least 7 WD (T09, 处罚法 Art. 64(2))."""

    def check(completion: TaskCompletion) -> None:
        notice_at = instant(completion.form.get("notice_served_at"), "notice_served_at")
        hearing_at = instant(completion.form.get("hearing_at"), "hearing_at")
        earliest = compute_deadline("T09", notice_at, calendar=ctx.clocks.legal_calendar)
        if hearing_at < earliest.due_at:
            raise refuse(
                "LegalRule",
                f"a hearing noticed on {notice_at.date().isoformat()} may be held from "
                f"{earliest.due_at.date().isoformat()} on, not {hearing_at.date().isoformat()} "
                f"(至少提前七个工作日通知, {earliest.legal_basis})",
            )
        if completion.form.get("chair") in ctx.investigators():
            raise refuse("LegalRule", "the hearing chair must not be an investigator of this case (处罚法 第六十四条)")

    return check


def _never_heavier(ctx: CaseContext) -> StageCheck:
    """复核 may not increase the penalty because the party spoke (处罚法 Art. 45; 住建 Art. 22)."""

    def check(completion: TaskCompletion) -> None:
        revised = completion.form.get("revised_penalty", {}) or {}
        proposed = ctx.proposed_amount()
        amount = revised.get("fine_yuan") if isinstance(revised, dict) else None
        if amount is not None and proposed is not None and Decimal(str(amount)) > proposed:
            raise refuse(
                "LegalRule",
                f"the reviewed penalty ({amount} yuan) is heavier than proposed ({proposed} yuan): "
                "行政处罚法 第四十五条 forbids a heavier penalty because of the statement",
            )

    return check


def _hearing_offered(ctx: CaseContext) -> bool:
    """Whether the proposed penalty is in the hearing scope (处罚法 Art. 63; 住建 Art. 32)."""
    penalty = ctx.proposal.get("proposed_penalty") or {}
    party = ctx.proposal.get("party") or {}
    party_type = party.get("type") or (ctx.case.party.type if ctx.case.party else "person")
    return hearing_right(
        party_type,
        str(penalty.get("fine_yuan", "0")),
        penalty.get("kinds", []),
        confiscated_income_yuan=str(penalty.get("confiscated_income_yuan", "0")),
        confiscated_property_yuan=str(penalty.get("confiscated_property_value_yuan", "0")),
    )


async def prior_notice(ctx: CaseContext) -> None:
    ctx.enter(Stage.PRIOR_NOTICE)
    if ctx.proposal.get("proposed_penalty") and documents.enabled():  # it exists before it is served (Art. 44)
        offered = _hearing_offered(ctx)
        documents.issue(ctx, "prior_notice", documents.NOTICE, detail={"hearing_right": offered})  # 住建 Art. 21
        if offered:  # 听证告知书 (处罚法 Arts. 63, 64 (1); 住建 Art. 33)
            documents.issue(ctx, "hearing_rights_notice", documents.NOTICE)
    served = await ctx.step("serve_prior_notice", check=documents.gate(ctx, documents.NOTICE))
    documents.receipt(ctx, documents.NOTICE, served)  # 送达回证 (民诉法 Art. 87; 住建 Art. 35)
    served_at = await served_instant(ctx, served.form, "T12:prior_notice")
    ctx.notice_served_at = served_at
    on_close = _window_closed(ctx)
    ctx.clocks.start("T07", ClockSpec(code="T07", start=served_at), ctx.case.case_id, on_close)
    if served.form.get("hearing_right", False):
        ctx.clocks.start("T08", ClockSpec(code="T08", start=served_at), ctx.case.case_id, on_close)
    handled = 0
    while True:
        await workflow.wait_condition(functools.partial(_more, ctx, handled))
        if len(ctx.inbox.party) == handled:
            return
        event = ctx.inbox.party[handled]
        handled += 1
        if event.kind == "statement":
            review = await ctx.step("review_statement", check=_never_heavier(ctx))
            # 陈述申辩笔录 and the written 复核意见 (处罚法 Art. 45; 住建 Art. 22)
            said = {"statement_at": event.at.isoformat(), "statement_text": event.text}
            documents.issue_of(ctx, "statement_record", documents.STATEMENT, review, detail=said)
            revised = review.form.get("revised_penalty")
            if revised:  # the reviewed penalty is the new ceiling for the decision
                ctx.proposal["proposed_penalty"] = revised
        elif event.kind == "hearing_request":
            await hearing(ctx, event.at)


def _more(ctx: CaseContext, seen: int) -> bool:
    """A party event to handle, or both windows closed (run out, waived, or used)."""
    return len(ctx.inbox.party) > seen or not (ctx.running("T07") or ctx.running("T08"))


async def hearing(ctx: CaseContext, requested_at: dt.datetime) -> None:
    """The hearing's time, from the request to the hearing's end, does not count toward the case
    clock (住建 Art. 29 para 2); the clock was held when the request arrived."""
    scheduled = await ctx.step("schedule_hearing", check=_hearing_notice_long_enough(ctx))
    # 听证通知书: time, place and chair, at least 7 WD before the hearing (处罚法 Art. 64 (2); 住建 Art. 34)
    documents.issue_of(ctx, "hearing_notice", documents.HEARING, scheduled)
    record = await ctx.step("record_hearing")
    ended = record.form.get("ended_at") or record.form.get("scheduled_at")
    ctx.exclude_from_case_clock("hearing", requested_at, instant(ended, "ended_at"))
