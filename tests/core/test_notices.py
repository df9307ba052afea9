"""Delivering a non-contact notice to the messaging gateway (a real local HTTP server): what is sent, how it is
signed, and which answers are worth a retry."""

from __future__ import annotations

import datetime as dt
import hmac
import socket

import pytest

from core.notices import LEGAL_BASIS, NoticeRefused, NoticeUndelivered, deliver, notice_payload, signature
from tests.notice_gateway import notice_gateway
from workflows.alarm_model import AlarmNotice, TriageInput
from workflows.case.model import Party

AT = dt.datetime(2026, 11, 26, 4, 30, tzinfo=dt.UTC)  # 12:30 in Beijing
NOTICE = AlarmNotice(
    alarm_id="a-1", source="sensor", source_ref="FUME-001", rule_code="fume_over_limit",
    violation_code="restaurant_fumes", district_code="990102", jurisdiction_path="990100/990102/",
    severity="WARNING", raised_at=AT, message="油烟浓度超标", location={"address": "示范市清河区望江路1号"},
)  # fmt: skip
REQUEST = TriageInput(
    path="non_contact",
    correction_window_minutes=120,
    party=Party(type="organisation", name="清河区老王烧烤店", phone="13800000000"),
    site="老王烧烤",
)


def test_the_payload_tells_the_party_what_when_where_by_when_and_why() -> None:
    payload = notice_payload(NOTICE, REQUEST, AT)
    assert payload["type"] == "zhifa.non_contact_notice/1" and payload["alarm_id"] == "a-1"
    assert payload["party"]["phone"] == "13800000000"
    assert payload["correct_by"] == "2026-11-26T06:30:00+00:00"
    text = payload["text"]
    parts = ("清河区老王烧烤店", "2026年11月26日12时30分", "老王烧烤", "油烟浓度超标", "11月26日14时30分前改正")
    for part in (*parts, LEGAL_BASIS):
        assert part in text, (part, text)


def test_a_delivered_notice_is_signed_and_keyed_by_its_alarm() -> None:
    payload = notice_payload(NOTICE, REQUEST, AT)
    with notice_gateway(200) as gateway:
        delivery = deliver(gateway.url, "s3cret", payload, 5.0)
    assert (delivery.channel, delivery.status, delivery.reference) == ("webhook", 200, "m-1")
    [sent] = gateway.received
    assert sent.json() == payload and sent.headers["idempotency-key"] == "a-1"
    assert hmac.compare_digest(sent.headers["x-zhifa-signature"], signature("s3cret", sent.body))
    assert sent.headers["x-zhifa-signature"] != signature("other", sent.body)


@pytest.mark.parametrize("status", [500, 502, 503, 408, 429])
def test_a_gateway_in_trouble_is_worth_a_retry(status: int) -> None:
    with notice_gateway(status) as gateway, pytest.raises(NoticeUndelivered, match=str(status)):
        deliver(gateway.url, "", notice_payload(NOTICE, REQUEST, AT), 5.0)
    assert "x-zhifa-signature" not in gateway.received[0].headers  # no secret, no signature


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_a_refused_notice_is_not_retried(status: int) -> None:
    with notice_gateway(status) as gateway, pytest.raises(NoticeRefused, match=str(status)):
        deliver(gateway.url, "", notice_payload(NOTICE, REQUEST, AT), 5.0)


def test_a_gateway_that_does_not_answer_is_worth_a_retry() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: the connection is refused
        with pytest.raises(NoticeUndelivered, match="did not answer"):
            deliver(f"http://127.0.0.1:{port}/", "", notice_payload(NOTICE, REQUEST, AT), 2.0)
