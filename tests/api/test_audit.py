"""The audit API on the live stack: a case driven two steps through the API (verified by officer1,
filing approved by head1), then its Temporal history, its human timeline and its replay, and who
may read which."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import WorkflowHistory

from activities.projections import apply_batch
from api.routers import audit
from api.routers.audit import MAX_REPLAY_CASES
from core.db import get_engine
from core.replay import make_replayer, quiet_runtime
from core.seed import DEMO_INTEGRATOR_NAME
from tests.api.conftest import INTEGRATOR, sign_in
from tests.api.live_cases import FORMS, INSIDE_MINGHU, now, officers, open_case, until, with_officers
from workers.history_cmd import load_history
from workflows.case.model import ProjectionBatch

HISTORIES = Path(__file__).resolve().parents[1] / "histories"
HISTORY, TIMELINE, REPLAY = "/api/v1/cases/{}/history", "/api/v1/cases/{}/timeline", "/api/v1/audit/replay"


async def _complete(
    live: httpx.AsyncClient, who: str, task_id: str, outcome: str, form: dict[str, Any]
) -> dict[str, Any]:
    response = await live.post(
        f"/api/v1/tasks/{task_id}/complete", json={"outcome": outcome, "form": form}, headers=await sign_in(live, who)
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _timeline(live: httpx.AsyncClient, case_id: str, who: str = "auditor1") -> dict[str, Any]:
    response = await live.get(TIMELINE.format(case_id), headers=await sign_in(live, who))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(scope="module")
async def filed(live: httpx.AsyncClient) -> str:
    """A case in 清河区 opened and verified by officer1, its filing approved by head1."""
    team = await officers(live)
    case = await open_case(live, await sign_in(live, "officer1"))
    verified = await _complete(
        live, "officer1", case["tasks"][0]["task_id"], "established", with_officers(FORMS.established(now()), team)
    )
    [filing] = verified["open_tasks"]
    await _complete(live, "head1", filing["task_id"], "approve", with_officers(FORMS.FILING, team))

    async def projected() -> bool:
        steps = (await _timeline(live, case["case_id"]))["steps"]
        return any(s["kind"] == "task_opened" and s["task_kind"] == "investigate" for s in steps)

    await until(projected, "the investigation step in the timeline")
    case_id: str = case["case_id"]
    return case_id


@pytest.fixture(scope="module")
async def elsewhere(live: httpx.AsyncClient) -> str:
    """A case in 明湖区, the other district."""
    case = await open_case(live, await sign_in(live, "officer3"), district="990103", location=INSIDE_MINGHU)
    case_id: str = case["case_id"]
    return case_id


# --- history ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["auditor1", "head1", "admin1"])
async def test_the_history_is_temporal_json_that_replays(live: httpx.AsyncClient, filed: str, who: str) -> None:
    response = await live.get(HISTORY.format(filed), headers=await sign_in(live, who))

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    history = WorkflowHistory.from_json(filed, response.text)
    started = history.events[0].workflow_execution_started_event_attributes
    assert (started.workflow_type.name, started.workflow_id or filed) == ("EnforcementCaseWorkflow", filed)
    updates = [
        e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        for e in history.events
        if e.HasField("workflow_execution_update_accepted_event_attributes")
    ]
    assert updates == ["progress", "complete_task", "complete_task"]  # the intake reads its first tasks by Update
    result = await make_replayer(quiet_runtime()).replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure


async def test_history_of_an_unknown_case_is_404(live: httpx.AsyncClient) -> None:
    response = await live.get(HISTORY.format("990102-20260101-NOSUCH"), headers=await sign_in(live, "auditor1"))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


# --- timeline --------------------------------------------------------------------------------------


def _by_kind(steps: list[dict[str, Any]], kind: str, task_kind: str) -> dict[str, Any]:
    [step] = [s for s in steps if s["kind"] == kind and s["task_kind"] == task_kind]
    return step


async def test_the_timeline_lists_the_steps_in_order_with_actors_outcomes_and_legal_bases(
    live: httpx.AsyncClient, filed: str
) -> None:
    body = await _timeline(live, filed)
    steps = body["steps"]
    assert [s["seq"] for s in steps] == sorted(s["seq"] for s in steps)
    main_line = [
        (s["kind"], s["task_kind"] or s["detail"].get("stage"), s["actor"]["username"] if s["actor"] else None)
        for s in steps
        if s["kind"] in ("case_opened", "stage_entered", "task_opened", "task_completed", "case_filed")
    ]
    assert main_line[:10] == [
        ("case_opened", None, "officer1"),
        ("stage_entered", "verification", None),
        ("task_opened", "verify_lead", None),
        ("task_completed", "verify_lead", "officer1"),
        ("stage_entered", "filing", None),
        ("task_opened", "approve_filing", None),
        ("task_completed", "approve_filing", "head1"),
        ("case_filed", None, "head1"),
        ("stage_entered", "investigation", None),
        ("task_opened", "investigate", None),
    ], main_line

    verified = _by_kind(steps, "task_completed", "verify_lead")
    assert verified["actor"] == {"username": "officer1", "display_name": "张伟", "roles": ["officer"]}
    assert (verified["stage"], verified["stage_name"], verified["outcome"]) == (
        "verification",
        "初查核实",
        "established",
    )
    assert verified["outcome_name"] == "违法事实初步成立，报请立案"
    assert verified["task_name"].startswith("线索核查") and "结果：违法事实初步成立" in verified["what"]
    assert "住建 第十五条第一款" in verified["legal_basis"]
    assert verified["deadline"]["code"] == "T01" and verified["deadline"]["met"] is True
    assert verified["deadline"]["status"] == "met"
    assert verified["detail"]["form"]["findings"] == "现场占道经营约3.5平方米"

    approved = _by_kind(steps, "task_completed", "approve_filing")
    assert approved["actor"] == {"username": "head1", "display_name": "赵敏", "roles": ["agency_head"]}
    assert (approved["stage"], approved["outcome"], approved["outcome_name"]) == ("filing", "approve", "同意立案")
    assert approved["deadline"] is None  # 立案审批 has no deadline of its own
    assert approved["legal_basis"].startswith("住建 第十五条第二款")
    case_filed = next(s for s in steps if s["kind"] == "case_filed")
    assert case_filed["legal_basis"] == "住房和城乡建设行政处罚程序规定 第十五条"

    investigate = _by_kind(steps, "task_opened", "investigate")
    assert investigate["deadline"]["code"] == "T06" and investigate["deadline"]["met"] is None
    assert investigate["stage"] == "investigation"
    clocks = {c["code"]: c for c in body["deadlines"]}
    assert (clocks["T01"]["status"], clocks["T01"]["met"]) == ("met", True)
    assert (clocks["T06"]["status"], clocks["T06"]["met"]) == ("running", None)
    assert body["stage"] == "investigation" and body["overdue"] is False


async def test_an_integrator_reads_the_timeline_of_its_own_case_without_the_forms(live: httpx.AsyncClient) -> None:
    mine = (await open_case(live, INTEGRATOR, source="hotline"))["case_id"]
    body = await until(lambda: _steps_if_any(live, mine), "the integrator's case in the timeline")
    opened = body["steps"][0]
    assert opened["kind"] == "case_opened" and opened["actor"]["display_name"] == DEMO_INTEGRATOR_NAME
    assert opened["actor"]["roles"] == ["integrator"]
    assert all("form" not in s["detail"] for s in body["steps"])


async def _steps_if_any(live: httpx.AsyncClient, case_id: str) -> dict[str, Any] | None:
    response = await live.get(TIMELINE.format(case_id), headers=INTEGRATOR)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body if body["steps"] else None


# --- replay ----------------------------------------------------------------------------------------


async def test_replay_reports_each_case_including_unknown_and_hidden_ones(
    live: httpx.AsyncClient, filed: str, elsewhere: str
) -> None:
    ids = [filed, "990102-20260101-NOSUCH", elsewhere, filed]
    response = await live.post(REPLAY, json={"case_ids": ids}, headers=await sign_in(live, "head1"))

    assert response.status_code == 200, response.text
    body = response.json()
    results = {r["case_id"]: r for r in body["results"]}
    assert [r["case_id"] for r in body["results"]] == ids[:3]
    assert results[filed]["ok"] is True and results[filed]["error"] is None and results[filed]["events"] > 10
    for hidden in ("990102-20260101-NOSUCH", elsewhere):  # unknown, or in another district: the same answer
        assert results[hidden] == {
            "case_id": hidden,
            "ok": False,
            "error": f"no case {hidden} visible to head1",
            "run_id": None,
            "events": 0,
        }
    assert body["summary"] == {"requested": 3, "ok": 1, "failed": 2, "not_found": 2}

    city = await live.post(REPLAY, json={"case_ids": [elsewhere]}, headers=await sign_in(live, "auditor1"))
    assert city.json()["results"][0]["ok"] is True, city.text


async def test_replay_by_visibility_query_sees_only_the_callers_cases(
    live: httpx.AsyncClient, filed: str, elsewhere: str
) -> None:
    query = f"WorkflowId IN ('{filed}', '{elsewhere}')"

    async def both(who: str) -> dict[str, Any] | None:
        response = await live.post(REPLAY, json={"query": query}, headers=await sign_in(live, who))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body if body["summary"]["requested"] == 2 else None

    city = await until(lambda: both("auditor1"), "both cases in Temporal's visibility store")
    assert all(r["ok"] for r in city["results"]) and city["query"].endswith(f"AND ({query})")
    district = (await live.post(REPLAY, json={"query": query}, headers=await sign_in(live, "head1"))).json()
    assert [r["case_id"] for r in district["results"]] == [filed]

    bad = await live.post(REPLAY, json={"query": "WorkflowId ==="}, headers=await sign_in(live, "auditor1"))
    assert bad.status_code == 422 and bad.json()["type"] == "urn:zhifa:problem:invalid-query", bad.text

    with pytest.MonkeyPatch.context() as patch:  # a query matching more cases than one request may replay
        patch.setattr(audit, "MAX_REPLAY_CASES", 1)
        many = await live.post(REPLAY, json={"query": query}, headers=await sign_in(live, "auditor1"))
    assert many.status_code == 422 and many.json()["type"] == "urn:zhifa:problem:too-many-cases", many.text
    assert "more than 1 cases" in many.json()["detail"] and many.json()["limit"] == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"case_ids": ["a"], "query": "WorkflowId = 'a'"}, "exactly one of case_ids and query"),
        ({}, "exactly one of case_ids and query"),
        ({"case_ids": []}, "at least 1 item"),
        ({"case_ids": [f"c-{n}" for n in range(MAX_REPLAY_CASES + 1)]}, f"at most {MAX_REPLAY_CASES} items"),
        ({"case_ids": ["a"], "dry_run": True}, "Extra inputs are not permitted"),
    ],
    ids=["both", "neither", "empty", "too-many", "unknown-field"],
)
async def test_a_bad_replay_request_is_422(live: httpx.AsyncClient, body: dict[str, Any], message: str) -> None:
    response = await live.post(REPLAY, json=body, headers=await sign_in(live, "auditor1"))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["type"] == "urn:zhifa:problem:validation" and message in problem["detail"], problem


# --- who may ---------------------------------------------------------------------------------------


async def _status(live: httpx.AsyncClient, what: str, case_id: str, headers: dict[str, str]) -> int:
    if what == "replay":
        response = await live.post(REPLAY, json={"case_ids": [case_id]}, headers=headers)
    else:
        response = await live.get((HISTORY if what == "history" else TIMELINE).format(case_id), headers=headers)
    if response.status_code != 200:
        assert response.headers["content-type"] == "application/problem+json", response.text
    return response.status_code


@pytest.mark.parametrize(
    ("who", "history", "timeline", "replay"),
    [
        ("auditor1", 200, 200, 200),
        ("admin1", 200, 200, 200),
        ("head1", 200, 200, 200),
        ("cityhead1", 200, 200, 200),
        ("officer1", 403, 200, 403),
        ("reviewer1", 403, 200, 403),
        ("officer3", 403, 404, 403),  # the other district: no role for history; the case is not disclosed
        ("integrator", 403, 404, 403),  # not a case it opened
        ("nobody", 401, 401, 401),
    ],
)
async def test_who_may_read_the_audit_of_a_case(
    live: httpx.AsyncClient, filed: str, who: str, history: int, timeline: int, replay: int
) -> None:
    fixed: dict[str, dict[str, str]] = {"nobody": {}, "integrator": INTEGRATOR}
    headers = fixed[who] if who in fixed else await sign_in(live, who)
    got = [await _status(live, what, filed, headers) for what in ("history", "timeline", "replay")]
    assert got == [history, timeline, replay]


async def test_a_head_reads_no_history_or_timeline_outside_its_district(
    live: httpx.AsyncClient, elsewhere: str
) -> None:
    head1 = await sign_in(live, "head1")
    assert await _status(live, "history", elsewhere, head1) == 404
    assert await _status(live, "timeline", elsewhere, head1) == 404
    officer3 = await sign_in(live, "officer3")
    assert await _status(live, "timeline", elsewhere, officer3) == 200


# --- a timeline rebuilt from a saved history: missed deadlines -----------------------------------------


def _rebuild_projection(url: str, saved: str, case_id: str) -> None:
    """Replay the projection batches recorded in a saved history into `url` under a fresh case id
    (DESIGN step 5: the projections are rebuildable from histories)."""
    history = load_history(HISTORIES / f"{saved}.json")
    engine = get_engine(url)
    for event in history.events:
        if not event.HasField("activity_task_scheduled_event_attributes"):
            continue
        scheduled = event.activity_task_scheduled_event_attributes
        if scheduled.activity_type.name == "project_case":
            [payload] = scheduled.input.payloads
            batch = payload.data.decode().replace(saved, case_id)
            apply_batch(engine, ProjectionBatch.model_validate_json(batch))


async def test_the_timeline_of_an_overdue_case_shows_the_missed_deadlines_and_the_escalations(
    live: httpx.AsyncClient, seeded_url: str
) -> None:
    case_id = f"990102-20261201-{uuid.uuid4().hex[:6].upper()}"
    await asyncio.to_thread(_rebuild_projection, seeded_url, "case-overdue-escalated", case_id)

    body = await _timeline(live, case_id)
    steps = body["steps"]
    expired = [s for s in steps if s["kind"] == "deadline_expired"]
    assert [(s["deadline"]["code"], s["deadline"]["met"], s["deadline"]["status"]) for s in expired] == [
        ("T01", False, "expired"),
        ("T06", False, "expired"),
    ]
    assert expired[0]["task_kind"] == "verify_lead" and expired[0]["actor"] is None
    assert "第十五条第一款" in expired[0]["legal_basis"]
    late = _by_kind(steps, "task_completed", "verify_lead")
    assert late["deadline"]["met"] is False and late["actor"]["display_name"] == "张伟"
    [escalated, alert] = [s for s in steps if s["kind"] == "escalated"]
    assert (escalated["task_kind"], escalated["what"]) == ("escalation", "督办：督办（逾期任务督办）")
    assert alert["task_kind"] == "supervision_alert"
    acknowledged = _by_kind(steps, "task_completed", "escalation")
    assert acknowledged["actor"]["username"] == "cityhead1" and acknowledged["actor"]["roles"] == ["agency_head"]
    assert steps[-1]["kind"] == "case_closed" and steps[-1]["stage"] == "closed"
    assert (body["overdue"], body["result"]) == (True, "not_established")
    # head1 sees it too (清河区); officer3 (明湖区) does not
    assert await _status(live, "timeline", case_id, await sign_in(live, "head1")) == 200
    assert await _status(live, "timeline", case_id, await sign_in(live, "officer3")) == 404


async def test_the_timeline_of_a_paid_case_shows_the_party_the_payment_and_deadlines_kept(
    live: httpx.AsyncClient, seeded_url: str
) -> None:
    case_id = f"990102-20261202-{uuid.uuid4().hex[:6].upper()}"
    await asyncio.to_thread(_rebuild_projection, seeded_url, "case-paid", case_id)

    steps = (await _timeline(live, case_id, "head1"))["steps"]
    stages = [s["stage"] for s in steps if s["kind"] == "stage_entered"]
    assert stages == [
        "verification",
        "filing",
        "investigation",
        "prior_notice",
        "decision",
        "service",
        "execution",
        "closing",
    ]
    [waived] = [s for s in steps if s["kind"] == "party_waive_statement"]
    assert (waived["what"], waived["stage"], waived["actor"], waived["task_id"]) == (
        "当事人放弃陈述、申辩",
        "prior_notice",
        None,
        None,
    )
    [payment] = [s for s in steps if s["kind"] == "payment_received"]
    assert (payment["what"], payment["stage"], payment["detail"]["reference"]) == (
        "收到缴款：300 元",
        "execution",
        "bank-1",
    )
    kept = {s["task_kind"]: s["deadline"] for s in steps if s["kind"] == "task_completed" and s["deadline"]}
    assert {kind: d["met"] for kind, d in kept.items()} == dict.fromkeys(kept, True) and "decide" in kept
    unconfirmed = _by_kind(steps, "task_opened", "confirm_payment")  # paid by the bank's signal instead
    assert (unconfirmed["deadline"]["code"], unconfirmed["deadline"]["met"]) == ("T15", True)
    closed = steps[-1]
    assert (closed["kind"], closed["what"], closed["stage_name"]) == ("case_closed", "结案：paid", "已结案")
