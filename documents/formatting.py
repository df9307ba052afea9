"""How values are printed in the documents: dates, amounts, statutory periods.

Dates use Arabic numerals, "2026年11月26日": 党政机关公文格式 GB/T 9704-2012 §7.3.5.1 writes the
成文日期 with Arabic numerals, year in full, no leading zeros (the 1999 edition's "二〇二六年" form was
dropped) [M: recollection of the standard, not in REFERENCE]. The provincial enforcement-document sets
follow it, and the same form serves the 文号's 〔2026〕 and every date in the body, so one document never
mixes two styles. Legal day arithmetic is done in Asia/Shanghai (DESIGN), so instants print there too.

Amounts print as "300.00元" and, where a document states a sum payable, also in capitals
("叁佰元整", the 大写 form of financial practice) so the figure cannot be altered [I].

Statutory periods print as Chinese numerals with their unit (N日, N个月, N个工作日), taken from the
timer table — never written here or in a template: a working-day period says 个工作日, because the party
cannot be expected to know that 处罚法 Art. 85 makes a short "日" a working day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from rules.calendar import SHANGHAI
from rules.deadline_table import TimerRule
from rules.periods import Unit

_DIGITS = "零一二三四五六七八九"
_UPPER = "零壹贰叁肆伍陆柒捌玖"
_UNIT_TEXT = {Unit.WD: "{n}个工作日", Unit.CD: "{n}日", Unit.M: "{n}个月", Unit.Y: "{n}年", Unit.H: "{n}小时"}


def as_datetime(value: object) -> dt.datetime:
    """An aware instant from a datetime or an ISO 8601 string with an offset; else ValueError."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        raise ValueError(f"expected a date and time, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{value.isoformat()} has no time zone; give an offset such as +08:00")
    return value


def as_date(value: object) -> dt.date:
    """A calendar date from a date, an aware datetime (taken in Asia/Shanghai) or an ISO string."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return as_datetime(value).astimezone(SHANGHAI).date()
    if not isinstance(value, dt.date):
        raise ValueError(f"expected a date, got {value!r}")
    return value


def as_money(value: object) -> Decimal:
    """A non-negative amount in yuan, to the fen; floats are refused (binary rounding)."""
    if isinstance(value, bool | float) or not isinstance(value, int | str | Decimal):
        raise ValueError(f"expected an amount in yuan as a string, integer or Decimal, got {value!r}")
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"{value!r} is not an amount") from exc
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"{value!r} is not a non-negative amount in yuan to the fen")
    return amount.quantize(Decimal("0.01"))


def cn_date(value: object) -> str:
    day = as_date(value)
    return f"{day.year}年{day.month}月{day.day}日"


def cn_datetime(value: object) -> str:
    instant = as_datetime(value).astimezone(SHANGHAI)
    return f"{cn_date(instant.date())}{instant.hour}时{instant.minute:02d}分"


def money(value: object) -> str:
    return f"{as_money(value)}元"


def _group(n: int, digits: str, units: tuple[str, str, str, str]) -> str:
    """0 < n < 10000 in Chinese numerals, with the inner zeros (一千零五)."""
    out, zero = "", False
    for power, unit in zip((3, 2, 1, 0), units, strict=True):
        digit = n // 10**power % 10
        if digit == 0:
            zero = bool(out)
        else:
            out += ("零" if zero else "") + digits[digit] + unit
            zero = False
    return out


def _integer(n: int, digits: str, units: tuple[str, str, str, str]) -> str:
    if n == 0:
        return digits[0]
    out, zero = "", False
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    for index in range(len(groups) - 1, -1, -1):
        part = groups[index]
        if part == 0:
            zero = bool(out)
            continue
        if out and (zero or part < 1000):
            out += "零"
        out += _group(part, digits, units) + ("", "万", "亿", "万亿")[index]
        zero = False
    return out


def cn_numeral(n: int) -> str:
    """Ordinary Chinese numerals as the law writes them: 3 三, 12 十二, 40 四十, 105 一百零五."""
    if n < 0:
        raise ValueError(f"{n} is negative")
    text = _integer(n, _DIGITS, ("千", "百", "十", ""))
    return text[1:] if text.startswith("一十") else text


def money_upper(value: object) -> str:
    """The 大写 form of an amount: 300 → 叁佰元整, 10050.5 → 壹万零伍拾元伍角整, 100.05 → 壹佰元零伍分."""
    amount = as_money(value)
    fen_total = int(amount * 100)
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    out = _integer(yuan, _UPPER, ("仟", "佰", "拾", "")) + "元" if yuan or not (jiao or fen) else ""
    if jiao:
        out += _UPPER[jiao] + "角"
    elif fen and yuan:
        out += "零"
    if fen:
        return out + _UPPER[fen] + "分"
    return out + "整"


@dataclass(frozen=True)
class Period:
    """A statutory period as a document states it, read from rules/data/deadlines.yaml."""

    code: str
    length: int
    unit: Unit
    text: str
    legal_basis: str
    rate: str | None = None  # accruals: "百分之N" of the fine per day
    cap: str | None = None  # accruals: "罚款的数额" (cap 100 %) or "罚款数额的百分之N"

    def __str__(self) -> str:
        return self.text


def period(timer: TimerRule) -> Period:
    rate = cap = None
    if timer.rate_percent_per_day is not None and timer.cap_percent is not None:
        rate = f"百分之{cn_numeral(timer.rate_percent_per_day)}"
        cap = "罚款的数额" if timer.cap_percent == 100 else f"罚款数额的百分之{cn_numeral(timer.cap_percent)}"
    text = _UNIT_TEXT[timer.unit].format(n=cn_numeral(timer.length))
    return Period(timer.code, timer.length, timer.unit, text, timer.legal_basis, rate, cap)
