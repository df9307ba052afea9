"""Fixtures of the alarm triage tests (test_alarm_triage.py, test_alarm_notice.py): `db`, a fresh migrated
schema the activities write to; `env`, a time-skipping server with the case and triage workflows' worker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from tests.workflows.alarm_support import triage_database, triage_worker


@pytest.fixture
def db(pg_schema_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    with triage_database(pg_schema_url, monkeypatch, tmp_path) as url:
        yield url


@pytest.fixture
async def env(db: str) -> AsyncIterator[tuple[WorkflowEnvironment, Client]]:
    async with triage_worker() as running:
        yield running
