"""A measured window of bench/api_load.py: the samples in it, their percentiles, and the table rows and
notes it prints (the CPU each process spent, errors, and the API's own latency histogram beside the bench's).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bench import cpu
from bench.api_load_config import SEARCH_MIN_DONE, SEARCH_P99_S
from bench.cases import _pct


@dataclass(frozen=True)
class Sample:
    sent: float
    act_s: float  # the POST (or the Update) alone
    round_trip_s: float  # until what it opened is visible where the next person looks
    kind: str


@dataclass
class Window:
    name: str
    offered_per_s: float
    wall_s: float
    arrived: int
    samples: list[Sample]
    errors: Counter[str]
    waited: int
    cpu_s: dict[str, float] = field(default_factory=dict)
    server_side: list[str] = field(default_factory=list)  # the API's own latency histogram, if any

    @property
    def done_per_s(self) -> float:
        return len(self.samples) / self.wall_s

    def pct(self, q: float, what: str = "round_trip_s") -> float:
        values = [getattr(s, what) for s in self.samples]
        return _pct(values, q) if values else math.inf

    def holds(self) -> bool:
        """p99 within bounds and the arrivals of the window done in it (not a backlog growing)."""
        return self.pct(99) <= SEARCH_P99_S * 1000 and len(self.samples) >= SEARCH_MIN_DONE * self.arrived


def pool_windows(windows: list[Window]) -> Window:
    errors: Counter[str] = Counter()
    for w in windows:
        errors += w.errors
    return Window(
        windows[0].name,
        windows[0].offered_per_s,
        sum(w.wall_s for w in windows),
        sum(w.arrived for w in windows),
        [s for w in windows for s in w.samples],
        errors,
        sum(w.waited for w in windows),
    )


HEADER = (
    f"{'round':<7}{'variant':<36}{'arrived':>8}{'done':>6}{'per s':>7}"
    f"{'p50 ms':>8}{'p99 ms':>8}{'act p50':>9}{'act p99':>9}"
)


def table_row(label: str, w: Window) -> str:
    return (
        f"{label:<7}{w.name:<36}{w.arrived:>8}{len(w.samples):>6}{w.done_per_s:>7.2f}{w.pct(50):>8.1f}{w.pct(99):>8.1f}"
        f"{w.pct(50, 'act_s'):>9.1f}{w.pct(99, 'act_s'):>9.1f}"
    )


# Route labels are Starlette's path_format: the ":path" converter is not in them.
ROUTES = (("POST", "/api/v1/tasks/{task_id}/complete", "act_s"), ("GET", "/api/v1/tasks", ""))
LIMITS = ("0.05", "0.15", "0.5")


def histogram_delta(
    after: dict[tuple[str, str, str], float], before: dict[tuple[str, str, str], float]
) -> dict[Any, float]:
    return {key: value - before.get(key, 0.0) for key, value in after.items()}


def server_side_lines(histogram: dict[tuple[str, str, str], float], samples: list[Sample]) -> list[str]:
    """Share of requests within 50/150/500 ms as the API's middleware timed them (its histogram over
    the window) beside the same share as the bench saw the POSTs: a tail outside the handler shows."""
    lines = []
    for method, route, attribute in ROUTES:
        total = histogram.get((method, route, "+Inf"), 0.0)
        if not total:
            continue
        shares = ", ".join(f"{histogram.get((method, route, le), 0.0) / total:.1%} <= {le} s" for le in LIMITS)
        seen = ""
        if attribute:
            values = [getattr(s, attribute) for s in samples]
            seen = "; as the bench saw them: " + ", ".join(
                f"{sum(v <= float(le) for v in values) / len(values):.1%}" for le in LIMITS
            )
        lines.append(f"        API middleware, {method} {route}: {int(total)} requests, {shares}{seen}")
    return lines


def window_notes(w: Window) -> Iterator[str]:
    yield from w.server_side
    yield "        " + cpu.describe(w.cpu_s, w.wall_s, len(w.samples))
    if w.errors:
        yield "        errors: " + "; ".join(f"{n} x {e}" for e, n in w.errors.most_common(4))
    if w.waited:
        yield f"        {w.waited} completions waited for a task old enough (the feeder fell behind)"
