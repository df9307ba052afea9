"""T04 查封、扣押: a seal-up or seizure needs a decision on the items within 30 CD of the seizure
decision, once extendable by up to 30 CD by the agency head (强制法 Art. 25); with no decision in time
the measure is released by law and the items go back at once (强制法 Arts. 27, 28 (4) and para 2;
安阳条例 Art. 27) — no escalation, and the investigation goes on beside it.

The dated scenarios run on the TEST_2027 schedule (calendar_2027.py): seized Fri 8 Jan 2027, 30 CD
end on Sun 7 Feb, inside 春节 (4–11 Feb), so T04 rolls over to Fri 12 Feb 2027 23:59:59 (C10); with
the head's 30 CD extension it ends on Tue 9 Mar 2027 23:59:59."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.workflows.case import forms
from tests.workflows.case.calendar_2027 import D, at, deadline, end_of
from tests.workflows.case.clocks import (
    MINUTE,
    SECOND,
    CaseEnv,
    assert_fired_on_time,
    clock,
    events,
    eventually,
    extension,
    file_case,
    now_of,
    open_case,
    open_of,
    settled_state,
    sleep_to,
)
from tests.workflows.case.driver import DISTRICT_A, HEAD1, LEADER1, OFFICER1, OFFICER2, CaseDriver
from tests.workflows.case.flows import StartCase
from tests.workflows.case.refusing import asking, completing_kind, refused_without_change
from workflows.case.extensions import ExtensionRequest
from workflows.case.model import DeadlineStatus, TaskStatus
from workflows.case.workflow import EnforcementCaseWorkflow

SEIZED_AT = at(2027, 1, 8, 10)  # Fri 8 Jan 2027


def seizure(at_: dt.datetime) -> dict[str, Any]:
    """查封（扣押）决定书 and 清单, done by the two investigating officers with the head's approval."""
    return {
        "measure": "seize",
        "officers": forms.OFFICERS,
        "approved_by": "u-head1",
        "approval_ref": "KY-SP-2027-1",
        "document_no": "扣〔2027〕1号",
        "seized_at": forms.iso(at_),
        "reason": "占道经营的经营工具，可能被转移",
        "legal_basis": "《浙江省城市市容和环境卫生管理条例》第十三条；《行政强制法》第二十三条",
        "items": [{"name": "三轮车", "quantity": "1辆", "custody_place": "中队暂扣物品仓库"}],
        "party_signed": True,
    }


def decided(at_: dt.datetime, outcome: str) -> dict[str, Any]:
    if outcome == "confiscate":
        return {"decided_at": forms.iso(at_), "decision_text": "没收三轮车一辆", "penalty_document_no": "罚〔2027〕1号"}
    return {"decided_at": forms.iso(at_), "ground": "decided", "decision_text": "解除扣押", "document_no": "解扣-1"}


async def seized(case_env: CaseEnv, start_case: StartCase) -> tuple[CaseDriver, dt.datetime]:
    """A case filed and an item seized on SEIZED_AT; returns the case and the seizure instant."""
    case = await open_case(case_env, start_case, SEIZED_AT)
    await file_case(case)
    seized_at = await now_of(case)
    await case.complete("investigate", OFFICER1, "seize", seizure(seized_at))
    return case, seized_at


async def test_t04_a_seizure_decided_in_time_meets_its_clock(case_env: CaseEnv, start_case: StartCase) -> None:
    case, seized_at = await seized(case_env, start_case)
    t04 = deadline("T04", seized_at, end_of(2027, 2, 12))
    assert t04.rolled_over_from == D(2027, 2, 7)  # 30 CD end inside 春节: rolled to the next working day
    decision = await case.task("decide_seized_items")
    assert (decision.deadline_code, decision.due_at, decision.candidate_roles) == ("T04", t04.due_at, ("agency_head",))
    assert clock(await case.state(), "T04").due_at == t04.due_at
    await case.task("investigate")  # the investigation goes on beside the seizure

    decided_at = await sleep_to(case, at(2027, 2, 1, 10))
    await case.complete("decide_seized_items", HEAD1, "confiscate", decided(decided_at, "confiscate"))
    met = await eventually(case, "T04 met", lambda s: clock(s, "T04").status is DeadlineStatus.MET)
    assert not open_of(met, "decide_seized_items")

    await sleep_to(case, t04.expires_at + MINUTE)
    after = await settled_state(case)
    assert clock(after, "T04").status is DeadlineStatus.MET
    assert not events(after, "measure_released")
    assert not open_of(after, "release_seized_items") and not open_of(after, "escalation")


async def test_t04_an_undecided_seizure_is_released_when_the_period_ends(
    case_env: CaseEnv, start_case: StartCase
) -> None:
    case, seized_at = await seized(case_env, start_case)
    t04 = deadline("T04", seized_at, end_of(2027, 2, 12))
    decision = await case.task("decide_seized_items")

    await sleep_to(case, t04.due_at - MINUTE)
    before = await settled_state(case)
    assert not events(before, "measure_released")
    assert open_of(before, "decide_seized_items") and not open_of(before, "release_seized_items")

    await sleep_to(case, t04.expires_at + SECOND)
    after = await eventually(case, "T04 release", lambda s: bool(events(s, "measure_released")))
    [released] = events(after, "measure_released", "T04")
    assert released.task_id == decision.task_id
    assert_fired_on_time(released, t04)
    assert released.legal_basis is not None and "行政强制法 第二十五条" in released.legal_basis
    assert clock(after, "T04").status is DeadlineStatus.EXPIRED
    assert not open_of(after, "decide_seized_items")  # nothing left to decide: the measure is released
    [release] = open_of(after, "release_seized_items")  # the items go back at once (强制法 Art. 28 para 2)
    assert (release.jurisdiction_path, release.candidate_roles) == (DISTRICT_A, ("officer", "squad_leader"))
    assert not open_of(after, "escalation") and not after.summary.overdue  # released by law, not supervised
    assert open_of(after, "investigate")  # the investigation goes on

    returned_at = await now_of(case)
    form = {"released_at": forms.iso(returned_at), "document_no": "解扣〔2027〕1号", "returned_to": "张三"}
    done = await case.complete("release_seized_items", OFFICER2, "released", {**form, "party_signed": True})
    assert (done.task.status, done.task.outcome) == (TaskStatus.COMPLETED, "released")


async def test_t04_extended_once_by_the_head_then_decided(case_env: CaseEnv, start_case: StartCase) -> None:
    case, seized_at = await seized(case_env, start_case)
    t04 = deadline("T04", seized_at, end_of(2027, 2, 12))
    extended = deadline("T04", seized_at, end_of(2027, 3, 9), extensions=[30])

    await sleep_to(case, at(2027, 2, 1, 10))  # 情况复杂: the officers ask, the head approves +30 CD
    await case.handle.execute_update(
        EnforcementCaseWorkflow.request_extension, ExtensionRequest(actor=OFFICER1, clock="T04", reason="需检验")
    )
    await case.complete("approve_extension", HEAD1, "approve", extension(30))
    state = await case.state()
    assert (clock(state, "T04").due_at, clock(state, "T04").extensions) == (extended.due_at, (30,))
    assert (await case.task("decide_seized_items")).due_at == extended.due_at  # the task carries the new date
    [granted] = events(state, "deadline_extended")
    assert (granted.actor, granted.detail["clock"], granted.detail["days"]) == ("head1", "T04", 30)

    # the extension is once only (强制法 Art. 25 para 1)
    await refused_without_change(case, asking(case, OFFICER1, "T04"), "LegalRule", "T04", "every extension", "(1)")

    await sleep_to(case, t04.expires_at + MINUTE)  # the original end passes quietly
    quiet = await settled_state(case)
    assert not events(quiet, "measure_released") and open_of(quiet, "decide_seized_items")

    decided_at = await sleep_to(case, at(2027, 3, 8, 10))
    await case.complete("decide_seized_items", HEAD1, "release", decided(decided_at, "release"))
    await eventually(case, "T04 met", lambda s: clock(s, "T04").status is DeadlineStatus.MET)
    await sleep_to(case, extended.expires_at + MINUTE)
    after = await settled_state(case)
    assert clock(after, "T04").status is DeadlineStatus.MET
    assert not events(after, "measure_released") and not open_of(after, "release_seized_items")


async def test_t04_extension_by_anyone_but_the_head_is_refused(case_env: CaseEnv, start_case: StartCase) -> None:
    case, seized_at = await seized(case_env, start_case)
    t04 = deadline("T04", seized_at, end_of(2027, 2, 12))
    await refused_without_change(case, asking(case, HEAD1, "T04"), "RoleNotAllowed", "head1", "extension")
    await asking(case, OFFICER1, "T04")()

    by_leader = await completing_kind(case, "approve_extension", LEADER1, "approve", extension(30))
    await refused_without_change(case, by_leader, "RoleNotAllowed", "leader1", "agency_head")
    collective = await completing_kind(
        case, "approve_extension", HEAD1, "approve", extension(30, approval="collective_discussion")
    )
    await refused_without_change(case, collective, "LegalRule", "T04", "agency_head", "collective_discussion")
    too_long = await completing_kind(case, "approve_extension", HEAD1, "approve", extension(31))
    await refused_without_change(case, too_long, "LegalRule", "T04", "at most 30")

    state = await case.state()
    assert (clock(state, "T04").due_at, clock(state, "T04").extensions) == (t04.due_at, ())
    assert not events(state, "deadline_extended")


async def test_a_seizure_by_an_officer_not_named_on_it_is_refused(start_case: StartCase, case_env: CaseEnv) -> None:
    case = await open_case(case_env, start_case, SEIZED_AT)
    await file_case(case)
    form = seizure(await now_of(case))
    others = [{"user_id": "u-officer2", "certificate_no": "ZF-0002"}, {"user_id": "u-officer9", "certificate_no": "9"}]
    attempt = await completing_kind(case, "investigate", OFFICER1, "seize", {**form, "officers": others})
    await refused_without_change(case, attempt, "LegalRule", "officer1", "not one of the investigating officers")
    unsigned = await completing_kind(case, "investigate", OFFICER1, "seize", {**form, "party_signed": False})
    await refused_without_change(case, unsigned, "FormInvalid", "refusal_note", "witness")
    assert "T04" not in {d.code for d in (await case.state()).deadlines}
