"""Outside events a case listens for, delivered as Signals (payment by the bank, a statement
through a portal, review or litigation filed …), and the pauses of the case clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from pydantic import BaseModel

from rules.calendar import SHANGHAI


class PartyEvent(BaseModel):
    """A party's act received by the agency: a statement, a hearing request, a waiver."""

    kind: str  # statement | hearing_request | waive_statement | waive_hearing
    at: dt.datetime
    text: str = ""


class Payment(BaseModel):
    amount_yuan: Decimal
    paid_at: dt.datetime
    reference: str = ""


class Remedy(BaseModel):
    """复议 (administrative reconsideration) or 诉讼 (litigation) filed or ended."""

    kind: str  # review | litigation
    state: str  # filed | ended
    at: dt.datetime


def excluded_days(start: dt.datetime, end: dt.datetime) -> int:
    """Whole calendar days excluded from a clock, counted in Asia/Shanghai: the days after the
    pause started up to the day it ended (C5: the start day itself still counts)."""
    return max(0, (end.astimezone(SHANGHAI).date() - start.astimezone(SHANGHAI).date()).days)


@dataclass
class Inbox:
    """What the signals delivered, for the stages to read."""

    party: list[PartyEvent] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    remedies: list[Remedy] = field(default_factory=list)

    def has(self, kind: str) -> bool:
        return any(e.kind == kind for e in self.party)

    def paid_yuan(self) -> Decimal:
        return sum((p.amount_yuan for p in self.payments), Decimal(0))

    def remedy_pending(self) -> bool:
        state: dict[str, str] = {}
        for remedy in self.remedies:
            state[remedy.kind] = remedy.state
        return any(s == "filed" for s in state.values())


class EvidenceRecorded(BaseModel):
    """A file entered as evidence (its bytes in the store, its hash a leaf of the ledger)."""

    evidence_id: str
    kind: str
    sha256: str
    size: int
    leaf_index: int
    recorded_by: str
    recorded_at: dt.datetime
    source: str = "upload"
