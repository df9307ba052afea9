"""Saved-history scenarios for the seal-up/seizure measure (T04) and the deferral of a fine (T15).

Both run on dated instants of the TEST_2027 schedule (tests/workflows/case/calendar_2027.py, given to
the case through `CaseInput.calendar`), so every recording sees the same deadlines, none provisional:

- seized Fri 8 Jan 2027: T04 (30 CD) ends Fri 12 Feb 2027 (rolled over 春节), extended +30 CD to
  Tue 9 Mar 2027;
- decision served Fri 22 Jan 2027: T15 (15 CD) ends Fri 12 Feb 2027, deferred to Mon 15 Mar 2027.

The scenarios only go forward in time from the server's start, so they are recorded before 8 Jan 2027.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle

from tests.workflows.case import forms
from tests.workflows.case.calendar_2027 import TEST_2027, at
from tests.workflows.case.driver import HEAD1, OFFICER1, OFFICER2, CaseDriver, case_input
from workflows.case.context import PROJECTION_BURST_WINDOW
from workflows.case.events import PartyEvent, Payment
from workflows.case.extensions import ExtensionRequest
from workflows.case.model import Actor, CaseInput, CaseSummary, DeadlineStatus, DeadlineView, Stage, TaskView
from workflows.case.stages.deferral import DeferralRequest
from workflows.case.state import CaseState
from workflows.case.workflow import EnforcementCaseWorkflow

if TYPE_CHECKING:
    from tests.histories.record import Recording

VIOLATION = "street_vending_jiaxing"  # as case-paid: a 300-yuan fine is within the benchmark tier
SEIZED_AT = at(2027, 1, 8, 10)  # Fri 8 Jan 2027
SERVED_AT = at(2027, 1, 22, 9)  # Fri 22 Jan 2027
ASKED_AT = at(2027, 2, 1, 10)  # Mon 1 Feb 2027: the extension, the deferral
DEFERRED_TO = at(2027, 3, 15, 17)  # Mon 15 Mar 2027
PAID_AT = at(2027, 3, 1, 10)  # after T15 would have ended (12 Feb), before the deferred date

SEIZURE = {
    "measure": "seize",
    "officers": forms.OFFICERS,
    "approved_by": "u-head1",
    "approval_ref": "KY-SP-2027-1",
    "document_no": "扣〔2027〕1号",
    "reason": "占道经营的经营工具，可能被转移",
    "legal_basis": "《浙江省城市市容和环境卫生管理条例》第十三条；《行政强制法》第二十三条",
    "items": [{"name": "三轮车", "quantity": "1辆", "custody_place": "中队暂扣物品仓库"}],
    "party_signed": True,
}
EXTENSION = {"days": 30, "reason": "案情复杂，需检验", "approval": "agency_head", "record_ref": "YQ-30"}
NOT_ESTABLISHED = {
    "officers": forms.OFFICERS,
    "findings": "现场无法认定占道经营",
    "reason": "证据不足，违法事实不能成立",
}
TERMINATED = {
    "ground": "investigation_terminated",
    "execution_result": "终止调查",
    "archive": {"source_and_filing": ["doc-1"]},
}


# Every act waits for the workflow to finish what the act set off (its workflow tasks and the projection
# activity), and then for a projection burst window to pass with nothing happening: the next act is
# projected by a batch of its own at once, so the history has the same events however fast or slow the
# machine recording it is (time skips past timers, not past an activity still running).
QUIET_POLL_S = 0.02
QUIET_POLLS = 500  # 10 s of real time at most
_E = EventType
OPENS = {_E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED: "workflow task", _E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: "activity"}
CLOSES = {
    **dict.fromkeys(
        (
            _E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
            _E.EVENT_TYPE_WORKFLOW_TASK_FAILED,
            _E.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
        ),
        "workflow task",
    ),
    **dict.fromkeys(
        (
            _E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
            _E.EVENT_TYPE_ACTIVITY_TASK_FAILED,
            _E.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
            _E.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
        ),
        "activity",
    ),
}


class PacedCase:
    """A CaseDriver whose every act (Update, Signal, a move of the clock) is followed by `quiet`."""

    def __init__(self, rec: Recording, case: CaseDriver) -> None:
        self.rec = rec
        self.case = case

    async def idle(self) -> int:
        """Until the history has no workflow task and no activity outstanding; returns its length."""
        for _ in range(QUIET_POLLS):
            outstanding = Counter[str]()
            events = (await self.case.handle.fetch_history()).events
            for event in events:
                if event.event_type in OPENS:
                    outstanding[OPENS[event.event_type]] += 1
                elif event.event_type in CLOSES:
                    outstanding[CLOSES[event.event_type]] -= 1
            if not any(outstanding.values()):
                return len(events)
            await asyncio.sleep(QUIET_POLL_S)
        raise AssertionError(f"{self.case.handle.id} did not settle within {QUIET_POLLS * QUIET_POLL_S:.0f} s")

    async def quiet(self) -> None:
        """Idle, then two burst windows of server time in which nothing happened (a window timer that
        fired meanwhile, and the batch it sent, start the wait again)."""
        length = await self.idle()
        for _ in range(QUIET_POLLS):
            await self.rec.env.sleep(PROJECTION_BURST_WINDOW * 2)
            length, before = await self.idle(), length
            if length == before:
                return
        raise AssertionError(f"{self.case.handle.id} never went quiet")

    async def state(self) -> CaseState:
        return await self.case.state()

    async def task(self, kind: str) -> TaskView:
        return await self.case.task(kind)

    async def complete(self, kind: str, who: Actor, outcome: str, form: dict[str, Any]) -> None:
        await self.case.complete(kind, who, outcome, form)
        await self.quiet()

    async def update(self, update: Any, request: Any) -> None:
        await self.case.handle.execute_update(update, request)
        await self.quiet()

    async def signal(self, signal: Any, arg: Any) -> None:
        await self.case.handle.signal(signal, arg)
        await self.quiet()

    async def sleep_until(self, instant: dt.datetime) -> None:
        await self.case.sleep_until(instant)
        await self.quiet()


async def _start(rec: Recording, when: dt.datetime) -> PacedCase:
    await rec.skip_to(when)
    case: CaseInput = case_input(await rec.now(), violation_code=VIOLATION, calendar=[TEST_2027])
    paced = PacedCase(rec, await rec.start_case(case))
    await paced.quiet()
    return paced


def _clock(state: CaseState, code: str) -> DeadlineView:
    [found] = [d for d in state.deadlines if d.code == code]
    if found.provisional:
        raise AssertionError(f"{code} is provisional: the case's 2027 schedule was not used")
    return found


def _events(state: CaseState, kind: str) -> list[str]:
    return [e.kind for e in state.events if e.kind == kind]


async def _ended(paced: PacedCase, result: str) -> WorkflowHandle[Any, Any]:
    handle = paced.case.handle
    summary: CaseSummary = await handle.result()
    if (summary.stage, summary.result, summary.overdue) != (Stage.CLOSED, result, False):
        raise AssertionError(
            f"{handle.id} ended {summary.stage}/{summary.result} (overdue {summary.overdue}), "
            f"expected closed/{result}, not overdue"
        )
    return handle


async def case_seizure_released(rec: Recording) -> WorkflowHandle[Any, Any]:
    """Filed; the investigators seize an item (T04 opens `decide_seized_items` for the head); the head
    extends T04 once by 30 CD; nobody decides, T04 runs out: the measure is released by law (no 督办),
    `release_seized_items` opens and the items are returned; the investigation then finds no violation
    and the case closes."""
    case = await _start(rec, SEIZED_AT)
    now = await rec.now()
    await case.complete("verify_lead", OFFICER1, "established", forms.established(now))
    await case.complete("approve_filing", HEAD1, "approve", forms.FILING)
    await case.complete("investigate", OFFICER1, "seize", {**SEIZURE, "seized_at": forms.iso(now)})
    t04 = (await case.task("decide_seized_items")).due_at

    await case.sleep_until(ASKED_AT)
    request = ExtensionRequest(actor=OFFICER1, clock="T04", reason="三轮车需检验")
    await case.update(EnforcementCaseWorkflow.request_extension, request)
    await case.complete("approve_extension", HEAD1, "approve", EXTENSION)
    extended = (await case.task("decide_seized_items")).due_at
    if t04 is None or extended is None or extended <= t04:
        raise AssertionError(f"T04 was not extended: {t04} → {extended}")

    await case.sleep_until(extended + dt.timedelta(hours=1))
    await case.task("release_seized_items")
    state = await case.state()
    if _clock(state, "T04").status is not DeadlineStatus.EXPIRED or not _events(state, "measure_released"):
        raise AssertionError(f"T04 did not release the measure: {[e.kind for e in state.events]}")
    if {"decide_seized_items", "escalation"} & {t.kind for t in state.open_tasks}:
        raise AssertionError(f"open after the release: {[t.kind for t in state.open_tasks]}")
    returned = {"released_at": forms.iso(await rec.now()), "document_no": "解扣〔2027〕1号", "returned_to": "张三"}
    await case.complete("release_seized_items", OFFICER2, "released", {**returned, "party_signed": True})

    await case.complete("investigate", OFFICER1, "not_established", NOT_ESTABLISHED)
    await case.complete("approve_closing", HEAD1, "approve", TERMINATED)
    return await _ended(case, "not_established")


async def case_deferral_paid(rec: Recording) -> WorkflowHandle[Any, Any]:
    """The case-paid steps up to a served 300-yuan decision; the party applies for a deferral
    (`request_deferral`), the head approves a new due date; the fine is paid after T15 would have
    ended but before the new date: no surcharge, no reminder; closing approved."""
    case = await _start(rec, SERVED_AT)
    now = await rec.now()
    await case.complete("verify_lead", OFFICER1, "established", forms.established(now))
    await case.complete("approve_filing", HEAD1, "approve", forms.FILING)
    await case.complete("investigate", OFFICER1, "report", forms.report("300"))
    await case.complete(
        "serve_prior_notice", OFFICER2, "served", forms.served(now, document_no="告〔2027〕1号", hearing_right=False)
    )
    await case.signal(
        EnforcementCaseWorkflow.party_event, PartyEvent(kind="waive_statement", at=now, text="放弃陈述申辩")
    )
    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))
    await case.complete("serve_decision", OFFICER1, "served", forms.served(now, document_no="罚〔2027〕1号"))
    t15 = (await case.task("confirm_payment")).due_at

    await case.sleep_until(ASKED_AT)
    request = DeferralRequest(
        actor=OFFICER1,
        arrangement="deferral",
        reason="经营困难，无力一次缴纳",
        applied_at=await rec.now(),
        application_ref="延申〔2027〕1号",
    )
    await case.update(EnforcementCaseWorkflow.request_deferral, request)
    deferral = {"arrangement": "deferral", "reason": "当事人确有经济困难", "new_due_at": forms.iso(DEFERRED_TO)}
    await case.complete("approve_deferral", HEAD1, "approve", deferral)
    moved = _clock(await case.state(), "T15").due_at
    if t15 is None or not t15 < PAID_AT < moved:
        raise AssertionError(f"T15 {t15} → {moved}: the payment on {PAID_AT} must fall between")

    await case.sleep_until(PAID_AT)
    state = await case.state()
    if _events(state, "payment_overdue") or "T16" in {d.code for d in state.deadlines}:
        raise AssertionError("the original T15 end started the surcharge despite the deferral")
    payment = Payment(amount_yuan=Decimal("300"), paid_at=await rec.now(), reference="bank-1")
    await case.signal(EnforcementCaseWorkflow.payment_confirmed, payment)
    await case.task("approve_closing")
    [paid] = [e for e in (await case.state()).events if e.kind == "paid"]
    if Decimal(paid.detail["surcharge_yuan"]) != 0:
        raise AssertionError(f"a surcharge was owed: {paid.detail}")
    await case.complete("approve_closing", HEAD1, "approve", forms.CLOSING)
    return await _ended(case, "paid")
