"""Demo render contexts, made up like core/seed.py: a 占道经营 case in 示范市清河区, one per document kind.
Used by the tests (tests/documents), the benchmark (bench/documents.py) and for previews.

张三 sells fruit from a tricycle on the pavement in front of 望江路1号 on 2026-11-03; officers 张伟 and 李娜
(seed certificates) inspect, question, preserve the scales, file the case and fine him 300 yuan under the
嘉兴-style benchmark of rules/data/violations.yaml (area ≤ 5 m², tier 轻微). The on-the-spot and no-penalty
decisions are two other small cases (李四, 王五) of the same patrol.

The case's shared facts (agency, people, times) are documents/sample_case.py; the contexts of each stage are
documents/sample_investigation.py, documents/sample_decision.py and documents/sample_enforcement.py.
"""

from __future__ import annotations

from typing import Any

from documents.sample_decision import decision_contexts
from documents.sample_enforcement import enforcement_contexts
from documents.sample_investigation import investigation_contexts


def contexts() -> dict[str, dict[str, Any]]:
    """A fresh, complete context for each document kind (callers may mutate what they get)."""
    return {**investigation_contexts(), **decision_contexts(), **enforcement_contexts()}
