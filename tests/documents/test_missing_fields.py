"""A value the law requires is never printed as a blank: a missing or blank required value is an error at
render time that names the field and its legal basis; a wrong type or choice is refused too."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from documents.errors import DocumentError, InvalidDocumentField, MissingDocumentField
from documents.fields import holds
from documents.render import render_html
from documents.samples import contexts
from rules.document_kinds import RequiredField, load_document_kinds
from tests.documents.helpers import call_kwargs

CASES = [
    (doc.kind, spec)
    for doc in load_document_kinds().documents
    for spec in doc.required
    if spec.when is None or holds(contexts()[doc.kind], spec.when)
]


def _first_path(key: str) -> list[str | int]:
    """`a.b[].c` → ["a", "b", 0, "c"]: the path of the key's first leaf."""
    path: list[str | int] = []
    for segment in key.split("."):
        path.append(segment.removesuffix("[]"))
        if segment.endswith("[]"):
            path.append(0)
    return path


def _set(context: dict[str, Any], key: str, value: Any, *, delete: bool = False) -> dict[str, Any]:
    changed = copy.deepcopy(context)
    *parents, last = _first_path(key)
    node: Any = changed
    for part in parents:
        node = node[part]
    if delete and isinstance(last, int):  # an element of a list of texts: blank it
        node[last] = None
    elif delete:
        del node[last]
    else:
        node[last] = value
    return changed


def html(kind: str, context: dict[str, Any], **overrides: Any) -> str:
    return render_html(kind, context, **{**call_kwargs(kind), **overrides})


@pytest.mark.parametrize(("kind", "spec"), CASES, ids=[f"{k}:{s.key}" for k, s in CASES])
def test_a_missing_required_value_names_the_field_and_its_legal_basis(kind: str, spec: RequiredField) -> None:
    context = _set(contexts()[kind], spec.key, None, delete=True)
    with pytest.raises(MissingDocumentField) as caught:
        html(kind, context)
    error = caught.value
    assert error.key == spec.key and error.legal_basis == spec.legal_basis
    assert spec.label in str(error) and spec.legal_basis in str(error)


@pytest.mark.parametrize(("kind", "spec"), CASES[::3], ids=[f"{k}:{s.key}" for k, s in CASES[::3]])
def test_a_blank_required_value_is_missing_too(kind: str, spec: RequiredField) -> None:
    blank = "   " if spec.type.value in {"text", "date", "datetime", "money"} else None
    with pytest.raises(MissingDocumentField, match=spec.key.split("[]")[0].split(".")[0]):
        html(kind, _set(contexts()[kind], spec.key, blank))


def test_an_empty_list_is_missing_and_the_path_names_the_element() -> None:
    context = contexts()["penalty_decision"]
    context["decision"]["evidence"] = []
    with pytest.raises(MissingDocumentField, match=r"decision\.evidence \(证据\)"):
        html("penalty_decision", context)
    context = contexts()["evidence_preservation_notice"]
    context["preservation"]["inventory"][1]["model"] = ""
    with pytest.raises(MissingDocumentField, match=r"preservation\.inventory\[1\]\.model \(型号\).*第十九条第二款"):
        html("evidence_preservation_notice", context)


def test_two_officers_are_required_where_the_law_says_so() -> None:
    context = contexts()["inspection_record"]
    context["officers"] = context["officers"][:1]
    with pytest.raises(InvalidDocumentField, match=r"at least 2.*第四十二条"):
        html("inspection_record", context)
    spot = contexts()["on_the_spot_decision"]
    spot["officers"] = spot["officers"][:1]  # 简易程序: one officer may sign (处罚法 Art. 52)
    html("on_the_spot_decision", spot)


@pytest.mark.parametrize(
    ("kind", "key", "value", "message"),
    [
        ("penalty_decision", "decision.benchmark.tier", {"level": 3}, "expected text"),
        ("filing_approval", "filing.approved_on", "next week", "filing.approved_on"),
        ("inspection_record", "inspection.started_at", "2026-11-03T14:25:00", "no time zone"),
        ("payment_notice", "payment.amount", 300.5, "floats|amount"),
        ("payment_notice", "payment.amount", "-1", "non-negative"),
        ("payment_notice", "payment.amount", "300.001", "to the fen"),
        ("filing_approval", "filing.conditions.evidence", "yes", "true or false"),
        ("legal_review_opinion", "review.conclusion", "同意", "use one of: 同意处罚意见"),
        ("service_receipt", "service.method", "短信送达", "use one of"),
    ],
)
def test_a_value_of_the_wrong_type_or_choice_is_refused(kind: str, key: str, value: Any, message: str) -> None:
    with pytest.raises(InvalidDocumentField, match=message):
        html(kind, _set(contexts()[kind], key, value))


def test_conditional_fields_follow_the_service_method() -> None:
    """留置送达 needs the reason for refusal and a witness or photo/video (民诉法 Art. 89); 邮寄 a tracking number;
    电子 the address and the signed confirmation (住建 Art. 37)."""
    base = contexts()["service_receipt"]
    for method, needed in [
        (
            "留置送达",
            {"refusal_reason": "当事人拒绝签收", "witness_or_record": "望江社区居委会工作人员王芳见证，全程录像"},
        ),
        ("邮寄送达", {"tracking_number": "1234567890123"}),
        (
            "电子送达",
            {"electronic_address": "zhangsan@example.com", "consent_reference": "电子送达确认书（2026年11月12日签署）"},
        ),
    ]:
        context = copy.deepcopy(base)
        context["service"]["method"] = method
        with pytest.raises(MissingDocumentField):
            html("service_receipt", context)
        context["service"].update(needed)
        text = html("service_receipt", context)
        assert all(value in text for value in needed.values())


def test_a_party_who_does_not_sign_the_inspection_record_needs_the_note() -> None:
    context = contexts()["inspection_record"]
    context["inspection"]["party_signs"] = False
    with pytest.raises(MissingDocumentField, match=r"inspection\.refusal_note.*第十七条第三款"):
        html("inspection_record", context)
    context["inspection"]["refusal_note"] = "当事人拒绝签名，已全程录像（执法记录仪视频编号V20261103-01）"
    assert "当事人拒绝签名" in html("inspection_record", context)


def test_a_warning_on_the_spot_needs_no_fine_but_a_fine_needs_its_amount() -> None:
    context = contexts()["on_the_spot_decision"]
    del context["spot"]["fine"]
    with pytest.raises(MissingDocumentField, match=r"spot\.fine"):
        html("on_the_spot_decision", context)
    context["spot"]["penalty_kind"] = "警告"
    del context["spot"]["payment_method"]
    assert "警告" in html("on_the_spot_decision", context)


def test_a_decision_without_a_fine_needs_no_payment_details() -> None:
    context = contexts()["penalty_decision"]
    del context["decision"]["fine"], context["payment"]
    context["decision"]["penalty"] = "警告"
    text = html("penalty_decision", context)
    assert "加处罚款" not in text and "警告" in text


def test_the_call_itself_is_checked() -> None:
    context = contexts()["penalty_decision"]
    with pytest.raises(DocumentError, match="numbered document"):
        html("penalty_decision", context, number=None)
    with pytest.raises(DocumentError, match="carries no 文号"):
        html("inquiry_record", contexts()["inquiry_record"], number="清河城管询〔2026〕第1号")
    with pytest.raises(DocumentError, match=r"issued_at.*time zone"):
        html("penalty_decision", context, issued_at=dt.datetime(2026, 11, 26, 10))
    with pytest.raises(DocumentError, match="agency"):
        html("penalty_decision", context, agency=" ")
    with pytest.raises(DocumentError, match="verify_url"):
        html("penalty_decision", context, verify_url="https://zhifa.example.gov.cn/api/v1/documents/verify/OTHER")
    with pytest.raises(DocumentError, match="reserved"):
        html("penalty_decision", {**context, "doc": {}})
