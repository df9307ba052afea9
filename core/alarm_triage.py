"""Starting and feeding AlarmTriageWorkflow: signal-with-start keyed by (source, violation type, window).

A new alarm signals the triage of its source, violation type (or rule) and time window, starting it
if it is not running: the readings storm of one restaurant's fume sensor over a day is one triage
(rules/data/alarm_triage.yaml sets the window). Once that triage has ended (a case opened, or the
party corrected), a new alarm in the same window is not triaged again (REJECT_DUPLICATE): it is
marked with the ended triage, whose case already covers it. A cleared alarm is told to its triage,
whose non-contact path may be waiting for exactly that.
"""

from __future__ import annotations

import datetime as dt
import logging

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from core.perception_tables import Alarm, Device
from core.settings import Settings
from rules.alarm_triage import load_triage_policies
from workflows.alarm_model import ALARM_SIGNAL, CLEARED_SIGNAL, AlarmNotice, TriageInput
from workflows.alarm_triage import AlarmTriageWorkflow
from workflows.case.model import Party

log = logging.getLogger("zhifa.alarms")
BEIJING = dt.timezone(dt.timedelta(hours=8))


def notice_of(alarm: Alarm) -> AlarmNotice:
    return AlarmNotice(
        alarm_id=alarm.alarm_id,
        source=alarm.source,
        source_ref=alarm.source_ref,
        rule_code=alarm.rule_code,
        violation_code=alarm.violation_code,
        district_code=alarm.district_code,
        jurisdiction_path=alarm.jurisdiction_path,
        severity=alarm.severity,
        raised_at=alarm.raised_at,
        message=alarm.message,
        values=dict(alarm.values or {}),
        location=dict(alarm.location) if alarm.location else None,
        evidence_sha256=alarm.evidence_sha256,
    )


def triage_workflow_id(alarm: Alarm) -> str:
    """triage/<source ref>/<violation type or rule>/<window start, Beijing time>."""
    policy = load_triage_policies().for_alarm(alarm.rule_code, alarm.violation_code)
    local = alarm.raised_at.astimezone(BEIJING)
    hours = (local.hour // policy.window_hours) * policy.window_hours if policy.window_hours < 24 else 0
    start = local.replace(hour=hours, minute=0, second=0, microsecond=0)
    what = alarm.violation_code or alarm.rule_code
    return f"triage/{alarm.source_ref}/{what}/{start:%Y%m%dT%H}"


def triage_input(alarm: Alarm, device: Device | None, settings: Settings) -> TriageInput:
    policy = load_triage_policies().for_alarm(alarm.rule_code, alarm.violation_code)
    party = Party.model_validate(device.responsible_party) if device and device.responsible_party else None
    path = policy.path if party is not None else "verify"  # nobody to notify: an officer looks
    return TriageInput(
        path=path,
        correction_window_minutes=policy.correction_window_minutes if path == "non_contact" else None,
        party=party,
        site=device.site if device else None,
        documents_task_queue=settings.documents_task_queue or None,
    )


async def start_triage(client: Client, settings: Settings, alarm: Alarm, device: Device | None) -> tuple[str, bool]:
    """Signal-with-start the alarm's triage; (workflow id, whether a triage took the alarm)."""
    workflow_id = triage_workflow_id(alarm)
    try:
        await client.start_workflow(
            AlarmTriageWorkflow.run,
            triage_input(alarm, device, settings),
            id=workflow_id,
            task_queue=settings.task_queue,
            start_signal=ALARM_SIGNAL,
            start_signal_args=[notice_of(alarm)],
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:
        return workflow_id, False  # the window's triage has ended; its outcome covers this alarm
    return workflow_id, True


async def tell_cleared(client: Client, alarm: Alarm) -> None:
    """Tell a running triage that one of its alarms cleared (best effort: the re-check reads the table)."""
    handle = client.get_workflow_handle(triage_workflow_id(alarm))
    try:
        if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await handle.signal(CLEARED_SIGNAL, alarm.alarm_id)
    except RPCError as exc:
        log.info("alarm %s cleared; no running triage told (%s)", alarm.alarm_id, exc)
