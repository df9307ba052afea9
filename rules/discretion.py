"""Check a proposed fine against the discretion benchmark (行政处罚裁量基准) that applies to a case's facts.

Pure: the catalogue is loaded and validated when rules/discretion_benchmark.py is imported (a malformed
catalogue fails start-up); the functions below do no I/O, read no clock and may run inside workflow code.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from rules import errors
from rules.catalogue import ApprovalKind, Catalogue
from rules.conditions import as_decimal
from rules.discretion_benchmark import FEN, apply_benchmark, format_yuan
from rules.discretion_records import Deviation, FineCheck

_PENALTY_LAW = "中华人民共和国行政处罚法"

APPROVAL_ZH = {
    ApprovalKind.PRINCIPAL_HEAD: "本机关主要负责人批准",
    ApprovalKind.COLLECTIVE_DISCUSSION: "本机关负责人集体讨论通过",
    ApprovalKind.ISSUING_BODY: "基准制定机关批准",
}


def _amount(value: object) -> Decimal:
    amount: Decimal | None = None
    if not isinstance(value, bool) and isinstance(value, (int, float, Decimal, str)):
        with contextlib.suppress(InvalidOperation):
            amount = as_decimal(value)
    if amount is None or not amount.is_finite() or amount != amount.quantize(FEN):
        raise errors.RuleError(f"a fine amount must be a finite number of yuan, at most 2 decimals: {value!r}")
    if amount < 0:
        raise errors.NegativeAmount("the fine amount", value)
    return amount.quantize(FEN)


def check_fine(
    violation_code: str,
    party_type: str,
    facts: Mapping[str, object],
    amount_yuan: Decimal | int | float | str,
    deviation: Deviation | None = None,
    *,
    on: date | None = None,
    catalogue: Catalogue | None = None,
) -> FineCheck:
    """Whether `amount_yuan` may be imposed; raises a `FineNotAllowed` subclass when it may not.

    Inside the tier's range: allowed. Outside it but inside the statutory range: only with a
    `Deviation` (国办发〔2022〕27号 item 12). Below the statutory minimum: 减轻处罚, only with a deviation
    naming its ground (处罚法 Arts. 30–32). Above the statutory maximum: never.
    """
    amount = _amount(amount_yuan)
    res = apply_benchmark(violation_code, party_type, facts, on=on, catalogue=catalogue)
    where = f"{res.violation_code} / tier {res.tier_id} ({res.tier})"

    def done(outcome: str, within_tier: bool, within_law: bool, note: str = "") -> FineCheck:
        return FineCheck.model_validate(
            {
                "amount_yuan": amount,
                "outcome": outcome,
                "within_tier": within_tier,
                "within_statutory_range": within_law,
                "deviation": deviation if outcome in ("deviation", "reduced") else None,
                "requires_education_record": outcome.startswith("no_penalty"),
                "requires_collective_decision": res.requires_collective_decision,
                "benchmark": res,
                "reasoning": res.reasoning + note,
            }
        )

    if not res.penalise:
        if amount > 0:
            raise errors.NoPenaltyRequired(
                f"{where}: the law requires no penalty here, so no fine ({amount} yuan) is allowed"
            )
        return done("no_penalty", True, True)
    if amount == 0 and res.no_penalty_option is not None:
        note = "经审批决定不予行政处罚（首违不罚），应当记录理由并制作教育记录。"
        return done("no_penalty_discretionary", False, True, note)
    assert res.statutory_min_yuan is not None and res.statutory_max_yuan is not None
    smin, smax = res.statutory_min_yuan, res.statutory_max_yuan
    lo, hi = res.fine_min_yuan or Decimal(0), res.fine_max_yuan or Decimal(0)
    if amount > smax:
        raise errors.FineAboveStatutoryMaximum(
            f"{where}: {amount} yuan is above the statutory maximum {smax} yuan "
            f"({res.statutory_clause.cite() if res.statutory_clause else ''}); no deviation can allow it"
        )
    if lo <= amount <= hi:
        return done("within_tier", True, True)
    within_law = amount >= smin or (amount == 0 and res.fine_optional)
    if not within_law and amount == 0:
        raise errors.ReductionNotJustified(
            f"{where}: the law requires a fine; no fine at all is not a reduction but 不予处罚, which needs "
            "an Art. 33 ground"
        )
    allowed = " or ".join(a.value for a in res.deviation_approvals)
    if deviation is None:
        error = errors.FineOutsideBenchmark if within_law else errors.ReductionNotJustified
        raise error(
            f"{where}: {amount} yuan is outside the tier's range {lo}–{hi} yuan"
            + ("" if within_law else f" and below the statutory minimum {smin} yuan (减轻处罚)")
            + f"; record a deviation approved by {allowed}, with the record reference and reason"
            " (国办发〔2022〕27号 item 12)" + ("" if within_law else " and the ground under 处罚法 Arts. 30–32")
        )
    if deviation.approval not in res.deviation_approvals:
        raise errors.InvalidDeviation(f"{where}: deviations from this benchmark must be approved by {allowed}")
    if not within_law and deviation.mitigation_ground is None:
        raise errors.ReductionNotJustified(
            f"{where}: {amount} yuan is below the statutory minimum {smin} yuan; a reduction (减轻处罚) must "
            "record its ground under 处罚法 Arts. 30–32"
        )
    note = (
        f"罚款{format_yuan(amount)}元超出裁量基准“{res.tier}”阶次{format_yuan(lo)}元至{format_yuan(hi)}元的范围，因{deviation.reason}，"
        f"经{APPROVAL_ZH[deviation.approval]}（记录：{deviation.record_ref}）调整适用裁量基准"
        "（国办发〔2022〕27号第（十二）项）。"
    )
    if not within_law and deviation.mitigation_ground is not None:
        article = deviation.mitigation_ground.value
        note += f"该数额低于法定最低罚款{format_yuan(smin)}元，依据《{_PENALTY_LAW}》{article}减轻处罚。"
        return done("reduced", False, False, note)
    return done("deviation", False, True, note)
