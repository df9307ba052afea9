"""The wording documents print for the platform's codes (rules/data/document_terms.yaml), validated.

Every target value must be one of the `choices` the document catalogue allows for the field it fills
(a term the renderer would refuse is a start-up error, not a failed issuance in the middle of a case).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rules.catalogue import LegalClause
from rules.data_files import load_yaml, validate_data
from rules.document_kinds import load_document_kinds


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NoPenaltyGround(_Frozen):
    reason: str = Field(min_length=1)
    basis: LegalClause


class CheckWording(_Frozen):
    passed: str = Field(min_length=1)
    failed: str = Field(min_length=1)


class StatementReview(_Frozen):
    result: str = Field(min_length=1)
    finding: str = Field(min_length=1)


class AgencyNames(_Frozen):
    department: str = Field(pattern=r"\{place\}")
    street: str = Field(pattern=r"\{place\}")
    review_body: str = Field(pattern=r"\{place\}")
    court: str = Field(pattern=r"\{place\}")


class DocumentTerms(_Frozen):
    version: str = Field(min_length=1)
    sources: dict[str, str]
    service_methods: dict[str, str]
    payment_methods: dict[str, str]
    closing_grounds: dict[str, str]
    no_penalty_grounds: dict[str, NoPenaltyGround]
    report_proposals: dict[str, str]
    legal_review_conclusions: dict[str, str]
    legal_review_checks: dict[str, CheckWording]
    statement_reviews: dict[str, StatementReview]
    discussion_topic: str = Field(min_length=1)
    agency_names: AgencyNames

    @model_validator(mode="after")
    def _allowed_by_the_documents(self) -> DocumentTerms:
        kinds = load_document_kinds()

        def allowed(kind: str, key: str) -> tuple[str, ...] | None:
            return kinds.get(kind).field(key).choices

        checks = [
            ("sources", self.sources, allowed("case_source_register", "source.type")),
            ("service_methods", self.service_methods, allowed("service_receipt", "service.method")),
            ("payment_methods", self.payment_methods, allowed("on_the_spot_decision", "spot.payment_method")),
            ("closing_grounds", self.closing_grounds, allowed("closing_approval", "closing.ground")),
            (
                "legal_review_conclusions",
                self.legal_review_conclusions,
                allowed("legal_review_opinion", "review.conclusion"),
            ),
            (
                "statement_reviews",
                {k: v.result for k, v in self.statement_reviews.items()},
                allowed("statement_record", "review.result"),
            ),
        ]
        if set(self.payment_methods) != {"on_the_spot", "bank"}:
            raise ValueError("payment_methods: give exactly on_the_spot and bank")
        for name, mapping, choices in checks:
            wrong = sorted(v for v in mapping.values() if choices is not None and v not in choices)
            if wrong:
                raise ValueError(f"{name}: {wrong} not among the document's choices {list(choices or ())}")
        return self


def parse_document_terms(raw: Any, source: str = "document_terms.yaml") -> DocumentTerms:
    return validate_data(DocumentTerms, raw, "terms", source)


@lru_cache(maxsize=1)
def load_document_terms() -> DocumentTerms:
    """The shipped terms, loaded and validated once."""
    return parse_document_terms(load_yaml("document_terms.yaml"))
