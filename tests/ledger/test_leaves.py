"""A leaf's bytes: the canonical JSON of its six fields, whatever they hold."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.canonical import canonical_json
from ledger.leaves import Leaf, timestamp

moments = st.datetimes(min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(2200, 1, 1), timezones=st.timezones())
texts = st.text(min_size=1, max_size=40)


@given(
    kind=texts,
    sha256=st.binary(min_size=32, max_size=32).map(bytes.hex),
    size=st.integers(0, 2**53),
    case_id=st.none() | texts,
    captured_at=st.none() | moments,
    recorded_at=moments,
)
def test_the_fast_spelling_is_the_canonical_json(
    kind: str, sha256: str, size: int, case_id: str | None, captured_at: dt.datetime | None, recorded_at: dt.datetime
) -> None:
    leaf = Leaf(kind, sha256, size, case_id, captured_at, recorded_at)
    assert leaf.canonical() == canonical_json(leaf.as_json()) == leaf.generic_canonical()
    assert Leaf.parse(leaf.canonical().decode()).canonical() == leaf.canonical()
    iso = recorded_at.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert timestamp(recorded_at) == iso


def test_cjk_stays_itself_and_times_are_utc_milliseconds() -> None:
    at = dt.datetime(2026, 11, 26, 16, 5, 7, 123456, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    leaf = Leaf("photo", "ab" * 32, 7, "清河-1", at, at)
    assert leaf.canonical().decode() == (
        '{"captured_at":"2026-11-26T08:05:07.123Z","case_id":"清河-1","kind":"photo",'
        '"recorded_at":"2026-11-26T08:05:07.123Z","sha256":"' + "ab" * 32 + '","size":7}'
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"sha256": "AB" * 32},  # not lowercase hex
        {"sha256": "ab"},
        {"size": -1},
        {"kind": ""},
        {"recorded_at": dt.datetime(2026, 11, 26)},  # naive
    ],
)
def test_a_malformed_leaf_is_refused(bad: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "kind": "photo",
        "sha256": "ab" * 32,
        "size": 1,
        "case_id": None,
        "captured_at": None,
        "recorded_at": dt.datetime(2026, 11, 26, tzinfo=dt.UTC),
    } | bad
    with pytest.raises(ValueError):
        Leaf(**fields).canonical()  # type: ignore[arg-type]
