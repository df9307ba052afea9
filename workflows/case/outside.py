"""Outside events: what the party, the bank, the reconsideration body or the court did, as the
agency learns of it. Two doors lead in: Signals (`party_event`, `payment_confirmed`, `remedy`) for
systems that only report, and the `record_event` Update for people and integrators who want an
answer — its validator refuses an event that makes no sense in the case's state now (409
EventNotExpected) before anything enters history. Both end in the same `receive_*` functions.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from workflows.case.context import CaseContext
from workflows.case.errors import refuse
from workflows.case.events import PartyEvent, Payment, Remedy
from workflows.case.model import Actor, Stage
from workflows.case.surcharge import surcharge_days_paused

# the period each party act belongs to (处罚法 Arts. 44, 45, 63, 64; 住建 Arts. 31–33)
PARTY_WINDOWS = {"statement": "T07", "waive_statement": "T07", "hearing_request": "T08", "waive_hearing": "T08"}
RECORDERS = ("officer", "squad_leader", "agency_head", "integrator", "admin")

OutsideKind = Literal[
    "payment_confirmed",
    "statement_received",
    "hearing_requested",
    "rights_waived",
    "review_filed",
    "review_concluded",
    "litigation_filed",
    "litigation_concluded",
]


class OutsideEvent(BaseModel):
    """The body of the `record_event` Update."""

    model_config = ConfigDict(frozen=True)

    kind: OutsideKind
    occurred_at: dt.datetime
    actor: Actor
    data: dict[str, Any] = {}


# --- what each event does (shared by the Signals and the Update) ------------------------------------


def receive_party_event(ctx: CaseContext, event: PartyEvent, actor: str | None = None) -> None:
    code = PARTY_WINDOWS.get(event.kind)
    if code is None or not ctx.running(code):
        ctx.record("party_event_outside_window", actor=actor, detail=event.model_dump(mode="json"))
        return
    ctx.inbox.party.append(event)
    ctx.clocks.met(code)
    ctx.record(f"party_{event.kind}", actor=actor, detail=event.model_dump(mode="json"))
    if event.kind == "hearing_request" and ctx.running("T06"):
        ctx.hold_case_clock("hearing", event.at)  # 住建 Art. 29 para 2


def receive_payment(ctx: CaseContext, payment: Payment, actor: str | None = None) -> None:
    ctx.inbox.payments.append(payment)
    ctx.record("payment_received", actor=actor, detail=payment.model_dump(mode="json"))


def receive_remedy(ctx: CaseContext, remedy: Remedy, actor: str | None = None) -> None:
    """复议/诉讼 filed or ended: the surcharge does not run meanwhile (处罚法 Art. 73 para 3)."""
    was_pending = ctx.inbox.remedy_pending()
    ctx.inbox.remedies.append(remedy)
    now_pending = ctx.inbox.remedy_pending()
    if ctx.running("T16") and not was_pending and now_pending:
        ctx.clocks.hold("T16")
    elif ctx.running("T16") and was_pending and not now_pending:
        t16 = ctx.clocks["T16"].clock
        total = surcharge_days_paused(t16.spec.start, ctx.inbox.remedies, remedy.at)
        ctx.clocks.release("T16", max(0, total - t16.spec.paused_days))
    ctx.record(f"{remedy.kind}_{remedy.state}", actor=actor, detail=remedy.model_dump(mode="json"))


# --- the Update door ------------------------------------------------------------------------------


def _not_expected(message: str) -> Exception:
    return refuse("EventNotExpected", message)


def _remedy_pending(ctx: CaseContext, kind: str) -> bool:
    states = [r.state for r in ctx.inbox.remedies if r.kind == kind]
    return bool(states) and states[-1] == "filed"


def _amount(event: OutsideEvent) -> Decimal:
    try:
        amount = Decimal(str(event.data.get("amount", "")))
    except InvalidOperation as exc:
        raise refuse("FormInvalid", 'data.amount: a payment needs the amount in yuan, e.g. "300"') from exc
    if not amount.is_finite() or amount <= 0:
        raise refuse("FormInvalid", f"data.amount: {amount} is not a positive amount of yuan")
    return amount


def check_event(ctx: CaseContext, event: OutsideEvent) -> None:
    """Refuse an event that cannot be true of the case now. Reads state only (it is the validator)."""
    actor = event.actor
    if not set(actor.roles) & set(RECORDERS):
        raise refuse("RoleNotAllowed", f"{actor.username} may not record events ({', '.join(RECORDERS)} may)")
    if not actor.within(ctx.case.jurisdiction_path):
        raise refuse("OutsideJurisdiction", f"{actor.username} acts in {actor.jurisdiction_path}, not in this case's")
    if ctx.is_closed:
        raise refuse("CaseClosed", f"case {ctx.case.case_id} is closed")
    kind = event.kind
    if kind == "payment_confirmed":
        _amount(event)
        if ctx.stage is not Stage.EXECUTION:
            raise _not_expected(f"no fine is due yet: the case is in {ctx.stage.value}, not execution")
    elif kind == "statement_received" and not ctx.running("T07"):
        raise _not_expected("the statement period (T07) is not running: no prior notice served, or it has ended")
    elif kind == "hearing_requested" and not ctx.running("T08"):
        raise _not_expected("no hearing can be requested now: the hearing period (T08) is not running")
    elif kind == "rights_waived" and not (ctx.running("T07") or ctx.running("T08")):
        raise _not_expected("there is no statement or hearing period running to waive")
    elif kind.endswith("_filed"):
        remedy = kind.removesuffix("_filed")
        if ctx.decided_at is None:
            raise _not_expected(f"{remedy} needs a decision to contest; none has been made")
        if _remedy_pending(ctx, remedy):
            raise _not_expected(f"a {remedy} is already pending")
    elif kind.endswith("_concluded") and not _remedy_pending(ctx, kind.removesuffix("_concluded")):
        raise _not_expected(f"no {kind.removesuffix('_concluded')} is pending to conclude")


def apply_event(ctx: CaseContext, event: OutsideEvent) -> None:
    """The `record_event` handler's act, after the same checks again."""
    check_event(ctx, event)
    who, at, kind = event.actor.username, event.occurred_at, event.kind
    text = str(event.data.get("text", ""))
    if kind == "payment_confirmed":
        reference = str(event.data.get("reference", ""))
        receive_payment(ctx, Payment(amount_yuan=_amount(event), paid_at=at, reference=reference), who)
    elif kind == "statement_received":
        receive_party_event(ctx, PartyEvent(kind="statement", at=at, text=text), who)
    elif kind == "hearing_requested":
        receive_party_event(ctx, PartyEvent(kind="hearing_request", at=at, text=text), who)
    elif kind == "rights_waived":  # statement, defence and hearing at once (express waiver)
        for waiver in ("waive_statement", "waive_hearing"):
            if ctx.running(PARTY_WINDOWS[waiver]):
                receive_party_event(ctx, PartyEvent(kind=waiver, at=at, text=text), who)
    else:
        remedy, _, state = kind.partition("_")
        receive_remedy(ctx, Remedy(kind=remedy, state="filed" if state == "filed" else "ended", at=at), who)
