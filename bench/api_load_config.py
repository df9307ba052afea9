"""The knobs of bench/api_load.py, read from the environment (bench/README.md lists them), its fixed
bounds, and the targets its parts are judged by.
"""

from __future__ import annotations

import os

OFFICERS = int(os.environ.get("BENCH_LOAD_OFFICERS", "200"))
INTERVAL_S = float(os.environ.get("BENCH_LOAD_INTERVAL_S", "30"))
DURATION_S = float(os.environ.get("BENCH_LOAD_DURATION_S", "60"))
SETTLE_S = float(os.environ.get("BENCH_LOAD_SETTLE_S", "10"))
ROUNDS = int(os.environ.get("BENCH_LOAD_ROUNDS", "1"))
POLL_S = float(os.environ.get("BENCH_LOAD_POLL_MS", "10")) / 1000
TASK_AGE_S = float(os.environ.get("BENCH_LOAD_TASK_AGE_S", "2"))
OPENERS = int(os.environ.get("BENCH_LOAD_OPENERS", "8"))  # intake requests in flight (at least; rate/2 above 16/s)
PARTS = set(os.environ.get("BENCH_LOAD_PARTS", "load,search,intake").split(","))
WITH_GATEWAY = os.environ.get("BENCH_LOAD_GATEWAY", "1") == "1"  # the diagnostic third variant in part 1

SEARCH_START = float(os.environ.get("BENCH_SEARCH_START", "7"))
SEARCH_FACTOR = float(os.environ.get("BENCH_SEARCH_FACTOR", "1.4"))
SEARCH_STEPS = int(os.environ.get("BENCH_SEARCH_STEPS", "10"))
SEARCH_STEP_S = float(os.environ.get("BENCH_SEARCH_STEP_S", "10"))
SEARCH_SETTLE_S = float(os.environ.get("BENCH_SEARCH_SETTLE_S", "5"))
SEARCH_P99_S = 1.0
SEARCH_MIN_DONE = 0.9

INTAKE_CASES = int(os.environ.get("BENCH_INTAKE_CASES", "200"))
INTAKE_CONCURRENCY = int(os.environ.get("BENCH_INTAKE_CONCURRENCY", "16"))
INTAKE_ROUNDS = int(os.environ.get("BENCH_INTAKE_ROUNDS", "2"))

STEPS_PER_CASE = 3  # verify_lead, approve_filing, investigate
VISIBLE_TIMEOUT_S = 60.0
TARGET_P99_MS = 150.0
TARGET_RATE_RATIO = 0.75
TARGET_INTAKE_RATIO = 0.8
