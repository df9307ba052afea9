"""The limits the law puts on the decision beyond the forms: the 处罚法 Art. 45 ceiling after a
statement or a hearing, lowered by an adopted review; a major case decided as the collective
discussion decided (Art. 57 para 2); on-the-spot collection only within Art. 68."""

import datetime as dt

from rules.deadlines import compute_deadline
from tests.workflows.case import forms
from tests.workflows.case.driver import HEAD1, OFFICER1, OFFICER2, REVIEWER1
from tests.workflows.case.flows import (
    DISCUSSION_ATTENDEES,
    StartCase,
    assert_closed,
    events,
    filed,
    finished,
    iso,
    now,
    reported,
    serve_pay_and_close,
    start,
    valid,
    waive_statement,
)
from workflows.case.events import PartyEvent
from workflows.case.workflow import EnforcementCaseWorkflow


async def test_after_a_hearing_the_decision_may_not_be_heavier_than_proposed(start_case: StartCase) -> None:
    case = await start(start_case)
    await filed(case)
    await case.complete("investigate", OFFICER1, "report", forms.report("300"))
    await case.complete(
        "serve_prior_notice", OFFICER2, "served", forms.prior_notice(await now(case), hearing_right=True)
    )
    request = PartyEvent(kind="hearing_request", at=await now(case), text="要求听证")
    await case.handle.signal(EnforcementCaseWorkflow.party_event, request)
    notice_at = await now(case)
    hearing_at = compute_deadline("T09", notice_at).due_at + dt.timedelta(hours=9)
    await case.complete("schedule_hearing", OFFICER2, "scheduled", forms.hearing_notice(notice_at, hearing_at))
    ended_at = hearing_at + dt.timedelta(hours=2)
    await case.sleep_until(ended_at)
    await case.complete("record_hearing", OFFICER2, "held", forms.hearing_held(hearing_at, ended_at))

    refusal = await case.refused("decide", HEAD1, "penalty", forms.decision("400"))
    assert refusal.type == "LegalRule" and "第四十五条" in str(refusal)
    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))


async def test_an_adopted_review_lowers_the_ceiling_of_the_decision(start_case: StartCase) -> None:
    case = await start(start_case)
    await reported(case, "400")
    statement = PartyEvent(kind="statement", at=await now(case), text="初次违法，已改正")
    await case.handle.signal(EnforcementCaseWorkflow.party_event, statement)
    review = valid("review_statement", "adopted", revised_penalty={"kinds": ["罚款"], "fine_yuan": "250"})
    await case.complete("review_statement", OFFICER2, "adopted", review)

    refusal = await case.refused("decide", HEAD1, "penalty", forms.decision("300"))
    assert refusal.type == "LegalRule" and "250" in str(refusal)
    await case.complete("decide", HEAD1, "penalty", forms.decision("250"))
    assert_closed(await serve_pay_and_close(case, "250"), "paid")


async def test_a_major_case_is_decided_as_the_collective_discussion_decided(start_case: StartCase) -> None:
    case = await start(start_case)
    await filed(case)
    await case.complete("investigate", OFFICER1, "report", forms.major_report("300"))
    await case.complete("legal_review", REVIEWER1, "agree", valid("legal_review", "agree"))
    await case.complete("serve_prior_notice", OFFICER2, "served", forms.prior_notice(await now(case)))
    await waive_statement(case)
    discussion = valid(
        "collective_discussion",
        "penalty",
        held_at=iso(await now(case)),
        presided_by="u-head1",
        attendees=DISCUSSION_ATTENDEES,
        penalty={"kinds": ["罚款"], "fine_yuan": "300"},
    )
    await case.complete("collective_discussion", HEAD1, "penalty", discussion)

    other_fine = await case.refused("decide", HEAD1, "penalty", forms.decision("400"))
    assert other_fine.type == "LegalRule" and "300" in str(other_fine)
    other_outcome = await case.refused("decide", HEAD1, "no_penalty", valid("decide", "no_penalty"))
    assert other_outcome.type == "LegalRule" and "第五十七条" in str(other_outcome)
    await case.complete("decide", HEAD1, "penalty", forms.decision("300"))


async def test_on_the_spot_collection_is_limited_to_100_yuan(start_case: StartCase) -> None:
    case = await start(start_case)
    penalty = {"kinds": ["罚款"], "fine_yuan": "150"}
    over = valid("verify_lead", "on_the_spot", penalty=penalty, collected_on_the_spot=True, receipt_no="R-9")
    refusal = await case.refused("verify_lead", OFFICER1, "on_the_spot", over)
    assert refusal.type == "LegalRule" and "第六十八条" in str(refusal)

    within = {**over, "penalty": {"kinds": ["罚款"], "fine_yuan": "100"}}
    await case.complete("verify_lead", OFFICER1, "on_the_spot", within)
    # collected with a fiscal receipt: nothing left to pay; closing waits only for the filing (T13)
    filing = await case.task("file_on_the_spot_decision")
    assert "approve_closing" not in {t.kind for t in (await case.state()).open_tasks}
    await case.complete("file_on_the_spot_decision", OFFICER1, "filed", valid("file_on_the_spot_decision", "filed"))
    await case.task("approve_closing")
    assert filing.deadline_code == "T13"
    state = await case.state()
    assert events(state, "paid")[0].detail["fine_yuan"] == "100"
    await case.complete("approve_closing", HEAD1, "approve", forms.CLOSING)
    assert_closed(await finished(case), "paid")
