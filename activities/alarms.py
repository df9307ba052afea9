"""The alarm triage workflow's side effects: the non-contact notice, the re-check, opening the case with
its evidence attached, and the outcome on the alarm rows.

Opening the case starts an EnforcementCaseWorkflow (source ``alarm``) by its case id — idempotent,
so a retried activity joins the case it started — and enters the alarm's evidence into it: the
snapshot a camera took (already in the store, by its SHA-256), or for a sensor the alarm's readings
as a JSON file; each becomes a ledger leaf like any evidence (core.evidence.record_evidence,
source ``perception``), and the case hears of it (`evidence_recorded`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError

from activities.documents import document_store
from core.alarms import record_outcome, transitions
from core.db import get_engine
from core.evidence import EvidenceMetadata, StoredFile, record_evidence, recorded_signal
from core.notices import NoticeRefused, NoticeUndelivered, deliver, notice_payload
from core.perception_tables import Alarm, AlarmTransition
from core.settings import get_settings
from ledger.service import get_ledger
from workflows.alarm_model import AlarmNotice, OpenCaseRequest, TriageInput, TriageResult
from workflows.case.events import EvidenceRecorded
from workflows.case.model import CaseInput
from workflows.case.workflow import EnforcementCaseWorkflow

OPEN_STATES = ("active", "acknowledged")


@activity.defn(name="notify_party")
async def notify_party(notice: AlarmNotice, request: TriageInput) -> bool:
    """Tell the responsible party (责令改正告知, 处罚法 Art. 41 para 3): through the messaging gateway when one is
    configured (core/notices.py; retried while it is down, never when it refuses the notice), then record the
    notice on the alarm's history. Without a gateway the record says the notice was not delivered."""
    settings = get_settings()
    now = dt.datetime.now(dt.UTC)
    detail: dict[str, Any] = {
        "party": request.party.name if request.party else None,
        "site": request.site,
        "correction_window_minutes": request.correction_window_minutes,
        "message": notice.message,
    }
    if settings.notice_webhook_url:
        payload = notice_payload(notice, request, now)
        secret = settings.notice_webhook_secret.get_secret_value()
        try:
            delivery = await asyncio.to_thread(
                deliver, settings.notice_webhook_url, secret, payload, settings.notice_webhook_timeout_seconds
            )
        except NoticeRefused as exc:
            raise ApplicationError(str(exc), type="NoticeRefused", non_retryable=True) from exc
        except NoticeUndelivered as exc:
            raise ApplicationError(str(exc), type="NoticeUndelivered") from exc
        detail |= {
            "channel": "webhook",
            "status": delivery.status,
            "reference": delivery.reference,
            "delivered_at": now.isoformat(),
            "text": payload["text"],
            "correct_by": payload["correct_by"],
        }
    else:
        detail["channel"] = "recorded only (no delivery channel configured)"

    def write() -> None:
        with Session(get_engine()) as session:
            if _recorded(session, notice.alarm_id, "notified"):
                return  # a retry after the record was written: one notice, one record
            session.add(
                AlarmTransition(
                    alarm_id=notice.alarm_id,
                    kind="notified",
                    severity=notice.severity,
                    actor="triage",
                    at=now,
                    detail=detail,
                )
            )
            session.commit()

    await asyncio.to_thread(write)
    return True


def _recorded(session: Session, alarm_id: str, kind: str) -> bool:
    return any(t.kind == kind for t in transitions(session, alarm_id))


@activity.defn(name="alarms_still_open")
async def alarms_still_open(alarm_ids: list[str]) -> bool:
    """The re-check: is any of the alarms still active or acknowledged (its source still in violation)?"""

    def read() -> bool:
        with Session(get_engine()) as session:
            stmt = select(Alarm.alarm_id).where(col(Alarm.alarm_id).in_(alarm_ids), col(Alarm.state).in_(OPEN_STATES))
            return session.exec(stmt).first() is not None

    return await asyncio.to_thread(read)


def _case_input(request: OpenCaseRequest) -> CaseInput:
    notice, location = request.notice, request.notice.location or {}
    if notice.violation_code is None:  # the workflow never asks for a case without one
        raise ValueError(f"alarm {notice.alarm_id} names no violation type")
    return CaseInput(
        case_id=request.case_id,
        violation_code=notice.violation_code,
        source="alarm",
        jurisdiction_path=notice.jurisdiction_path,
        lon=float(location.get("lng", location.get("lon", 0.0))),
        lat=float(location.get("lat", 0.0)),
        address=str(location.get("address", "")),
        description=notice.message or f"{notice.rule_code} ({notice.source} {notice.source_ref})",
        party=request.party,
        lead_received_at=request.lead_received_at,
        violation_at=notice.raised_at,
        documents_task_queue=get_settings().documents_task_queue or None,
    )


def _evidence(request: OpenCaseRequest) -> list[EvidenceRecorded]:
    """Enter the alarm's evidence into the case: the snapshot, or the readings as a JSON file."""
    notice, settings = request.notice, get_settings()
    store, engine, ledger = document_store(settings), get_engine(), get_ledger(settings)
    if notice.evidence_sha256 and store.exists(notice.evidence_sha256):
        data_sha, media_type, kind = notice.evidence_sha256, "image/jpeg", "photo"
        size = sum(len(chunk) for chunk in store.stream(data_sha))
    else:
        with Session(engine) as session:
            history = [t.model_dump(mode="json") for t in transitions(session, notice.alarm_id)]
        payload = json.dumps({"alarm": notice.model_dump(mode="json"), "transitions": history}, ensure_ascii=False)
        data = payload.encode("utf-8")
        data_sha, media_type, kind, size = store.put(data), "application/json", "sensor_reading", len(data)
    metadata = EvidenceMetadata(kind=kind, captured_at=notice.raised_at, device_id=notice.source_ref)
    row, _new = record_evidence(
        engine,
        ledger,
        case_id=request.case_id,
        metadata=metadata,
        stored=StoredFile(data_sha, size, media_type, f"alarm-{notice.alarm_id}"),
        actor=f"perception:{notice.source_ref}",
        source="perception",
    )
    return [recorded_signal(row)]


@activity.defn(name="open_alarm_case")
async def open_alarm_case(request: OpenCaseRequest) -> bool:
    """Start the case (idempotent by case id), enter the alarm's evidence, tell the case."""
    client: Client = activity.client()
    await client.start_workflow(
        EnforcementCaseWorkflow.run,
        _case_input(request),
        id=request.case_id,
        task_queue=activity.info().task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
    )
    recorded = await asyncio.to_thread(_evidence, request)
    handle = client.get_workflow_handle(request.case_id)  # signals are typed by the method passed
    for evidence in recorded:
        await handle.signal(EnforcementCaseWorkflow.evidence_recorded, evidence)
    return True


@activity.defn(name="record_triage_outcome")
async def record_triage_outcome(result: TriageResult) -> bool:
    workflow_id = activity.info().workflow_id or ""

    def write() -> None:
        with Session(get_engine()) as session:
            for alarm_id in result.alarm_ids:
                record_outcome(session, alarm_id, result.outcome, result.case_id, workflow_id)
                if result.notice_failure is not None and not _recorded(session, alarm_id, "notice_failed"):
                    detail = {"reason": result.notice_failure, "case_id": result.case_id}
                    session.add(
                        AlarmTransition(
                            alarm_id=alarm_id,
                            kind="notice_failed",
                            actor="triage",
                            at=dt.datetime.now(dt.UTC),
                            severity=None,
                            detail=detail,
                        )
                    )
                    session.commit()

    await asyncio.to_thread(write)
    return True


TRIAGE_ACTIVITIES: list[Callable[..., Any]] = [notify_party, alarms_still_open, open_alarm_case, record_triage_outcome]
