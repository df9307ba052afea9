"""The document catalogue (rules/data/documents.yaml) is validated at start-up: a malformed entry names the
document kind and the field; every kind has its template and every template its kind."""

import copy
from typing import Any

import pytest

from documents.render import TEMPLATES
from rules.data_files import load_yaml
from rules.deadline_table import load_timer_table
from rules.document_kinds import UnknownDocumentKind, load_document_kinds, parse_document_kinds
from rules.errors import RuleDataError

RAW: dict[str, Any] = load_yaml("documents.yaml")

# The list: at least these documents, by title (REFERENCE §2).
REQUIRED_TITLES = {
    "案件来源登记表", "现场检查（勘验）笔录", "询问笔录", "责令（限期）改正通知书", "立案审批表",
    "证据先行登记保存通知书", "案件调查终结报告", "行政处罚事先告知书", "听证告知书", "听证通知书",
    "陈述申辩笔录及复核意见", "法制审核意见书", "集体讨论记录", "行政处罚决定书", "当场行政处罚决定书",
    "不予行政处罚决定书", "送达回证", "罚没款缴款通知书", "催告书", "强制执行申请书", "结案审批表",
}  # fmt: skip


def mutated(which: str, **changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(RAW)
    for doc in raw["documents"]:
        if doc["kind"] == which:
            for key, value in changes.items():
                if value is None:
                    doc.pop(key, None)
                else:
                    doc[key] = value
    return raw


def with_field(which: str, index: int, **changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(RAW)
    doc = next(d for d in raw["documents"] if d["kind"] == which)
    doc["required"][index] = {**doc["required"][index], **changes}
    return raw


def test_the_shipped_catalogue_is_valid_and_complete() -> None:
    catalogue = parse_document_kinds(RAW)
    assert {d.title for d in catalogue.documents} >= REQUIRED_TITLES
    assert catalogue.get("penalty_decision").type_code == "罚"
    assert catalogue.get("prior_notice").type_code == "告"
    assert not catalogue.get("inquiry_record").numbered
    for doc in catalogue.documents:
        assert doc.numbered == (doc.type_code is not None)
        assert all(f.confidence.value in {"V", "V2", "M", "I"} for f in doc.required)


def test_every_kind_has_its_template_and_every_template_its_kind() -> None:
    catalogue = load_document_kinds()
    templates = {p.name for p in TEMPLATES.glob("*.html") if not p.name.startswith("_")}
    assert templates == {d.template for d in catalogue.documents}


def test_statutory_periods_are_read_from_the_timer_table() -> None:
    table = load_timer_table()
    decision = load_document_kinds().get("penalty_decision")
    assert set(decision.periods) == {"T15", "T16", "T17", "T18"}
    assert "行政复议法" in table.get("T17").legal_basis
    assert "行政诉讼法" in table.get("T18").legal_basis
    assert "T17" in load_document_kinds().get("on_the_spot_decision").periods
    # 复议前置: the on-the-spot decision names no direct litigation period
    assert "T18" not in load_document_kinds().get("on_the_spot_decision").periods


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (mutated("penalty_decision", stage="judgement"), "penalty_decision.stage: .*unknown stage"),
        (mutated("penalty_decision", type_code=None), "penalty_decision.type_code"),
        (mutated("inquiry_record", type_code="询"), "inquiry_record: .*unnumbered one has none"),
        (mutated("penalty_decision", type_code="FA"), "Chinese characters"),
        (mutated("reminder", type_code="罚"), "duplicate type_codes"),
        (mutated("penalty_decision", periods=["T99"]), "penalty_decision.periods: .*unknown timer code"),
        (mutated("penalty_decision", template="decision.pdf"), "penalty_decision.template"),
        (mutated("payment_notice", kind="penalty_decision"), "duplicate kinds"),
        (mutated("reminder", required=[]), "reminder.required"),
        (mutated("reminder", confidence="sure"), "reminder.confidence"),
        (mutated("reminder", surprise=1), "reminder.surprise"),
        (with_field("penalty_decision", 0, confidence="likely"), r"penalty_decision.required.0.confidence"),
        (with_field("penalty_decision", 0, key="Party Name"), r"penalty_decision.required.0.key"),
        (with_field("penalty_decision", 0, key="party.items"), "dict method"),
        (with_field("penalty_decision", 0, legal_basis=""), r"penalty_decision.required.0.legal_basis"),
        (with_field("penalty_decision", 0, type="number"), r"penalty_decision.required.0.type"),
        (with_field("penalty_decision", 0, min_items=2), "min_items needs a list key"),
        (with_field("penalty_decision", 1, key="party.name"), "required keys repeat"),
        (with_field("penalty_decision", 0, when={"key": "a.b", "equals": "x", "in": ["y"]}), "not both"),
    ],
)
def test_a_malformed_entry_is_a_clear_start_up_error(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleDataError, match=message):
        parse_document_kinds(raw)


def test_an_unknown_kind_names_the_known_ones() -> None:
    with pytest.raises(UnknownDocumentKind, match="known kinds: case_source_register"):
        load_document_kinds().get("penalty_notice")
