"""The API under load, each measurement beside the bare-Temporal floor on the same dev server, in the
same run, with the same worker (bench/stack.py: dev server as in bench/cases.py, fresh demo-seeded
PostgreSQL schema, `zhifa worker` and `uvicorn api.main:app` as subprocesses).

1. Simulated officers: completions arrive as a Poisson stream at `officers / interval` per second
   (200 officers, one completion each 30 s on average: 6.7/s), at most one in flight per officer.
   A completion is POST /api/v1/tasks/{id}/complete by the person whose task it is (officer1 for
   verify_lead and investigate, head1 for approve_filing); its round trip runs from sending the POST
   until every task it opened is listed by GET /api/v1/tasks?case_id=… for the person who acts next,
   polled every BENCH_LOAD_POLL_MS. Tasks come from cases opened through POST /api/v1/cases with the
   demo integrator key and are walked verify_lead → approve_filing → investigate; a task is taken
   (oldest first) once it has been visible for BENCH_LOAD_TASK_AGE_S, as a person needs a moment to
   open it. The floor: the same arrivals, each one `BareUpdatesWorkflow.step` Update, on bare
   workflows started 1 per 3 Updates as the cases are. A third, diagnostic variant (BENCH_LOAD_GATEWAY)
   sends what the API's handler sends to Temporal (the case's `complete_task` Update, whose answer
   lists the next tasks) straight from the bench, to split the API's latency into Temporal's part and
   its own.
   The variants' windows alternate, so a noisy moment on a shared machine hits each alike.
2. Rate search: the same two simulations at stepped rates (x BENCH_SEARCH_FACTOR per step); a step
   holds when its p99 stays within 1 s and at least 90 % of the step's arrivals were done in it
   (the Poisson clock never waits, so a growing backlog fails the step). The highest completion rate
   the API held over the highest the floor held.
3. Intake burst: BENCH_INTAKE_CASES cases through POST /api/v1/cases, BENCH_INTAKE_CONCURRENCY at
   once, against bare workflow starts that, like the API, wait until the new workflow answers a
   query (the API answers with the case's first tasks, read from the workflow).

The knobs are bench/api_load_config.py; the backends bench/api_load_backends.py; the simulation
bench/api_load_simulation.py; its windows and their reports bench/api_load_windows.py; part 3 bench/api_load_intake.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
from collections import Counter, deque

import httpx
from temporalio.client import Client

from bench.api_load_backends import READER_OF_ROLE, ApiBackend, BareBackend, GatewayBackend
from bench.api_load_config import (
    DURATION_S,
    INTAKE_CONCURRENCY,
    INTERVAL_S,
    OFFICERS,
    OPENERS,
    PARTS,
    POLL_S,
    ROUNDS,
    SEARCH_FACTOR,
    SEARCH_MIN_DONE,
    SEARCH_P99_S,
    SEARCH_SETTLE_S,
    SEARCH_START,
    SEARCH_STEP_S,
    SEARCH_STEPS,
    SETTLE_S,
    TARGET_P99_MS,
    TARGET_RATE_RATIO,
    TASK_AGE_S,
    WITH_GATEWAY,
)
from bench.api_load_intake import run_intake
from bench.api_load_simulation import Simulation
from bench.api_load_windows import HEADER, Window, pool_windows, table_row, window_notes
from bench.cases import _pct, start_dev_server
from bench.stack import (
    SignedIn,
    api_server,
    http_client,
    load_average,
    scratch,
    seeded_schema,
    stack_environment,
    temporal_address,
    worker,
)


async def run_load(bare: Simulation, api: Simulation, gateway: Simulation | None) -> dict[str, float]:
    rate = OFFICERS / INTERVAL_S
    print(
        f"\n1. {OFFICERS} officers, a completion each {INTERVAL_S:g} s on average ({rate:.2f}/s offered), "
        f"{DURATION_S:g} s measured per window after {SETTLE_S:g} s; inbox polled every {POLL_S * 1000:g} ms; "
        f"tasks taken once {TASK_AGE_S:g} s old"
    )
    print(HEADER)
    sims = [bare, *([gateway] if gateway else []), api]
    windows: dict[str, list[Window]] = {sim.backend.name: [] for sim in sims}
    for n in range(1, ROUNDS + 1):
        for sim in sims:
            sim.rate = rate
            w = await sim.window(SETTLE_S, DURATION_S)
            windows[sim.backend.name].append(w)
            print(table_row(str(n), w))
            for line in window_notes(w):
                print(line)
    floor = pool_windows(windows[bare.backend.name])
    served = pool_windows(windows[api.backend.name])
    kinds = Counter(s.kind for s in served.samples)
    by_kind = ", ".join(
        f"{k} p50 {_pct([s.round_trip_s for s in served.samples if s.kind == k], 50):.0f} / p99 "
        f"{_pct([s.round_trip_s for s in served.samples if s.kind == k], 99):.0f} ms ({kinds[k]})"
        for k in sorted(kinds)
    )
    p99 = served.pct(99)
    print(f"API round trip by kind: {by_kind}")
    if gateway:
        direct = pool_windows(windows[gateway.backend.name])
        print(
            f"where the API's time goes, p50 (p99): bare Update {floor.pct(50):.1f} ({floor.pct(99):.1f}) ms; "
            f"the case's Update (answering with the next tasks) {direct.pct(50):.1f} ({direct.pct(99):.1f}) ms; "
            f"the POST "
            f"{served.pct(50, 'act_s'):.1f} ({served.pct(99, 'act_s'):.1f}) ms; until listed in the inbox "
            f"{served.pct(50):.1f} ({p99:.1f}) ms"
        )
    print(
        f"all rounds: floor p50 {floor.pct(50):.1f} / p99 {floor.pct(99):.1f} ms; API complete -> inbox "
        f"p50 {served.pct(50):.1f} / p99 {p99:.1f} ms (POST alone p50 {served.pct(50, 'act_s'):.1f} / p99 "
        f"{served.pct(99, 'act_s'):.1f} ms); ratio p50 {served.pct(50) / floor.pct(50):.2f}x, "
        f"p99 {p99 / floor.pct(99):.2f}x; target p99 < {TARGET_P99_MS:.0f} ms: "
        f"{'met' if p99 < TARGET_P99_MS else 'NOT met'}"
    )
    return {"p99_ms": p99, "floor_p99_ms": floor.pct(99)}


async def run_search(bare: Simulation, api: Simulation) -> dict[str, float]:
    rates = [SEARCH_START * SEARCH_FACTOR**i for i in range(SEARCH_STEPS)]
    print(
        f"\n2. rate search: offered {', '.join(f'{r:.1f}' for r in rates)} completions/s, {SEARCH_STEP_S:g} s "
        f"measured per step after {SEARCH_SETTLE_S:g} s; a step holds when p99 <= {SEARCH_P99_S * 1000:.0f} ms "
        f"and >= {SEARCH_MIN_DONE:.0%} of its arrivals are done in it; after the first step that fails, one "
        "step half-way (geometric mean) between it and the last that held"
    )
    print(HEADER + "  holds")
    sims = (bare, api)
    plans = {sim.backend.name: deque(rates) for sim in sims}
    best = {sim.backend.name: 0.0 for sim in sims}
    last_ok = {sim.backend.name: 0.0 for sim in sims}
    failed = {sim.backend.name: False for sim in sims}
    refined: set[str] = set()
    while any(plans.values()):
        for sim in sims:
            name = sim.backend.name
            if not plans[name]:
                continue
            sim.rate = plans[name].popleft()
            w = await sim.window(SEARCH_SETTLE_S, SEARCH_STEP_S)
            ok = w.holds()
            print(table_row(f"{sim.rate:.1f}", w) + f"  {'yes' if ok else 'no'}")
            for line in window_notes(w):
                print(line)
            if ok:
                best[name] = max(best[name], w.done_per_s)
                last_ok[name] = max(last_ok[name], sim.rate)
                continue
            failed[name] = True
            plans[name].clear()
            if name not in refined and last_ok[name] and sim.rate > last_ok[name]:
                refined.add(name)
                plans[name].append(math.sqrt(last_ok[name] * sim.rate))
    floor_best, api_best = best[bare.backend.name], best[api.backend.name]
    bound = "" if failed[bare.backend.name] else " (the floor held at every step: the ratio is an upper bound)"
    ratio = api_best / floor_best if floor_best else 0.0
    print(
        f"highest sustained: floor {floor_best:.1f}/s, API {api_best:.1f}/s; ratio {ratio:.2f}x{bound}; "
        f"target >= {TARGET_RATE_RATIO}x: {'met' if ratio >= TARGET_RATE_RATIO else 'NOT met'}"
    )
    return {"floor_best": floor_best, "api_best": api_best, "ratio": ratio}


async def main() -> None:
    print(
        f"API under load against the bare-workflow floor; dev server (SQLite WAL), worker and API "
        f"(uvicorn, 1 process) as {os.environ.get('BENCH_WORKER', 'subprocess')} / "
        f"{os.environ.get('BENCH_API', 'subprocess')}; PostgreSQL projections; load average {load_average()}"
    )
    with scratch("zhifa-bench-api-") as tmp, seeded_schema() as url:
        env = await start_dev_server(tmp)
        try:
            settings = stack_environment(url, temporal_address(env.client), tmp / "var")
            async with (
                worker(env.client, settings, tmp),
                api_server(settings, tmp, env.client) as base,
                http_client(base, OFFICERS + OPENERS + INTAKE_CONCURRENCY) as http,
            ):
                await _measure(env.client, http)
        finally:
            await env.shutdown()
    print(f"load average at the end: {load_average()}")


async def _measure(client: Client, http: httpx.AsyncClient) -> None:
    signed = SignedIn(http)
    team = []
    for username in ("officer1", "officer2"):
        me = await signed.me(username)
        team.append({"user_id": me["id"], "name": me["display_name"], "certificate_no": me["certificate_no"]})
    for username in READER_OF_ROLE.values():
        await signed(username)
    api_backend = ApiBackend(http, signed, team)
    rate = OFFICERS / INTERVAL_S
    bare = Simulation(BareBackend(client), OFFICERS, rate, seed=1)
    api = Simulation(api_backend, OFFICERS, rate, seed=2)
    gateway = Simulation(GatewayBackend(client), OFFICERS, rate, seed=3) if WITH_GATEWAY else None
    sims = [bare, api, *([gateway] if gateway else [])]
    for sim in sims:
        sim.start()
    try:
        if "load" in PARTS:
            await run_load(bare, api, gateway)
        if "search" in PARTS:
            await run_search(bare, api)
        if "intake" in PARTS:  # last: a burst leaves the worker projecting hundreds of new cases for a while
            await run_intake(client, api_backend)
    finally:
        for sim in sims:
            await sim.stop()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
