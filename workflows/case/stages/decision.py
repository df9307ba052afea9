"""决定 decision: collective discussion for major cases, the head's decision, and the checks the
law puts on it (处罚法 Arts. 44, 45, 57, 62; 住建 Arts. 26–29; 国办发〔2022〕27号 item 12)."""

from __future__ import annotations

from decimal import Decimal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules.discretion import check_fine
    from rules.discretion_records import Deviation
    from rules.errors import RuleError
    from workflows.case import documents
    from workflows.case.context import CaseContext
    from workflows.case.errors import refuse
    from workflows.case.model import Stage, TaskCompletion
    from workflows.case.tasks import StageCheck


def _decision_lawful(ctx: CaseContext, collective: TaskCompletion | None) -> StageCheck:
    def check(completion: TaskCompletion) -> None:
        if collective is not None:
            _as_discussed(collective, completion)
        if ctx.running("T07") and not ctx.inbox.has("waive_statement"):
            raise refuse(
                "LegalRule",
                "the party's statement period (T07) has not run out and was not waived: no decision yet "
                "(行政处罚法 第四十四条、第六十二条)",
            )
        if completion.outcome != "penalty":
            return
        penalty = completion.form.get("penalty", {}) or {}
        amount = Decimal(str(penalty.get("fine_yuan", "0")))
        proposed = ctx.proposed_amount()
        party_spoke = ctx.inbox.has("statement") or ctx.inbox.has("hearing_request")  # 陈述、申辩 incl. hearing
        if party_spoke and proposed is not None and amount > proposed:
            raise refuse(
                "LegalRule",
                f"{amount} yuan is heavier than the {proposed} yuan proposed before the party's statement "
                "(行政处罚法 第四十五条)",
            )
        if amount > 0:
            _within_benchmark(ctx, completion, amount)

    return check


def _as_discussed(collective: TaskCompletion, completion: TaskCompletion) -> None:
    """A major case's decision is the one the collective discussion reached."""
    if completion.outcome != collective.outcome:
        raise refuse(
            "LegalRule",
            f"the collective discussion decided {collective.outcome}, not {completion.outcome} "
            "(行政处罚法 第五十七条第二款)",
        )
    agreed = (collective.form.get("penalty") or {}).get("fine_yuan")
    given = (completion.form.get("penalty") or {}).get("fine_yuan")
    if agreed is not None and given is not None and Decimal(str(agreed)) != Decimal(str(given)):
        raise refuse("LegalRule", f"the collective discussion set the fine at {agreed} yuan, not {given}")


def _within_benchmark(ctx: CaseContext, completion: TaskCompletion, amount: Decimal) -> None:
    """The fine must sit in the benchmark tier unless a deviation was approved and recorded."""
    raw_deviation = completion.form.get("deviation")
    party = ctx.case.party.type if ctx.case.party else "person"
    try:
        deviation = Deviation.model_validate(raw_deviation) if raw_deviation else None
        check_fine(ctx.case.violation_code, party, ctx.benchmark_facts(), amount, deviation)
    except RuleError as exc:
        raise refuse("LegalRule", str(exc)) from exc
    except ValueError as exc:  # a malformed deviation record
        raise refuse("FormInvalid", f"form.deviation: {exc}") from exc


async def decide(ctx: CaseContext, major: bool) -> TaskCompletion:
    ctx.enter(Stage.DECISION)
    collective = None
    if major:  # collective discussion by the agency's leaders decides (处罚法 Art. 57 para 2)
        collective = await ctx.step("collective_discussion")
        # 集体讨论记录 (处罚法 Art. 57 para 2; 住建 Art. 26 para 2)
        documents.issue_of(ctx, "collective_discussion", documents.DISCUSSION, collective)
    decision = await ctx.step("decide", check=_decision_lawful(ctx, collective))
    ctx.decided_at = workflow.now()
    ctx.decision = {"outcome": decision.outcome, **decision.form}
    ctx.clocks.met("T06")
    said = {"party_events": [e.kind for e in ctx.inbox.party]}  # what the decision says of the statement
    if decision.outcome == "penalty":
        documents.issue(ctx, "penalty_decision", documents.DECISION, detail=said)  # 行政处罚决定书 (处罚法 Art. 59)
        if ctx.fine_yuan() > 0:  # 罚没款缴款通知书, quoting the decision's 文号 (处罚法 Art. 67)
            after = [documents.step_of(documents.DECISION, "penalty_decision")]
            documents.issue(ctx, "payment_notice", documents.DECISION, after=after)
    elif decision.outcome == "no_penalty":  # 不予行政处罚决定书 (处罚法 Arts. 33, 57 para 1 (2))
        documents.issue(ctx, "no_penalty_decision", documents.DECISION)
    elif decision.outcome == "not_established":  # 不予行政处罚决定书, facts not established (处罚法 Art. 57 para 1 (3))
        documents.issue(ctx, "no_penalty_decision", documents.DECISION, since=documents.STAGE_DOCUMENTS_PATCH)
    return decision
