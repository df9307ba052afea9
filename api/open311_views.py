"""Open311 `GET /requests…`: an integrator's own cases as GeoReport v2 service requests.

Read from the intake rows the key wrote (``case_intake.principal_id``), joined to the case
projection: a case opened a moment ago and not yet projected is listed too, as open. ``status`` is
``closed`` once the projection's stage is ``closed``; ``status_notes`` names the stage (or, once
closed, the result) in Chinese; ``expected_datetime`` is the earliest running statutory time limit
of the case (kind ``limit`` in rules/data/deadlines.yaml), e.g. T01 线索核查 for a new case.
Date-times are ISO 8601 in Beijing time (+08:00).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from api.auth import Principal
from api.open311_reports import ADDRESS_ID, IDEMPOTENCY_PREFIX, MEDIA, split_description
from api.open311_services import find_violation
from core.case_tables import CaseDeadline, CaseRecord
from core.intake_tables import CaseIntake
from core.jurisdiction import in_subtree
from core.models import Jurisdiction
from rules.deadline_table import Kind, load_timer_table

BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
DEFAULT_WINDOW = dt.timedelta(days=90)  # GeoReport v2: without dates, the last 90 days …
MAX_REQUESTS = 1000  # … and at most 1,000 requests
AGENCY_SUFFIX = "综合行政执法局"

STAGE_NAMES = {
    "source": "案件来源登记",
    "verification": "初查核实",
    "filing": "立案审批",
    "investigation": "调查取证",
    "legal_review": "法制审核",
    "prior_notice": "事先告知",
    "decision": "作出处理决定",
    "service": "送达",
    "execution": "执行",
    "closing": "结案审批",
}
RESULT_NAMES = {
    "lead_not_established": "经核查，违法事实不成立，不予立案",
    "not_filed": "经审批不予立案",
    "transferred": "不属本机关管辖，已移送有关机关",
    "no_penalty_first_violation": "初次违法且危害后果轻微并及时改正，依法不予行政处罚",
    "not_established": "违法事实不能成立，不予行政处罚",
    "no_penalty": "依法不予行政处罚",
    "transfer_judiciary": "涉嫌犯罪，已移送司法机关",
    "executed": "已作出行政处罚决定并执行完毕",
    "paid": "已作出行政处罚决定，罚款已缴纳",
    "enforcement_applied": "已作出行政处罚决定，已申请人民法院强制执行",
    "execution_terminated": "已作出行政处罚决定，执行终结",
}

Status = Literal["open", "closed"]


class RequestCreated(BaseModel):
    service_request_id: str
    service_notice: str
    account_id: str | None = None


class ServiceRequest(BaseModel):
    service_request_id: str
    status: Status
    status_notes: str
    service_name: str
    service_code: str
    description: str
    agency_responsible: str
    service_notice: str
    requested_datetime: dt.datetime
    updated_datetime: dt.datetime
    expected_datetime: dt.datetime | None
    address: str
    address_id: str | None
    zipcode: str | None
    lat: float
    long: float
    media_url: str | None


@dataclass(frozen=True)
class RequestFilter:
    ids: list[str] | None = None  # GeoReport v2: service_request_id overrides every other filter
    service_codes: list[str] | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    statuses: list[Status] | None = None


def agency_name(places: dict[str, Jurisdiction], district_path: str) -> str:
    """e.g. 示范市清河区综合行政执法局 for the district ``990100/990102/``."""
    names = "".join(places[code].name for code in district_path.rstrip("/").split("/") if code in places)
    return names + AGENCY_SUFFIX


def service_notice(agency: str, case_id: str) -> str:
    return f"已受理，由{agency}依法核查处理（案件编号 {case_id}）。"


def status_notes(record: CaseRecord | None) -> str:
    if record is None:
        return "已受理，正在启动办理流程"
    if record.stage == "closed":
        result = RESULT_NAMES.get(record.result or "", record.result or "")
        return f"已办结：{result}" if result else "已办结"
    return f"办理中，当前阶段：{STAGE_NAMES.get(record.stage, record.stage)}"


@lru_cache(maxsize=1)
def limit_codes() -> tuple[str, ...]:
    """Timer codes that are time limits (an act due by the instant), not waits or notices."""
    return tuple(t.code for t in load_timer_table().timers if t.kind is Kind.LIMIT)


def _local(instant: dt.datetime) -> dt.datetime:
    return instant.astimezone(BEIJING)


def request_view(
    intake: CaseIntake, record: CaseRecord | None, expected: dt.datetime | None, places: dict[str, Jurisdiction]
) -> ServiceRequest:
    text, block = (
        split_description(intake.description)
        if intake.idempotency_key.startswith(IDEMPOTENCY_PREFIX)
        else (intake.description, {})
    )
    violation = find_violation(intake.violation_code)
    agency = agency_name(places, intake.jurisdiction_path)
    closed = record is not None and record.stage == "closed"
    return ServiceRequest(
        service_request_id=intake.case_id,
        status="closed" if closed else "open",
        status_notes=status_notes(record),
        service_name=violation.name if violation is not None else intake.violation_code,
        service_code=intake.violation_code,
        description=text,
        agency_responsible=agency,
        service_notice=service_notice(agency, intake.case_id),
        requested_datetime=_local(intake.received_at),
        updated_datetime=_local(record.updated_at if record is not None else intake.received_at),
        expected_datetime=_local(expected) if expected is not None and not closed else None,
        address=intake.address,
        address_id=block.get(ADDRESS_ID),
        zipcode=None,
        lat=intake.lat,
        long=intake.lon,
        media_url=block.get(MEDIA),
    )


def own_requests(session: Session, principal: Principal, where: RequestFilter) -> list[ServiceRequest]:
    """The principal's own requests matching `where`, newest first."""
    stmt = (
        select(CaseIntake, CaseRecord)
        .join(CaseRecord, col(CaseRecord.case_id) == col(CaseIntake.case_id), isouter=True)
        .where(
            CaseIntake.principal_id == principal.id,
            in_subtree(col(CaseIntake.jurisdiction_path), principal.jurisdiction_path),
        )
    )
    if where.ids is not None:
        stmt = stmt.where(col(CaseIntake.case_id).in_(where.ids))
    else:
        end = where.end or dt.datetime.now(dt.UTC)
        start = where.start or end - DEFAULT_WINDOW
        stmt = stmt.where(col(CaseIntake.received_at) >= start, col(CaseIntake.received_at) < end)
        if where.service_codes is not None:
            stmt = stmt.where(col(CaseIntake.violation_code).in_(where.service_codes))
        wanted = set(where.statuses or ())
        closed = col(CaseRecord.stage) == "closed"
        if wanted == {"closed"}:
            stmt = stmt.where(closed)
        elif wanted == {"open"}:  # not yet projected counts as open
            stmt = stmt.where(sa.or_(col(CaseRecord.stage).is_(None), sa.not_(closed)))
    stmt = stmt.order_by(col(CaseIntake.received_at).desc(), col(CaseIntake.case_id)).limit(MAX_REQUESTS)
    rows: Sequence[tuple[CaseIntake, CaseRecord | None]] = session.exec(stmt).all()
    if not rows:
        return []
    expected = _expected(session, [intake.case_id for intake, _ in rows])
    places = {p.code: p for p in session.exec(select(Jurisdiction)).all()}
    return [request_view(intake, record, expected.get(intake.case_id), places) for intake, record in rows]


def _expected(session: Session, case_ids: list[str]) -> dict[str, dt.datetime]:
    stmt = (
        select(CaseDeadline.case_id, func.min(CaseDeadline.due_at))
        .where(
            col(CaseDeadline.case_id).in_(case_ids),
            CaseDeadline.status == "running",
            col(CaseDeadline.code).in_(limit_codes()),
        )
        .group_by(col(CaseDeadline.case_id))
    )
    return {case_id: due for case_id, due in session.exec(stmt).all()}
