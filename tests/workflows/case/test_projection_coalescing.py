"""Projections leave the Update path: a quiet case projects each change at once; a burst of
changes within PROJECTION_BURST_WINDOW of the last batch goes to SQL as one batch at the window's
end — while the case is still open, not only when it finishes."""

import asyncio
import datetime as dt
import itertools

from sqlmodel import Session, select
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent

from core.case_tables import CaseRecord, CaseTask
from core.db import get_engine
from tests.workflows.case import forms
from tests.workflows.case.driver import HEAD1, OFFICER1, CaseDriver, case_input
from workflows.case.context import PROJECTION_BURST_WINDOW


async def _history(case: CaseDriver) -> list[HistoryEvent]:
    return list((await case.handle.fetch_history()).events)


def _projections(events: list[HistoryEvent]) -> list[HistoryEvent]:
    scheduled = EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    return [
        e
        for e in events
        if e.event_type == scheduled and e.activity_task_scheduled_event_attributes.activity_type.name == "project_case"
    ]


def _window_timers(events: list[HistoryEvent]) -> list[HistoryEvent]:
    started = EventType.EVENT_TYPE_TIMER_STARTED
    window = PROJECTION_BURST_WINDOW.total_seconds()
    return [
        e
        for e in events
        if e.event_type == started
        and e.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta().total_seconds() <= window
    ]


async def _projected(case_id: str, stage: str, open_kind: str) -> bool:
    """Poll SQL (real time, bounded) until the case row and the open task show up."""
    for _ in range(100):
        with Session(get_engine()) as session:
            record = session.get(CaseRecord, case_id)
            tasks = session.exec(select(CaseTask).where(CaseTask.case_id == case_id, CaseTask.status == "open")).all()
            if record is not None and record.stage == stage and [t.kind for t in tasks] == [open_kind]:
                return True
        await asyncio.sleep(0.1)
    return False


async def test_a_burst_of_updates_reaches_sql_in_one_batch_while_the_case_runs(start_case) -> None:  # type: ignore[no-untyped-def]
    case = await start_case(case_input(dt.datetime.now(dt.UTC), violation_code="street_vending_jiaxing"))
    case_id = (await case.state()).summary.case_id
    assert await _projected(case_id, "verification", "verify_lead")  # the opening batch went at once
    now = await case.env.get_current_time()

    await case.complete("verify_lead", OFFICER1, "established", forms.established(now))
    await case.complete("approve_filing", HEAD1, "approve", forms.FILING)
    await case.task("investigate")

    assert await _projected(case_id, "investigation", "investigate"), "the burst never reached SQL"
    events = await _history(case)
    projections = _projections(events)
    # however fast or slow this machine ran the burst, no two batches went closer than the window
    times = [e.event_time.ToDatetime() for e in projections]
    assert all(later - earlier >= PROJECTION_BURST_WINDOW for earlier, later in itertools.pairwise(times))
    assert len(projections) < 1 + 2 + 2, "each change (opening, 2 updates, 2 tasks opened) went on its own"


async def test_a_change_after_a_quiet_spell_is_projected_in_the_same_workflow_task(start_case) -> None:  # type: ignore[no-untyped-def]
    case = await start_case(case_input(dt.datetime.now(dt.UTC), violation_code="street_vending_jiaxing"))
    case_id = (await case.state()).summary.case_id
    assert await _projected(case_id, "verification", "verify_lead")
    await case.env.sleep(PROJECTION_BURST_WINDOW * 3)
    now = await case.env.get_current_time()
    before = len(await _history(case))

    await case.complete("verify_lead", OFFICER1, "established", forms.established(now))
    await case.task("approve_filing")

    after = (await _history(case))[before:]
    assert _projections(after), "the update's change was not projected"
    assert not _window_timers(after), "a lone change waited out a burst window"
    assert await _projected(case_id, "filing", "approve_filing")
