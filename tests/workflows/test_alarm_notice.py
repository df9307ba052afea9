"""The non-contact notice delivered through the messaging gateway (a real local HTTP server) by the triage
workflow on the time-skipping server: the correction window counts from delivery, a gateway that is down is
retried, and a notice that cannot be delivered opens the case at once (an officer tells the party).

The time-skipping server does not skip time on its own while an activity waits for its retry (two hours of
retries would take two real hours), so the gateway that stays down is given its two hours by `env.sleep`,
which moves the server's clock on while the retries go on."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlmodel import Session, col, select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from core.alarm_triage import start_triage, tell_cleared
from core.db import get_engine
from core.notices import signature
from core.perception_tables import AlarmTransition
from core.settings import get_settings
from tests.notice_gateway import Gateway, notice_gateway
from tests.workers.conftest import wait_until
from tests.workflows.alarm_support import (
    PARTY,
    alarm_row,
    clear_alarm,
    device,
    raise_alarm,
    result_of,
)
from workflows.alarm_triage import NOTICE_DELIVERY_TIMEOUT

SECRET = "gateway-secret"


def use_gateway(monkeypatch: pytest.MonkeyPatch, gateway: Gateway) -> None:
    monkeypatch.setenv("ZHIFA_NOTICE_WEBHOOK_URL", gateway.url)
    monkeypatch.setenv("ZHIFA_NOTICE_WEBHOOK_SECRET", SECRET)
    get_settings.cache_clear()


def history(db: str, alarm_id: str) -> list[AlarmTransition]:
    with Session(get_engine(db)) as session:
        stmt = select(AlarmTransition).where(AlarmTransition.alarm_id == alarm_id)
        return list(session.exec(stmt.order_by(col(AlarmTransition.transition_id))))


async def test_the_party_is_told_through_the_gateway_and_corrects_in_time(
    db: str, env: tuple[WorkflowEnvironment, Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, client = env
    with notice_gateway(503, 503, 200) as gateway:  # down twice, then it takes the notice
        use_gateway(monkeypatch, gateway)
        fume = device(db)
        alarm = raise_alarm(db, fume, "fume_over_limit", "restaurant_fumes", await server.get_current_time())
        workflow_id, _ = await start_triage(client, get_settings(), alarm, fume)
        await server.sleep(dt.timedelta(minutes=119))  # within the window, which counts from delivery
        cleared = clear_alarm(db, alarm, await server.get_current_time())
        await tell_cleared(client, cleared)
        result = await result_of(client, workflow_id)
    assert result.outcome == "corrected" and result.notice_failure is None and result.notified_at is not None
    assert len(gateway.received) == 3  # retried with backoff; one notice for the party (one idempotency key)
    assert {r.headers["idempotency-key"] for r in gateway.received} == {alarm.alarm_id}
    sent = gateway.received[-1]
    assert sent.headers["x-zhifa-signature"] == signature(SECRET, sent.body)
    payload = sent.json()
    assert payload["party"]["name"] == PARTY["name"] and PARTY["name"] in payload["text"]
    [notified] = [t for t in history(db, alarm.alarm_id) if t.kind == "notified"]
    assert notified.detail["channel"] == "webhook" and notified.detail["reference"] == "m-3"
    assert notified.detail["text"] == payload["text"] and notified.detail["correct_by"] == payload["correct_by"]


async def test_a_refused_notice_opens_the_case_at_once(
    db: str, env: tuple[WorkflowEnvironment, Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, client = env
    with notice_gateway(400) as gateway:  # e.g. no phone number the gateway can use
        use_gateway(monkeypatch, gateway)
        fume = device(db)
        raised = await server.get_current_time()
        alarm = raise_alarm(db, fume, "fume_over_limit", "restaurant_fumes", raised)
        workflow_id, _ = await start_triage(client, get_settings(), alarm, fume)
        result = await result_of(client, workflow_id)
    assert len(gateway.received) == 1  # a refusal is not retried
    assert result.outcome == "case_opened" and result.case_id is not None and result.notified_at is None
    assert result.notice_failure is not None and "400" in result.notice_failure
    assert await server.get_current_time() - raised < dt.timedelta(minutes=5)  # no correction window was waited
    kinds = [t.kind for t in history(db, alarm.alarm_id)]
    assert "notified" not in kinds and "notice_failed" in kinds
    assert alarm_row(db, alarm.alarm_id).case_id == result.case_id


async def test_a_gateway_down_past_the_delivery_timeout_opens_the_case(
    db: str, env: tuple[WorkflowEnvironment, Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, client = env
    with notice_gateway(503) as gateway:  # down, and it stays down
        use_gateway(monkeypatch, gateway)
        fume = device(db)
        raised = await server.get_current_time()
        alarm = raise_alarm(db, fume, "fume_over_limit", "restaurant_fumes", raised)
        workflow_id, _ = await start_triage(client, get_settings(), alarm, fume)
        await asyncio.to_thread(wait_until, lambda: len(gateway.received) >= 2, 30, "two delivery attempts")
        await server.sleep(NOTICE_DELIVERY_TIMEOUT + dt.timedelta(minutes=1))  # the gateway's outage goes on
        result = await result_of(client, workflow_id)
    assert result.outcome == "case_opened" and result.case_id is not None and result.notified_at is None
    assert result.notice_failure == (
        "not delivered within 2:00:00 (the last attempt: NoticeUndelivered: the notice gateway answered 503: "
        '{"error": "no"})'
    )
    assert {r.headers["idempotency-key"] for r in gateway.received} == {alarm.alarm_id}  # retries of one notice
    kinds = [t.kind for t in history(db, alarm.alarm_id)]
    assert "notified" not in kinds and "notice_failed" in kinds
    assert alarm_row(db, alarm.alarm_id).case_id == result.case_id
