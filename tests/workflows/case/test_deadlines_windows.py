"""The periods that lapse or close without an escalation fire at the instant the law gives them,
across the Spring Festival and the 调休 weekend days of a 2027 holiday schedule (REFERENCE §1.1
C1–C12, §1.3): T03 先行登记保存 lapses after 7 working days, the T07/T08 statement and hearing-request
windows close after 5 working days, and a hearing needs T09's 7 working days of notice.

Each case is given the invented TEST_2027 schedule (calendar_2027.py) through `CaseInput.calendar`.
The time-skipping server starts at today (late Nov 2026); each test moves its clock to a chosen start
before the case begins, so the hand-counted dates below are fixed. For every timer the due instant is
counted by hand in a comment, checked against `compute_deadline(..., calendar=LegalCalendar([TEST_2027]))`,
and then the case is driven to the point where the clock runs: one minute before the due instant the
effect has not happened; just after `expires_at` it has (polled, bounded: the workflow reacts to the
timer asynchronously)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from tests.workflows.case import forms
from tests.workflows.case.calendar_2027 import at, deadline, end_of
from tests.workflows.case.clocks import (
    MINUTE,
    SECOND,
    CaseEnv,
    assert_fired_on_time,
    clock,
    events,
    eventually,
    file_case,
    hearing,
    now_of,
    open_case,
    open_of,
    prior_notice,
    reach_prior_notice,
    settled_state,
    sleep_to,
)
from tests.workflows.case.driver import HEAD1, OFFICER1, OFFICER2
from tests.workflows.case.flows import StartCase
from workflows.case.events import PartyEvent
from workflows.case.model import DeadlineStatus, Stage, TaskCompletion
from workflows.case.workflow import EnforcementCaseWorkflow

# ------------------------------------------------------------------------------------------------
# T03 先行登记保存: a decision within 7 WD, or the measure lapses by itself; 处罚法 Art. 56, 住建 Art. 19


def preservation(at_: dt.datetime) -> dict[str, Any]:
    return {
        "officers": forms.OFFICERS,
        "reason": "经营工具可能被转移，证据可能灭失",
        "approved_by": "u-head1",
        "approved_at": forms.iso(at_),
        "approval_ref": "BC-2027-1",
        "preserved_at": forms.iso(at_),
        "items": [
            {"name": "三轮车", "quantity": "1辆", "specification": "蓝色", "model": "无", "storage_place": "中队仓库"}
        ],
        "party_signed": True,
    }


async def test_t03_undecided_preservation_lapses_after_7_working_days(case_env: CaseEnv, start_case: StartCase) -> None:
    # Evidence registered Wed 3 Feb 2027. Working days after it: [4–11 Feb 春节], Feb 12 (1), Feb 15–19 (2–6),
    # Sat 20 Feb 调 (7). Without a decision the measure lapses after Sat 20 Feb 2027 23:59:59.
    case = await open_case(case_env, start_case, at(2027, 1, 25, 9))
    await file_case(case)
    preserved_at = await sleep_to(case, at(2027, 2, 3, 10))
    await case.complete("investigate", OFFICER1, "preserve_evidence", preservation(preserved_at))
    t03 = deadline("T03", preserved_at, end_of(2027, 2, 20))
    task = await case.task("decide_preserved_evidence")
    assert task.due_at == t03.due_at
    assert clock(await case.state(), "T03").due_at == t03.due_at

    await sleep_to(case, t03.due_at - MINUTE)
    before = await settled_state(case)
    assert not events(before, "measure_lapsed")
    assert open_of(before, "decide_preserved_evidence")

    await sleep_to(case, t03.expires_at + SECOND)
    after = await eventually(case, "T03 lapse", lambda s: bool(events(s, "measure_lapsed")))
    [lapsed] = events(after, "measure_lapsed", "T03")
    assert lapsed.task_id == task.task_id
    assert_fired_on_time(lapsed, t03)
    assert not open_of(after, "decide_preserved_evidence")  # nothing left to decide
    assert not open_of(after, "escalation") and not after.summary.overdue  # the law lets it lapse: no 督办
    assert open_of(after, "investigate")  # the investigation goes on


# ------------------------------------------------------------------------------------------------
# T07 / T08 陈述申辩 and 听证申请: 5 WD after the prior notice is served; T09 hearing notice ≥ 7 WD


async def test_t07_t08_statement_and_hearing_windows_close_after_5_working_days(
    case_env: CaseEnv, start_case: StartCase
) -> None:
    # Prior notice served Wed 3 Feb 2027 (the eve of the 春节 holiday). Working days after it:
    # [4–11 Feb off], Feb 12 (1), Feb 15, 16, 17, 18 (2–5). Both windows close Thu 18 Feb 2027 23:59:59.
    case = await open_case(case_env, start_case, at(2027, 1, 25, 9))
    await reach_prior_notice(case)
    served_at = await sleep_to(case, at(2027, 2, 3, 10))
    await case.complete("serve_prior_notice", OFFICER2, "served", prior_notice(served_at, hearing_right=True))
    t07 = deadline("T07", served_at, end_of(2027, 2, 18))
    t08 = deadline("T08", served_at, end_of(2027, 2, 18))
    state = await case.state()
    assert (clock(state, "T07").due_at, clock(state, "T08").due_at) == (t07.due_at, t08.due_at)

    await sleep_to(case, t07.due_at - MINUTE)
    before = await settled_state(case)
    assert not events(before, "window_closed")
    assert before.summary.stage is Stage.PRIOR_NOTICE
    # No decision while the windows run: the workflow has not opened the decide step, so a completion
    # aimed at the task it will open is refused (not found).
    assert not open_of(before, "decide")
    decide_id = f"{before.summary.case_id}/{len(events(before, 'task_opened')) + 1:03d}-decide"
    early = TaskCompletion(task_id=decide_id, actor=HEAD1, outcome="penalty", form=forms.decision("300"))
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await case.handle.execute_update(EnforcementCaseWorkflow.complete_task, early)
    assert isinstance(refused.value.cause, ApplicationError) and refused.value.cause.type == "TaskNotFound"

    await sleep_to(case, t07.expires_at + SECOND)
    after = await eventually(case, "both windows closed", lambda s: len(events(s, "window_closed")) == 2)
    for code, due in (("T07", t07), ("T08", t08)):
        [closed] = events(after, "window_closed", code)
        assert_fired_on_time(closed, due)
        assert clock(after, code).status is DeadlineStatus.EXPIRED

    late = await now_of(case)  # the hearing right has lapsed: a late request is only recorded
    await case.handle.signal(EnforcementCaseWorkflow.party_event, PartyEvent(kind="hearing_request", at=late))
    await eventually(case, "late request recorded", lambda s: bool(events(s, "party_event_outside_window")))
    assert (await case.task("decide")).task_id == decide_id
    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))  # now allowed
    assert (await case.state()).summary.stage is Stage.SERVICE
    assert not open_of(await case.state(), "schedule_hearing")


async def test_t09_hearing_needs_7_working_days_notice(case_env: CaseEnv, start_case: StartCase) -> None:
    # Hearing notice served Wed 3 Feb 2027. 7 WD after it: Feb 12 (1), Feb 15–19 (2–6), Sat 20 Feb 调 (7);
    # the hearing may be held from Sun 21 Feb 2027 00:00 (the hearing day is not one of the seven).
    # One day earlier (Sat 20 Feb 00:00) is refused, and so is the last second before the earliest instant.
    case = await open_case(case_env, start_case, at(2027, 1, 25, 9))
    await reach_prior_notice(case)
    served_at = await sleep_to(case, at(2027, 2, 1, 10))
    await case.complete("serve_prior_notice", OFFICER2, "served", prior_notice(served_at, hearing_right=True))
    requested_at = await sleep_to(case, at(2027, 2, 2, 10))
    await case.handle.signal(
        EnforcementCaseWorkflow.party_event, PartyEvent(kind="hearing_request", at=requested_at, text="申请听证")
    )
    notice_at = await sleep_to(case, at(2027, 2, 3, 15))
    await case.task("schedule_hearing")
    earliest = deadline("T09", notice_at, at(2027, 2, 21))

    for too_early in (earliest.due_at - dt.timedelta(days=1), earliest.due_at - SECOND):
        refusal = await case.refused("schedule_hearing", OFFICER1, "scheduled", hearing(notice_at, too_early))
        assert refusal.type == "LegalRule", refusal
        assert "2027-02-21" in str(refusal)
    await case.complete("schedule_hearing", OFFICER1, "scheduled", hearing(notice_at, earliest.due_at))
    await case.task("record_hearing")
