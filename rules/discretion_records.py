"""The records of applying a discretion benchmark (行政处罚裁量基准): its result, the check of a proposed
fine, and the deviation (with its mitigation ground) that lets a fine leave the tier's range.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rules.catalogue import ApprovalKind, Confidence, FineUnit, LegalClause, PartyType, TierLevel


class MitigationGround(StrEnum):
    """Grounds for a lighter or reduced penalty; the value is the article of 处罚法 that gives it."""

    MINOR_14_TO_18 = "第三十条"  # 已满十四周岁不满十八周岁的未成年人
    LIMITED_CAPACITY = "第三十一条"  # 尚未完全丧失辨认或者控制能力的精神病人、智力残疾人
    ELIMINATED_HARM = "第三十二条第（一）项"  # 主动消除或者减轻违法行为危害后果
    COERCED_OR_INDUCED = "第三十二条第（二）项"  # 受他人胁迫或者诱骗
    CONFESSED_UNKNOWN = "第三十二条第（三）项"  # 主动供述行政机关尚未掌握的违法行为
    MERITORIOUS_SERVICE = "第三十二条第（四）项"  # 配合查处有立功表现
    OTHER_LAW = "第三十二条第（五）项"  # 法律、法规、规章规定的其他情形


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Deviation(_Frozen):
    """The record that lets a fine leave the tier's range (国办发〔2022〕27号 item 12)."""

    approval: ApprovalKind
    record_ref: str = Field(min_length=1, description="批准材料或集体讨论记录的编号，归入执法案卷")
    reason: str = Field(min_length=1, description="明显不当、显失公平或客观情况变化的具体理由")
    mitigation_ground: MitigationGround | None = None


class NoPenaltyOption(_Frozen):
    """A discretionary 不予处罚 path (首违不罚) that the agency may take instead of the tier."""

    rule_id: str
    conditions_text: str
    basis: LegalClause
    requires_education_record: bool = True
    requires_approval: bool = True  # REFERENCE §3.7 (I): record the reasons and approve


class BenchmarkResult(_Frozen):
    catalogue_version: str
    violation_code: str
    violation_name: str
    party_type: PartyType
    tier_id: str
    tier: TierLevel
    conditions_text: str
    penalise: bool
    fine_unit: FineUnit | None
    fine_min_yuan: Decimal | None
    fine_max_yuan: Decimal | None
    fine_min_percent: Decimal | None = None
    fine_max_percent: Decimal | None = None
    cost_base_yuan: Decimal | None = None
    statutory_bracket: str | None
    statutory_min_yuan: Decimal | None
    statutory_max_yuan: Decimal | None
    statutory_clause: LegalClause | None
    fine_optional: bool
    measures: tuple[str, ...]
    legal_basis: tuple[LegalClause, ...]
    benchmark_title: str | None
    benchmark_doc_no: str | None
    benchmark_confidence: Confidence
    illustrative: bool
    requires_collective_decision: bool
    requires_education_record: bool
    deviation_approvals: tuple[ApprovalKind, ...]
    no_penalty_option: NoPenaltyOption | None
    reasoning: str


class FineCheck(_Frozen):
    amount_yuan: Decimal
    outcome: Literal["within_tier", "deviation", "reduced", "no_penalty", "no_penalty_discretionary"]
    within_tier: bool
    within_statutory_range: bool
    deviation: Deviation | None
    requires_education_record: bool
    requires_collective_decision: bool
    benchmark: BenchmarkResult
    reasoning: str
