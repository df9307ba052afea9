"""Issuing the statutory documents (执法文书) from the case workflow: one line per document in the stages.

    documents.issue(ctx, "prior_notice", NOTICE, detail=...)     # 行政处罚事先告知书, 处罚法 Art. 44
    served = await ctx.step("serve_prior_notice", check=documents.gate(ctx, NOTICE))
    documents.receipt(ctx, NOTICE, served)                       # 送达回证, 住建 Art. 35

`issue` starts the `issue_case_document` activity beside the process (the process goes on: the next
task opens at once, and an Update's answer names it), under the deterministic step key
`{group}/{kind}`, so the activity's idempotency key is `{workflow_id}/{group}/{kind}`. `after`
names documents that must exist first (the payment notice quotes the decision's 文号). Each issued
document is recorded as a `document_issued` event and kept for the `state` query.

A document that cannot be issued (a value the law requires is missing, MissingDocumentField; an
invalid value; an unconfigured agency) is never printed with a blank and never fails the case: the
workflow records `document_blocked` with the field and its article, opens `supply_document_data` for
an officer, and issues again with the values given. While it cannot be issued, the step that serves
it is refused (`gate`): a document must exist before it is served. (A document still on its way — a
second or so — does not hold the service up: the service is the party's legal moment, its periods run
from it, and the 送达回证 waits for the document.) If the case closes while the officer has not
answered, the task is cancelled and the document recorded as abandoned.

A document that records one completed step (`issue_of`: the 案件调查终结报告 of a report, the 法制审核意见书
of a review…) is built from the case as it stood when that step was completed, also when it is issued
again after an officer supplied a value: a step that recurs (a report sent back for supplement, a
second preservation) gets a document of its own, in group `{group}-2`, `{group}-3`….

Cases started before this code (their histories have no `issue-documents` marker) issue nothing; the
documents of the stages' inner steps came later, behind `issue-stage-documents` (STAGE_DOCUMENTS_PATCH):
a case whose history went past such a step without its marker goes on without them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from rules.document_kinds import load_document_kinds
    from workflows.case.document_model import (
        NON_RETRYABLE,
        DocumentProblem,
        DocumentRequest,
        IssuedDocument,
        StepRecord,
    )
    from workflows.case.errors import refuse
    from workflows.case.model import TaskCompletion
    from workflows.case.tasks import StageCheck

if TYPE_CHECKING:
    from workflows.case.context import CaseContext

ISSUE_DOCUMENTS_PATCH = "issue-documents"  # histories before it issued no documents
STAGE_DOCUMENTS_PATCH = "issue-stage-documents"  # histories before it issued none of `issue_of`'s documents
ISSUE_ACTIVITY = "issue_case_document"  # activities/documents.py; named, so workflows never import activities
ISSUE_TIMEOUT = dt.timedelta(minutes=2)  # one render and one transaction: a technical setting, not a legal period
ISSUE_RETRY = RetryPolicy(
    initial_interval=dt.timedelta(seconds=1),
    maximum_interval=dt.timedelta(minutes=1),
    non_retryable_error_types=list(NON_RETRYABLE),
)
SUPPLY_STEP = "supply_document_data"

# Groups: documents issued at one moment and served together (their 送达回证 lists them).
SOURCE, FILING, NOTICE, DECISION, REMINDER, CLOSING = "source", "filing", "notice", "decision", "reminder", "closing"
INVESTIGATION, PRESERVATION, LEGAL_REVIEW = "investigation", "preservation", "legal_review"
HEARING, STATEMENT, DISCUSSION = "hearing", "statement", "discussion"
RECEIPT = "service_receipt"
PUBLIC_NOTICE = "public_notice"  # published, not handed over: no 送达回证 (住建 Art. 36 para 2)


@dataclass
class Paper:
    kind: str
    group: str
    state: str = "waiting"  # waiting (for `after`) | pending (being issued) | blocked | issued | abandoned
    document: IssuedDocument | None = None
    problem: DocumentProblem | None = None
    as_of: str | None = None  # the task whose completion it records: steps completed later are not read

    @property
    def step(self) -> str:
        return f"{self.group}/{self.kind}"

    @property
    def settled(self) -> bool:
        return self.state in ("issued", "abandoned")


class Paperwork:
    """The documents of one case, by step, in the order they were asked for."""

    def __init__(self) -> None:
        self.papers: dict[str, Paper] = {}
        self.documents: list[IssuedDocument] = []  # in the order they were issued

    def of(self, group: str) -> list[Paper]:
        return [p for p in self.papers.values() if p.group == group]

    def settled(self, steps: Iterable[str]) -> bool:
        return all(self.papers[s].settled for s in steps if s in self.papers)

    @property
    def in_flight(self) -> list[str]:
        """Being issued now (not waiting for another document, nor for an officer)."""
        return [p.step for p in self.papers.values() if p.state == "pending"]

    @property
    def unsettled(self) -> bool:
        return not all(p.settled for p in self.papers.values())


def step_of(group: str, kind: str) -> str:
    return f"{group}/{kind}"


def enabled() -> bool:
    """Whether this case issues documents (not one started before the `issue-documents` patch)."""
    return workflow.patched(ISSUE_DOCUMENTS_PATCH)


def issue(
    ctx: CaseContext,
    kind: str,
    group: str,
    *,
    detail: dict[str, Any] | None = None,
    after: Iterable[str] = (),
    since: str | None = None,
    as_of: TaskCompletion | None = None,
) -> None:
    """Issue `kind` beside the process; `after`: steps whose documents must exist first; `since`: the
    later patch the issuing line came with; `as_of`: the completed step the document records."""
    step = step_of(group, kind)
    if step in ctx.papers.papers or not enabled():
        return
    if since is not None and not workflow.patched(since):
        return
    paper = Paper(kind=kind, group=group, as_of=as_of.task_id if as_of is not None else None)
    ctx.papers.papers[step] = paper
    ctx.spawn(_issue(ctx, paper, dict(detail or {}), tuple(after)))


def issue_of(
    ctx: CaseContext, kind: str, group: str, done: TaskCompletion, *, detail: dict[str, Any] | None = None
) -> None:
    """Issue the document that records the completed step `done` (since STAGE_DOCUMENTS_PATCH); the
    second document of `kind` in a case goes to `{group}-2`, and so on."""
    earlier = sum(1 for p in ctx.papers.papers.values() if p.kind == kind and p.group.split("-")[0] == group)
    occurrence = group if earlier == 0 else f"{group}-{earlier + 1}"
    issue(ctx, kind, occurrence, detail=detail, since=STAGE_DOCUMENTS_PATCH, as_of=done)


def everything(ctx: CaseContext) -> tuple[str, ...]:
    """Every document asked for so far (the closing form comes last)."""
    return tuple(ctx.papers.papers)


def gate(ctx: CaseContext, group: str) -> StageCheck:
    """Refuse serving a document that cannot be issued yet: it must exist before it is served."""

    def check(completion: TaskCompletion) -> None:
        for paper in ctx.papers.of(group):
            if paper.state == "blocked" and paper.problem is not None:
                title = load_document_kinds().get(paper.kind).title
                raise refuse(
                    "LegalRule",
                    f"the {title} ({paper.kind}) cannot be issued yet, and a document must exist before it is "
                    f"served: {paper.problem.message}; complete the {SUPPLY_STEP} task first",
                )

    return check


def receipt(ctx: CaseContext, group: str, served: TaskCompletion) -> None:
    """The 送达回证 of what `served` delivered (民诉法 Art. 87; 住建 Arts. 35–37); none for public notice."""
    papers = [p.step for p in ctx.papers.of(group) if p.kind != RECEIPT and p.state != "abandoned"]
    if not papers or served.form.get("method") == PUBLIC_NOTICE:
        return
    kind = ctx.tasks.get(served.task_id).kind
    issue(ctx, RECEIPT, group, detail={"task_kind": kind, "documents": papers}, after=papers)


# --- the issuing branch ----------------------------------------------------------------------------------


async def _issue(ctx: CaseContext, paper: Paper, detail: dict[str, Any], after: tuple[str, ...]) -> None:
    if not ctx.papers.settled(after):
        await workflow.wait_condition(lambda: ctx.papers.settled(after))
    paper.state = "pending"
    supplement: dict[str, Any] = {}
    while True:
        try:
            document = await workflow.execute_activity(
                ISSUE_ACTIVITY,
                _request(ctx, paper, detail, supplement),
                result_type=IssuedDocument,
                task_queue=ctx.case.documents_task_queue,  # None: the case's own queue
                start_to_close_timeout=ISSUE_TIMEOUT,
                retry_policy=ISSUE_RETRY,
            )
        except ActivityError as failure:
            values = await _ask_officer(ctx, paper, _problem(paper, failure))
            if values is None:
                paper.state = "abandoned"
                ctx.record("document_abandoned", detail={"kind": paper.kind, "step": paper.step})
                return
            supplement |= values
            continue
        paper.state, paper.document = "issued", document
        ctx.papers.documents.append(document)
        ctx.record(
            "document_issued",
            detail=document.model_dump(mode="json", exclude={"verify_code", "issued_at"}),
            legal_basis=load_document_kinds().get(paper.kind).legal_basis,
        )
        return


def _steps(ctx: CaseContext, as_of: str | None) -> dict[str, StepRecord]:
    """The latest completion of each kind; with `as_of`, as the case stood when that task was completed."""
    recorded = ctx.tasks.get(as_of) if as_of is not None else None
    steps: dict[str, StepRecord] = {}
    for view in [*ctx.tasks.all(), *([recorded] if recorded else [])]:  # in the order opened; the recorded step last
        done = ctx.tasks.completion(view.task_id)
        if done is None or view.completed_at is None:
            continue
        if recorded is not None and recorded.completed_at is not None and view.completed_at > recorded.completed_at:
            continue  # completed after the step the document records
        steps[view.kind] = StepRecord(
            kind=view.kind, outcome=done.outcome, form=done.form, actor=done.actor, completed_at=view.completed_at
        )
    return steps


def _request(ctx: CaseContext, paper: Paper, detail: dict[str, Any], supplement: dict[str, Any]) -> DocumentRequest:
    steps = _steps(ctx, paper.as_of)
    parts = [p for p in ctx.case.jurisdiction_path.split("/") if p]
    return DocumentRequest(
        workflow_id=workflow.info().workflow_id,
        step=paper.step,
        kind=paper.kind,
        agency_code=parts[-1],
        issued_at=workflow.now(),
        case=ctx.case,
        opened_at=ctx.opened_at,
        filed_at=ctx.filed_at,
        decided_at=ctx.decided_at,
        steps=steps,
        proposal=ctx.proposal,
        decision=ctx.decision,
        documents=list(ctx.papers.documents),
        detail=detail,
        supplement=dict(supplement),
    )


def _problem(paper: Paper, failure: ActivityError) -> DocumentProblem:
    cause = failure.cause
    if isinstance(cause, ApplicationError) and cause.details and isinstance(cause.details[0], dict):
        try:
            return DocumentProblem.model_validate(cause.details[0])
        except ValueError:
            pass
    return DocumentProblem(kind=paper.kind, message=str(cause or failure))


def _supply_check(paper: Paper, problem: DocumentProblem) -> StageCheck:
    """The values must be fields of the document, and include the one that was missing."""

    def check(completion: TaskCompletion) -> None:
        values = completion.form.get("values") or {}
        known = {f.key for f in load_document_kinds().get(paper.kind).required}
        unknown = sorted(set(values) - known)
        if unknown:
            raise refuse("FormInvalid", f"form.values: {unknown} are not fields of the {paper.kind} document")
        if problem.key is not None and problem.key not in values and "[]." not in problem.key:
            raise refuse("FormInvalid", f"form.values: give {problem.key} ({problem.label}), which the document lacks")

    return check


async def _ask_officer(ctx: CaseContext, paper: Paper, problem: DocumentProblem) -> dict[str, Any] | None:
    """Block the document, ask for the data; the values given, or None if the case closed meanwhile."""
    task = ctx.open_step(SUPPLY_STEP, check=_supply_check(paper, problem))
    paper.state, paper.problem = "blocked", problem
    ctx.record(
        "document_blocked",
        task_id=task.task_id,
        detail={
            "kind": paper.kind,
            "step": paper.step,
            "field": problem.key,
            "label": problem.label,
            "message": problem.message,
        },
        legal_basis=problem.legal_basis,
    )
    completion = await ctx.tasks.wait_closed(task.task_id)
    paper.state, paper.problem = "pending", None
    if completion is None:
        return None
    return dict(completion.form.get("values") or {})
