"""CPU seconds spent by this process and the processes it started (the dev server, the worker, the
API), read from /proc: on a 2-core machine, where each one's time goes says why a latency grows."""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")


def _label(pid: int, me: int) -> str:
    if pid == me:
        return "bench"
    try:
        cmdline = (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return f"pid {pid}"
    if "bench.worker_main" in cmdline:
        return "worker"
    if "uvicorn" in cmdline:
        return "api"
    if "temporal" in cmdline and "server" in cmdline:
        return "server"
    return cmdline.split(" ", 1)[0].rsplit("/", 1)[-1] or f"pid {pid}"


def snapshot() -> dict[str, float]:
    """CPU seconds (user + system) so far, by process: this one ("bench") and its direct children."""
    if not PROC.is_dir():
        return {}
    tick = os.sysconf("SC_CLK_TCK")
    me = os.getpid()
    seconds: dict[str, float] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()  # after "pid (comm) ": state ppid ... utime stime
        pid, ppid = int(entry.name), int(fields[1])
        if pid != me and ppid != me:
            continue
        name = _label(pid, me)
        seconds[name] = seconds.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return seconds


def spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: after[name] - before.get(name, 0.0) for name in after}


def describe(used: dict[str, float], wall_s: float, per: int) -> str:
    """e.g. "CPU over 60 s: server 0.71 cores (64 ms each), worker 0.32 cores (29 ms each) …"."""
    order = ("server", "worker", "api", "bench")
    names = sorted(used, key=lambda n: (order.index(n) if n in order else len(order), n))
    parts = []
    for name in names:
        if used[name] < 0.005 * wall_s:
            continue
        each = f", {used[name] / per * 1000:.0f} ms each" if per else ""
        parts.append(f"{name} {used[name] / wall_s:.2f} cores{each}")
    return f"CPU over {wall_s:.0f} s: " + "; ".join(parts) if parts else "CPU: not measured"
