"""How values print: dates, amounts in figures and capitals, Chinese numerals; 文号 and verification codes."""

import datetime as dt
from decimal import Decimal

import pytest

from core import documents as issuing
from core import numbering as core_numbering
from documents import numbering
from documents.errors import DocumentError
from documents.formatting import as_date, cn_date, cn_datetime, cn_numeral, money, money_upper
from documents.numbering import (
    NUMBER_RE,
    VERIFY_CODE_RE,
    document_number,
    format_number,
    preview_verify_code,
    verify_url,
)

UTC = dt.UTC


def test_dates_print_with_arabic_numerals_and_no_leading_zeros() -> None:
    assert cn_date(dt.date(2026, 11, 26)) == "2026年11月26日"
    assert cn_date("2027-01-05") == "2027年1月5日"
    # an instant prints in Asia/Shanghai: 2026-11-25 18:30 UTC is the 26th in 示范市
    assert cn_date(dt.datetime(2026, 11, 25, 18, 30, tzinfo=UTC)) == "2026年11月26日"
    assert cn_datetime(dt.datetime(2026, 11, 25, 18, 5, tzinfo=UTC)) == "2026年11月26日2时05分"
    assert cn_datetime("2026-11-03T14:20:00+08:00") == "2026年11月3日14时20分"
    with pytest.raises(ValueError, match="no time zone"):
        cn_datetime(dt.datetime(2026, 11, 3, 14, 20))
    with pytest.raises(ValueError):
        as_date("tomorrow")


@pytest.mark.parametrize(
    ("amount", "upper"),
    [
        ("300", "叁佰元整"),
        (Decimal("50"), "伍拾元整"),
        (10, "壹拾元整"),
        ("2500", "贰仟伍佰元整"),
        ("10050.50", "壹万零伍拾元伍角整"),
        ("100.05", "壹佰元零伍分"),
        ("1001.10", "壹仟零壹元壹角整"),
        ("0.35", "叁角伍分"),
        ("0", "零元整"),
        ("200000", "贰拾万元整"),
        ("100010000", "壹亿零壹万元整"),
        ("1000000", "壹佰万元整"),
    ],
)
def test_amounts_in_capitals(amount: object, upper: str) -> None:
    assert money_upper(amount) == upper


def test_amounts_in_figures_refuse_floats_and_fractions_of_a_fen() -> None:
    assert money("300") == "300.00元"
    assert money(Decimal("12.5")) == "12.50元"
    for bad in (12.5, "1.001", "-3", "NaN", True, "abc"):
        with pytest.raises(ValueError):
            money(bad)


@pytest.mark.parametrize(
    ("n", "text"), [(3, "三"), (5, "五"), (10, "十"), (15, "十五"), (30, "三十"), (60, "六十"), (100, "一百"),
                    (105, "一百零五"), (110, "一百一十"), (1005, "一千零五")],
)  # fmt: skip
def test_chinese_numerals(n: int, text: str) -> None:
    assert cn_numeral(n) == text


def test_document_numbers() -> None:
    assert document_number("penalty_decision", "清河城管", 2026, 12) == "清河城管罚〔2026〕第12号"
    assert document_number("prior_notice", "明湖城管", 2027, 1) == "明湖城管告〔2027〕第1号"
    match = NUMBER_RE.match("清河城管罚〔2026〕第12号")
    assert match is not None and match["year"] == "2026" and match["sequence"] == "12"
    with pytest.raises(DocumentError, match="carries no 文号"):
        document_number("inquiry_record", "清河城管", 2026, 1)
    with pytest.raises(DocumentError):
        format_number("清河城管", "罚", 2026, 0)


def test_one_verification_code_scheme_the_issuing_one() -> None:
    """The renderer's helpers are core.numbering's (what issuance draws and the API's endpoint reads):
    one alphabet, one printed form, one normalisation, one address."""
    assert numbering.display_verify_code is core_numbering.display_verify_code
    assert numbering.normalize_verify_code is core_numbering.normalize_verify_code
    assert numbering.verify_url is issuing.verify_url and numbering.VERIFY_PATH == issuing.VERIFY_PATH
    codes = {preview_verify_code() for _ in range(200)}
    assert len(codes) == 200  # drawn, not derived
    for code in codes:
        assert VERIFY_CODE_RE.match(code), code
        canonical = core_numbering.normalize_verify_code(code.lower().replace("-", " "))
        assert canonical is not None and core_numbering.display_verify_code(canonical) == code
    assert core_numbering.normalize_verify_code("ilo00-11111") == "1100011111"
    assert not VERIFY_CODE_RE.match("ILOU0-11111")  # not in the alphabet
    code = next(iter(codes))
    assert (
        verify_url("https://zhifa.example.gov.cn/", code)
        == f"https://zhifa.example.gov.cn/api/v1/documents/verify/{code}"
    )
