"""Non-contact notices (非现场执法告知) delivered to the responsible party through the city's messaging gateway.

处罚法 Art. 41 para 3: where electronic monitoring records a violation, the agency shall tell the party the
facts promptly (及时告知当事人违法事实); 浦东新区非现场执法规定 Art. 15: by SMS or voice call (短信告知或者
语音电话), ordering a prompt correction (责令及时改正). The platform does not speak SMS itself: cities run a
messaging gateway (短信平台, 政务消息中心, a merchant app's push service). Notices go to it as one HTTPS POST
each (ZHIFA_NOTICE_WEBHOOK_URL), the JSON below, signed with HMAC-SHA256 over the body
(``X-Zhifa-Signature: sha256=<hex>``, key ZHIFA_NOTICE_WEBHOOK_SECRET) and carrying ``Idempotency-Key`` (the
alarm id), so a retried delivery is one message. A 2xx answer is delivery; 408, 429 and 5xx or no answer are
worth retrying; any other 4xx is a refusal (the payload or the party is wrong) that retrying will not fix.

    {"type": "zhifa.non_contact_notice/1", "notice_id", "alarm_id", "party": {type, name, phone, ...},
     "site", "violation_code", "device", "location", "observed_at", "text", "correction_window_minutes",
     "correct_by", "legal_basis"}
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import httpx

from core.numbering import BEIJING
from workflows.alarm_model import AlarmNotice, TriageInput

NOTICE_FORMAT = "zhifa.non_contact_notice/1"
LEGAL_BASIS = "《中华人民共和国行政处罚法》第四十一条第三款"
_RETRYABLE = {408, 425, 429}


class NoticeUndelivered(Exception):
    """The gateway did not take the notice (down, slow, 5xx, 408/429): a later attempt may succeed."""


class NoticeRefused(Exception):
    """The gateway refused the notice (4xx): retrying the same notice will not help."""


@dataclass(frozen=True)
class Delivery:
    channel: str  # "webhook"
    status: int
    reference: str | None  # the gateway's message id, when its answer names one


def notice_text(notice: AlarmNotice, request: TriageInput, correct_by: dt.datetime) -> str:
    """What the party reads (in Chinese): what was seen, where and when, by when to correct, and why."""
    seen = notice.raised_at.astimezone(BEIJING).strftime("%Y年%m月%d日%H时%M分")
    deadline = correct_by.astimezone(BEIJING).strftime("%m月%d日%H时%M分")
    place = request.site or (notice.location or {}).get("address") or notice.source_ref
    what = notice.message or "违法行为"
    return (
        f"【城市管理综合执法】{request.party.name if request.party else '您'}：{seen}，"
        f"监测设备{notice.source_ref}在{place}记录到{what}。请于{deadline}前改正；"
        f"逾期未改正的，将依法立案调查。如有异议，可依法陈述、申辩。依据：{LEGAL_BASIS}。"
    )


def notice_payload(notice: AlarmNotice, request: TriageInput, notified_at: dt.datetime) -> dict[str, Any]:
    minutes = request.correction_window_minutes or 0
    correct_by = notified_at + dt.timedelta(minutes=minutes)
    return {
        "type": NOTICE_FORMAT,
        "notice_id": f"notice-{notice.alarm_id}",
        "alarm_id": notice.alarm_id,
        "party": request.party.model_dump(mode="json") if request.party else None,
        "site": request.site,
        "violation_code": notice.violation_code,
        "device": notice.source_ref,
        "location": notice.location,
        "observed_at": notice.raised_at.isoformat(),
        "text": notice_text(notice, request, correct_by),
        "correction_window_minutes": minutes,
        "correct_by": correct_by.isoformat(),
        "legal_basis": LEGAL_BASIS,
    }


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def deliver(url: str, secret: str, payload: dict[str, Any], timeout_seconds: float) -> Delivery:
    """POST the notice; NoticeUndelivered (retry) or NoticeRefused (do not) when it was not taken."""
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": str(payload["alarm_id"])}
    if secret:
        headers["X-Zhifa-Signature"] = signature(secret, body)
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=timeout_seconds)
    except httpx.HTTPError as exc:
        raise NoticeUndelivered(f"the notice gateway did not answer: {type(exc).__name__}: {exc}") from exc
    if response.is_success:
        return Delivery("webhook", response.status_code, _reference(response))
    detail = f"the notice gateway answered {response.status_code}: {response.text[:200]}"
    if response.status_code >= 500 or response.status_code in _RETRYABLE:
        raise NoticeUndelivered(detail)
    raise NoticeRefused(detail)


def _reference(response: httpx.Response) -> str | None:
    try:
        answer = response.json()
    except ValueError:
        return None
    if isinstance(answer, dict):
        for key in ("message_id", "id", "msgId"):
            if isinstance(answer.get(key), str | int):
                return str(answer[key])
    return None
