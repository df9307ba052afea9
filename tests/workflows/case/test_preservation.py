"""T03: evidence registered for preservation needs a decision within 7 WD, or the measure lapses by
itself (处罚法 Art. 56; 住建 Art. 19) — no escalation, the investigation goes on."""

import asyncio
import datetime as dt
from typing import Any

from rules.deadlines import compute_deadline
from tests.workflows.case import forms
from tests.workflows.case.driver import HEAD1, OFFICER1, CaseDriver, case_input


def preservation(at: dt.datetime) -> dict[str, Any]:
    return {
        "officers": forms.OFFICERS,
        "reason": "经营工具可能被转移，证据可能灭失",
        "approved_by": "u-head1",
        "approved_at": at.isoformat(),
        "approval_ref": "BC-1",
        "preserved_at": at.isoformat(),
        "items": [
            {"name": "三轮车", "quantity": "1辆", "specification": "蓝色", "model": "无", "storage_place": "中队仓库"}
        ],
        "party_signed": True,
    }


async def _preserved(start_case: Any) -> tuple[CaseDriver, dt.datetime]:
    case = await start_case(case_input(dt.datetime.now(dt.UTC), violation_code="street_vending_jiaxing"))
    now = await case.env.get_current_time()
    await case.complete("verify_lead", OFFICER1, "established", forms.established(now))
    await case.complete("approve_filing", HEAD1, "approve", forms.FILING)
    await case.complete("investigate", OFFICER1, "preserve_evidence", preservation(now))
    return case, now


async def _events(case: CaseDriver) -> list[str]:
    return [e.kind for e in (await case.state()).events]


async def test_an_undecided_preservation_lapses_at_the_end_of_the_seventh_working_day(start_case: Any) -> None:
    case, preserved_at = await _preserved(start_case)
    decision = await case.task("decide_preserved_evidence")
    expected = compute_deadline("T03", preserved_at)
    assert decision.due_at == expected.due_at
    await case.task("investigate")  # the investigation goes on beside the preservation

    await case.sleep_until(expected.due_at - dt.timedelta(minutes=1))
    assert "measure_lapsed" not in await _events(case)
    await case.sleep_until(expected.expires_at + dt.timedelta(minutes=1))
    for _ in range(100):
        if "measure_lapsed" in await _events(case):
            break
        await asyncio.sleep(0.05)
    state = await case.state()
    assert "measure_lapsed" in [e.kind for e in state.events]
    open_kinds = [t.kind for t in state.open_tasks]
    assert "decide_preserved_evidence" not in open_kinds
    assert "escalation" not in open_kinds  # the law lets the measure lapse; nothing to supervise


async def test_a_timely_decision_stops_the_clock(start_case: Any) -> None:
    case, now = await _preserved(start_case)
    form = {"decided_at": now.isoformat(), "decision_text": "拍照录像后解除", "document_no": "处-1"}
    await case.complete("decide_preserved_evidence", HEAD1, "released", form)
    for _ in range(100):
        t03 = [d for d in (await case.state()).deadlines if d.code == "T03"]
        if t03 and t03[0].status.value == "met":
            break
        await asyncio.sleep(0.05)
    assert t03[0].status.value == "met"
    await case.sleep_until(compute_deadline("T03", now).expires_at + dt.timedelta(hours=1))
    assert "measure_lapsed" not in await _events(case)
