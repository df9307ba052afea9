"""`zhifa deadline` and `zhifa calendar`, driven as a user would through the Typer app."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.settings import get_settings
from workers.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("ZHIFA_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.mark.parametrize("code", [f"T{n:02d}" for n in range(1, 27)])
def test_every_timer_code_answers(code: str) -> None:
    result = runner.invoke(app, ["deadline", code, "--from", "2026-09-28T10:00:00+08:00"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(code)
    assert "+08:00" in result.output
    assert "legal basis:" in result.output


def test_case_clock_with_pause_and_extension() -> None:
    result = runner.invoke(
        app,
        [
            "deadline",
            "T06",
            "--from",
            "2026-07-03T09:00+08:00",
            "--paused-days",
            "12",
            "--extensions",
            "1",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["due_at"] == "2026-11-12T23:59:59+08:00"  # 3 Jul + 132 days = Thu 12 Nov
    assert data["provisional"] is False
    assert "第六十条" in data["legal_basis"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deadline", "T99", "--from", "2026-01-05T09:00+08:00"], "unknown timer code"),
        (["deadline", "T07", "--from", "2026-01-05T09:00"], "no time zone"),
        (["deadline", "T07", "--from", "yesterday"], "not an ISO 8601"),
        (
            ["deadline", "T06", "--from", "2026-01-05T09:00+08:00", "--paused-days", "-2"],
            "must not be negative",
        ),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output


def test_loading_an_official_schedule_clears_provisional(tmp_path: Path) -> None:
    before = runner.invoke(app, ["deadline", "T07", "--from", "2026-12-28T10:00+08:00", "--json"])
    assert json.loads(before.output)["provisional"] is True
    schedule = tmp_path / "2027.yaml"
    schedule.write_text(
        "year: 2027\nsource: 国务院办公厅关于2027年部分节假日安排的通知 (test copy)\n"
        "holidays: [2027-01-01, 2027-01-02, 2027-01-03]\nworkdays: []\n",
        encoding="utf-8",
    )
    loaded = runner.invoke(app, ["calendar", "load", "--no-notify", str(schedule)])
    assert loaded.exit_code == 0, loaded.output
    assert "loaded 2027: 3 holidays" in loaded.output
    after = runner.invoke(app, ["deadline", "T07", "--from", "2026-12-28T10:00+08:00", "--json"])
    data = json.loads(after.output)
    assert (data["provisional"], data["last_day"]) == (False, "2027-01-05")
    show = runner.invoke(app, ["calendar", "show", "2027"])
    assert "2027: official" in show.output


def test_a_malformed_schedule_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("year: 2027\nsource: x\nholidays: [2027-02-30]\n", encoding="utf-8")
    result = runner.invoke(app, ["calendar", "load", str(bad)])
    assert result.exit_code == 2
    assert "not a valid holiday schedule" in result.output
    assert not (get_settings().effective_calendar_dir / "2027.yaml").exists()
