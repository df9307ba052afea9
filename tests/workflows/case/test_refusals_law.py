"""The rules of the law refuse what they forbid (two investigators who are one person, an
on-the-spot fine above the limit, too short a hearing notice, a decision while the statement period
runs or heavier than proposed, a fine outside the benchmark without a recorded deviation, an
extension not allowed): with a typed error and a message naming the problem, and changing nothing:
the case's state and the SQL projection rows are the same before and after the refusal. The refused
act is then done right, to show the refusal was about the fault."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rules.deadlines import compute_deadline
from tests.workflows.case import forms
from tests.workflows.case.driver import (
    HEAD1,
    OFFICER1,
    OFFICER2,
    CaseDriver,
)
from tests.workflows.case.flows import (
    VIOLATION,
    StartCase,
    events,
    filed,
    now,
    open_kinds,
    reported,
    start,
    valid,
    waive_statement,
)
from tests.workflows.case.refusing import (
    asking,
    completing,
    completing_kind,
    refused_without_change,
)
from workflows.case.events import PartyEvent
from workflows.case.workflow import EnforcementCaseWorkflow

# ------------------------------------------------------------------------------------------------- helpers


def officer(user_id: str, certificate_no: str, name: str = "王五") -> dict[str, str]:
    return {"user_id": user_id, "name": name, "certificate_no": certificate_no}


async def investigated(case: CaseDriver, fine_yuan: str = "300") -> None:
    await filed(case)
    await case.complete("investigate", OFFICER1, "report", forms.report(fine_yuan))


async def at_hearing(case: CaseDriver) -> dt.datetime:
    """Prior notice with a hearing right served and a hearing requested; returns when."""
    await investigated(case)
    await case.complete(
        "serve_prior_notice", OFFICER2, "served", forms.prior_notice(await now(case), hearing_right=True)
    )
    requested_at = await now(case)
    request = PartyEvent(kind="hearing_request", at=requested_at, text="要求听证")
    await case.handle.signal(EnforcementCaseWorkflow.party_event, request)
    await case.task("schedule_hearing")
    return requested_at


async def after_statement(case: CaseDriver) -> None:
    await reported(case, "300")
    statement = PartyEvent(kind="statement", at=await now(case), text="经济困难，请求从轻")
    await case.handle.signal(EnforcementCaseWorkflow.party_event, statement)
    await case.task("review_statement")


# --------------------------------------------------------------------------- 调查取证 investigation


async def test_the_two_investigating_officers_must_be_two_people(start_case: StartCase) -> None:
    case = await start(start_case)
    await filed(case)
    same_person = [forms.OFFICERS[0], officer("u-officer1", "ZF-0099", "张伟")]  # one officer, two certificates
    attempt = await completing_kind(
        case, "investigate", OFFICER1, "report", {**forms.report(), "officers": same_person}
    )
    await refused_without_change(case, attempt, "LegalRule", "two different officers", "第四十二条")
    failed = {**forms.investigation_failed(), "officers": same_person}
    attempt = await completing_kind(case, "investigate", OFFICER1, "not_established", failed)
    await refused_without_change(case, attempt, "LegalRule", "two different officers")
    await case.complete("investigate", OFFICER1, "report", forms.report())


async def test_the_reporting_officer_must_be_one_of_the_investigators(start_case: StartCase) -> None:
    case = await start(start_case)
    await filed(case)
    others = [forms.OFFICERS[1], officer("u-officer4", "ZF-0004")]
    attempt = await completing_kind(case, "investigate", OFFICER1, "report", {**forms.report(), "officers": others})
    await refused_without_change(case, attempt, "LegalRule", "officer1 is not one of the investigating officers")
    await case.complete("investigate", OFFICER2, "report", {**forms.report(), "officers": others})


# ---------------------------------------------------------------------------- 简易程序 on the spot


async def test_an_on_the_spot_fine_above_200_yuan_for_a_person_is_refused(start_case: StartCase) -> None:
    case = await start(start_case)

    def on_the_spot(fine_yuan: str) -> dict[str, Any]:
        penalty = {"kinds": ["罚款"], "fine_yuan": fine_yuan}
        return valid("verify_lead", "on_the_spot", penalty=penalty, collected_on_the_spot=False, receipt_no=None)

    for fine in ("201", "200.01", "1000"):
        attempt = await completing_kind(case, "verify_lead", OFFICER1, "on_the_spot", on_the_spot(fine))
        await refused_without_change(
            case, attempt, "LegalRule", f"{fine} yuan for a person", "simplified-procedure limit", "第五十一条"
        )
    await case.complete("verify_lead", OFFICER1, "on_the_spot", on_the_spot("200"))  # 二百元以下 includes 200
    assert (await case.state()).decision == {"outcome": "penalty", "penalty": {"kinds": ["罚款"], "fine_yuan": "200"}}


# ------------------------------------------------------------------------------------ 听证 hearing


async def test_a_hearing_needs_seven_working_days_notice(start_case: StartCase) -> None:
    case = await start(start_case)
    await at_hearing(case)
    notice_at = await now(case)
    earliest = compute_deadline("T09", notice_at).due_at
    too_soon = earliest - dt.timedelta(days=1) + dt.timedelta(hours=9)
    attempt = await completing_kind(
        case, "schedule_hearing", OFFICER2, "scheduled", forms.hearing_notice(notice_at, too_soon)
    )
    await refused_without_change(
        case,
        attempt,
        "LegalRule",
        f"may be held from {earliest.date().isoformat()} on",
        f"not {too_soon.date().isoformat()}",
        "七个工作日",
    )
    on_time = earliest + dt.timedelta(hours=9)
    await case.complete("schedule_hearing", OFFICER2, "scheduled", forms.hearing_notice(notice_at, on_time))


async def test_an_investigator_may_not_chair_the_hearing(start_case: StartCase) -> None:
    case = await start(start_case)
    await at_hearing(case)
    notice_at = await now(case)
    hearing_at = compute_deadline("T09", notice_at).due_at + dt.timedelta(hours=9)
    for investigator in ("u-officer1", "u-officer2"):
        form = forms.hearing_notice(notice_at, hearing_at, chair=investigator)
        attempt = await completing_kind(case, "schedule_hearing", OFFICER2, "scheduled", form)
        await refused_without_change(case, attempt, "LegalRule", "chair must not be an investigator", "第六十四条")
    await case.complete("schedule_hearing", OFFICER2, "scheduled", forms.hearing_notice(notice_at, hearing_at))


# ------------------------------------------------------------------------------------- 决定 decision


async def test_no_decision_while_the_statement_period_runs(start_case: StartCase) -> None:
    """处罚法 Arts. 44, 62: while T07 runs (not waived) the process offers no decision at all, so a
    decision sent meanwhile is refused; once T07 has run out the same decision is taken."""
    case = await start(start_case)
    await reported(case, "300")
    state = await case.state()
    statement = next(d for d in state.deadlines if d.code == "T07")
    assert statement.status.value == "running"
    assert "decide" not in open_kinds(state)
    next_id = f"{state.summary.case_id}/{len(events(state, 'task_opened')) + 1:03d}-decide"
    attempt = completing(case, next_id, HEAD1, "penalty", forms.decision("300"))
    await refused_without_change(case, attempt, "TaskNotFound", next_id)

    await case.sleep_until(statement.due_at + dt.timedelta(minutes=1))
    decide = await case.task("decide")
    assert decide.task_id == next_id
    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))


async def test_a_review_never_makes_the_penalty_heavier(start_case: StartCase) -> None:
    case = await start(start_case)
    await after_statement(case)
    heavier = valid("review_statement", "adopted", revised_penalty={"kinds": ["罚款"], "fine_yuan": "400"})
    attempt = await completing_kind(case, "review_statement", OFFICER2, "adopted", heavier)
    await refused_without_change(case, attempt, "LegalRule", "400", "300", "第四十五条")
    lighter = valid("review_statement", "partly_adopted", revised_penalty={"kinds": ["罚款"], "fine_yuan": "250"})
    await case.complete("review_statement", OFFICER2, "partly_adopted", lighter)


async def test_a_decision_after_a_statement_is_never_heavier_than_proposed(start_case: StartCase) -> None:
    case = await start(start_case)
    await after_statement(case)
    await case.complete("review_statement", OFFICER2, "rejected", valid("review_statement", "rejected"))
    attempt = await completing_kind(case, "decide", HEAD1, "penalty", forms.decision("400"))  # inside the tier
    await refused_without_change(case, attempt, "LegalRule", "400 yuan is heavier than the 300 yuan", "第四十五条")
    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))


async def test_a_fine_outside_the_benchmark_needs_a_recorded_deviation(start_case: StartCase) -> None:
    case = await start(start_case)
    await reported(case, "300")
    await waive_statement(case)
    attempt = await completing_kind(case, "decide", HEAD1, "penalty", forms.decision("900"))
    await refused_without_change(
        case, attempt, "LegalRule", VIOLATION, "area_up_to_5", "900", "outside the tier's range", "deviation"
    )
    bad_record = forms.decision("900", deviation={"approval": "collective_discussion", "record_ref": "JT-1"})
    attempt = await completing_kind(case, "decide", HEAD1, "penalty", bad_record)
    await refused_without_change(case, attempt, "FormInvalid", "form.deviation.reason")

    deviation = {"approval": "collective_discussion", "record_ref": "JT-2026-1", "reason": "多次劝导拒不改正，显失公平"}
    await case.complete("decide", HEAD1, "penalty", forms.decision("900", deviation=deviation))
    decision = (await case.state()).decision
    assert decision is not None and decision["penalty"]["fine_yuan"] == "900"
    assert decision["deviation"] == deviation


# ------------------------------------------------------------------------------------ 延期 extensions


async def test_an_agency_head_may_not_ask_for_an_extension(start_case: StartCase) -> None:
    case = await start(start_case)
    await filed(case)
    await refused_without_change(case, asking(case, HEAD1, "T06"), "RoleNotAllowed", "head1", "extension")
    await asking(case, OFFICER1, "T06")()
    await case.task("approve_extension")


async def test_an_extension_of_a_clock_that_is_not_running_is_refused(start_case: StartCase) -> None:
    case = await start(start_case)
    await case.task("verify_lead")
    await refused_without_change(case, asking(case, OFFICER1, "T06"), "LegalRule", "T06 is not running")
    await case.complete("verify_lead", OFFICER1, "established", forms.established(await now(case)))
    await case.task("approve_filing")
    await refused_without_change(case, asking(case, OFFICER1, "T01"), "LegalRule", "T01 is not running")


async def test_a_third_extension_of_the_case_clock_is_refused(start_case: StartCase) -> None:
    case = await start(start_case)
    await filed(case)
    await asking(case, OFFICER1, "T06")()
    first = {"days": 30, "reason": "案情复杂", "approval": "agency_head", "record_ref": "YQ-1"}
    await case.complete("approve_extension", HEAD1, "approve", first)
    await asking(case, OFFICER1, "T06")()
    second = {
        "days": 60,
        "reason": "仍需调查",
        "approval": "collective_discussion",
        "record_ref": "YQ-2",
        "attendees": ["u-head1", "u-head2", "u-head3"],
    }
    await case.complete("approve_extension", HEAD1, "approve", second)
    case_clock = next(d for d in (await case.state()).deadlines if d.code == "T06")
    assert case_clock.extensions == (30, 60)

    await refused_without_change(case, asking(case, OFFICER1, "T06"), "LegalRule", "T06", "every extension", "(2)")
