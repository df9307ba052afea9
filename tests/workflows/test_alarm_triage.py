"""AlarmTriageWorkflow on the time-skipping server, with the real case workflow, the real triage and
projection activities and the real PostgreSQL: the non-contact path (notice, correction window,
re-check), the verification path (a case at 初查核实 with the alarm's evidence in it), and a storm of
alarms in one window being one triage."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlmodel import Session, select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from core.alarm_triage import start_triage, tell_cleared
from core.db import get_engine
from core.docstore import LocalDirStore
from core.evidence_tables import Evidence
from core.perception_tables import Alarm, AlarmTransition
from core.settings import Settings, get_settings
from ledger.tables import LedgerLeaf
from tests.workflows.alarm_support import (
    PARTY,
    QINGHE,
    alarm_row,
    clear_alarm,
    device,
    raise_alarm,
    result_of,
)
from workflows.case.workflow import EnforcementCaseWorkflow


async def test_non_contact_the_party_corrects_within_the_window(
    db: str, env: tuple[WorkflowEnvironment, Client]
) -> None:
    server, client = env
    fume = device(db)
    now = await server.get_current_time()
    alarm = raise_alarm(db, fume, "fume_over_limit", "restaurant_fumes", now)
    workflow_id, taken = await start_triage(client, get_settings(), alarm, fume)
    assert taken
    await server.sleep(dt.timedelta(minutes=30))  # the party fixes the purifier; the sensor clears
    cleared = clear_alarm(db, alarm, await server.get_current_time())
    await tell_cleared(client, cleared)
    result = await result_of(client, workflow_id)
    assert (result.outcome, result.case_id) == ("corrected", None)
    assert alarm_row(db, alarm.alarm_id).outcome == "corrected"
    with Session(get_engine(db)) as session:
        notified = session.exec(
            select(AlarmTransition).where(
                AlarmTransition.alarm_id == alarm.alarm_id, AlarmTransition.kind == "notified"
            )
        ).one()
        assert notified.detail["party"] == PARTY["name"] and notified.detail["correction_window_minutes"] == 120


async def test_non_contact_still_in_violation_after_the_window_opens_a_case_with_the_readings(
    db: str, env: tuple[WorkflowEnvironment, Client]
) -> None:
    server, client = env
    fume = device(db)
    alarm = raise_alarm(db, fume, "fume_over_limit", "restaurant_fumes", await server.get_current_time())
    workflow_id, _ = await start_triage(client, get_settings(), alarm, fume)
    await server.sleep(dt.timedelta(minutes=121))  # the correction window runs out; the sensor still exceeds
    result = await result_of(client, workflow_id)
    assert result.outcome == "case_opened" and result.case_id is not None
    assert result.notified_at is not None
    case = client.get_workflow_handle(result.case_id)
    state = await case.query(EnforcementCaseWorkflow.state)
    assert [t.kind for t in state.open_tasks] == ["verify_lead"]  # the officer's verification: 初查核实
    assert state.summary.source == "alarm"
    assert alarm_row(db, alarm.alarm_id).case_id == result.case_id
    with Session(get_engine(db)) as session:
        [evidence] = session.exec(select(Evidence).where(Evidence.case_id == result.case_id)).all()
        assert (evidence.kind, evidence.source, evidence.media_type) == (
            "sensor_reading",
            "perception",
            "application/json",
        )
        assert session.exec(select(LedgerLeaf).where(LedgerLeaf.entry_key == f"evidence/{evidence.evidence_id}")).one()


async def test_verify_path_opens_the_case_at_once_with_the_snapshot(
    db: str, env: tuple[WorkflowEnvironment, Client]
) -> None:
    server, client = env
    camera = device(db, kind="camera", party=False)
    snapshot = b"\xff\xd8\xff\xe0 parked car snapshot"
    sha = LocalDirStore(get_settings().effective_document_dir).put(snapshot)
    alarm = raise_alarm(
        db, camera, "street_vending", "street_vending_jiaxing", await server.get_current_time(), evidence_sha256=sha
    )
    workflow_id, _ = await start_triage(client, get_settings(), alarm, camera)
    result = await result_of(client, workflow_id)
    assert result.outcome == "case_opened" and result.notified_at is None
    with Session(get_engine(db)) as session:
        [evidence] = session.exec(select(Evidence).where(Evidence.case_id == result.case_id)).all()
        assert (evidence.kind, evidence.sha256, evidence.size) == (
            "photo",
            hashlib.sha256(snapshot).hexdigest(),
            len(snapshot),
        )


async def test_a_storm_in_one_window_is_one_triage(db: str, env: tuple[WorkflowEnvironment, Client]) -> None:
    server, client = env
    fume = device(db)
    first = raise_alarm(db, fume, "fume_over_limit", "restaurant_fumes", await server.get_current_time())
    workflow_id, taken = await start_triage(client, get_settings(), first, fume)
    clear_alarm(db, first, await server.get_current_time())  # cleared, but not told: the re-check reads the table
    second = raise_alarm(db, fume, "fume_over_limit", "restaurant_fumes", await server.get_current_time())
    again_id, taken_again = await start_triage(client, get_settings(), second, fume)
    assert again_id == workflow_id and taken and taken_again
    await server.sleep(dt.timedelta(minutes=121))
    result = await result_of(client, workflow_id)
    assert result.outcome == "case_opened" and result.alarm_ids == [first.alarm_id, second.alarm_id]
    late = raise_alarm(db, fume, "fume_purifier_off", "restaurant_fumes", first.raised_at)  # same window
    late_id, taken_late = await start_triage(client, get_settings(), late, fume)
    assert late_id == workflow_id and not taken_late  # the window's triage has ended: its case covers it


def test_the_window_key(db: str) -> None:
    fume, camera = device(db), device(db, kind="camera", party=False)
    at = dt.datetime(2026, 11, 26, 17, 30, tzinfo=dt.UTC)  # 01:30 next day in Beijing
    from core.alarm_triage import triage_input, triage_workflow_id

    alarm = Alarm(alarm_id="a", source="sensor", source_ref=fume.device_id, rule_code="fume_over_limit",
                  violation_code="restaurant_fumes", kind="fume", district_code="990102", jurisdiction_path=QINGHE,
                  severity="WARNING", raised_at=at, updated_at=at)  # fmt: skip
    assert triage_workflow_id(alarm) == f"triage/{fume.device_id}/restaurant_fumes/20261127T00"
    parked = alarm.model_copy(update={"source_ref": camera.device_id, "rule_code": "vehicle_illegal_parking"})
    assert triage_workflow_id(parked) == f"triage/{camera.device_id}/restaurant_fumes/20261127T00"
    settings = Settings()
    assert triage_input(alarm, fume, settings).path == "non_contact"
    assert triage_input(alarm, camera, settings).path == "verify"  # nobody to notify
