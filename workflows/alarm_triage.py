"""AlarmTriageWorkflow (告警研判): what an alarm becomes — one workflow per source, violation type and
time window, so a storm of readings is one triage (signal-with-start keeps adding the same alarm).

    verify        open the case now (source ``alarm``): its first task, 初查核实 verify_lead, is the
                  officer's verification — established (confirmed) or not_established (a false alarm).
                  Registering a lead is not 立案: filing is approve_filing, later, by the agency head.
    non_contact   非接触执法: tell the responsible party (处罚法 Art. 41 para 3: promptly; through the
                  city's messaging gateway, retried while it is down), then wait the correction window
                  from that moment (a durable timer), re-check the same sensor or camera; cleared by then
                  → corrected, no case; still in violation → open the case as above. A notice that cannot
                  be delivered within NOTICE_DELIVERY_TIMEOUT, or that the gateway refuses, opens the
                  case at once: an officer tells the party on the spot.

An alarm whose rule names no violation type (e.g. water quality, another authority's field) is
recorded as notified only. Evidence (the snapshot or the readings) enters the case when it opens.
"""

from __future__ import annotations

import contextlib
import datetime as dt

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, RetryState

with workflow.unsafe.imports_passed_through():
    from workflows.alarm_model import (
        ALARM_SIGNAL,
        CLEARED_SIGNAL,
        TRIAGE_WORKFLOW,
        AlarmNotice,
        OpenCaseRequest,
        TriageInput,
        TriageResult,
    )

BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
ACTIVITY_TIMEOUT = dt.timedelta(seconds=60)
RETRY = RetryPolicy(initial_interval=dt.timedelta(seconds=2), maximum_interval=dt.timedelta(minutes=1))
# "及时告知" (处罚法 Art. 41 para 3) has no number; a technical bound, not a legal period: a gateway down longer
# than this leaves the notice to an officer on the spot.
NOTICE_DELIVERY_TIMEOUT = dt.timedelta(hours=2)
# Patch: the notice is delivered (or fails) before the correction window starts; histories before it recorded
# the notice without delivering it and could not fail there.
NOTICE_DELIVERY_PATCH = "notice-delivered-before-window"


@workflow.defn(name=TRIAGE_WORKFLOW)
class AlarmTriageWorkflow:
    @workflow.init
    def __init__(self, request: TriageInput) -> None:
        self._request = request
        self._notices: list[AlarmNotice] = []
        self._cleared: set[str] = set()

    @workflow.signal(name=ALARM_SIGNAL)
    def alarm(self, notice: AlarmNotice) -> None:
        if all(n.alarm_id != notice.alarm_id for n in self._notices):
            self._notices.append(notice)

    @workflow.signal(name=CLEARED_SIGNAL)
    def alarm_cleared(self, alarm_id: str) -> None:
        self._cleared.add(alarm_id)

    @workflow.query
    def notices(self) -> list[AlarmNotice]:
        return list(self._notices)

    @workflow.run
    async def run(self, request: TriageInput) -> TriageResult:
        await workflow.wait_condition(lambda: bool(self._notices))
        first = self._notices[0]
        notified_at = None
        if first.violation_code is None:
            await self._activity("notify_party", first, request)
            return await self._finish(TriageResult(outcome="notified_only", alarm_ids=self._ids()))
        if request.path == "non_contact" and request.correction_window_minutes:
            if workflow.patched(NOTICE_DELIVERY_PATCH):
                failure = await self._deliver_notice(first, request)
                if failure is not None:
                    return await self._open_case(first, request, None, notice_failure=failure)
                notified_at = workflow.now()  # the party knows from now: the window counts from here
            else:
                notified_at = workflow.now()
                await self._activity("notify_party", first, request)
            window = dt.timedelta(minutes=request.correction_window_minutes)
            with contextlib.suppress(TimeoutError):  # the window ran out: re-check below
                await workflow.wait_condition(self._all_cleared, timeout=window)
            if self._all_cleared() or not await self._activity("alarms_still_open", self._ids()):
                result = TriageResult(outcome="corrected", alarm_ids=self._ids(), notified_at=notified_at)
                return await self._finish(result)
        return await self._open_case(first, request, notified_at)

    async def _open_case(
        self,
        first: AlarmNotice,
        request: TriageInput,
        notified_at: dt.datetime | None,
        notice_failure: str | None = None,
    ) -> TriageResult:
        case_id = self._case_id(first)
        case = OpenCaseRequest(case_id=case_id, notice=first, party=request.party, lead_received_at=first.raised_at)
        await self._activity("open_alarm_case", case)
        result = TriageResult(
            outcome="case_opened",
            alarm_ids=self._ids(),
            case_id=case_id,
            notified_at=notified_at,
            notice_failure=notice_failure,
        )
        return await self._finish(result)

    async def _deliver_notice(self, notice: AlarmNotice, request: TriageInput) -> str | None:
        """None once the party has been told; else why the notice could not be delivered."""
        try:
            await workflow.execute_activity(
                "notify_party",
                args=[notice, request],
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                schedule_to_close_timeout=NOTICE_DELIVERY_TIMEOUT,
                retry_policy=RETRY,
                result_type=bool,
            )
        except ActivityError as exc:
            why = str(exc.cause or exc)
            if exc.retry_state == RetryState.TIMEOUT:  # retried until NOTICE_DELIVERY_TIMEOUT ran out
                return f"not delivered within {NOTICE_DELIVERY_TIMEOUT} (the last attempt: {why})"
            return why
        return None

    def _ids(self) -> list[str]:
        return [n.alarm_id for n in self._notices]

    def _all_cleared(self) -> bool:
        return all(n.alarm_id in self._cleared for n in self._notices)

    def _case_id(self, notice: AlarmNotice) -> str:
        day = notice.raised_at.astimezone(BEIJING).strftime("%Y%m%d")  # the Beijing day, as intake numbers cases
        return f"{notice.district_code}-{day}-{workflow.random().getrandbits(24):06X}"

    async def _finish(self, result: TriageResult) -> TriageResult:
        await self._activity("record_triage_outcome", result)
        return result

    async def _activity(self, name: str, *args: object) -> bool:
        done: bool = await workflow.execute_activity(
            name, args=list(args), start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=RETRY, result_type=bool
        )
        return done
