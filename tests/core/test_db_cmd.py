"""``zhifa db upgrade | current | seed`` against the configured database."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from core.db import current_revision, head_revision
from rules.catalogue import load_catalogue
from workers.cli import app

runner = CliRunner()


def test_db_group_is_registered_on_the_console_script() -> None:
    result = runner.invoke(app, ["db", "--help"])
    assert result.exit_code == 0, result.output
    for command in ("upgrade", "current", "seed"):
        assert command in result.output


def test_upgrade_migrates_the_default_sqlite_file(clean_settings: Path) -> None:
    url = f"sqlite:///{clean_settings / 'zhifa.db'}"
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "migrated (empty) → " + head_revision() in result.output
    assert current_revision(url) == head_revision()
    again = runner.invoke(app, ["db", "upgrade"])
    assert again.exit_code == 0 and "already at revision" in again.output
    current = runner.invoke(app, ["db", "current"])
    assert current.exit_code == 0 and "up to date" in current.output


def test_seed_migrates_seeds_and_prints_the_sign_ins(clean_settings: Path) -> None:
    result = runner.invoke(app, ["db", "seed"])
    assert result.exit_code == 0, result.output
    assert "created 7 jurisdiction, 9 user, 1 api_key, " in result.output
    assert f"violation catalogue version {load_catalogue().version}" in result.output
    for text in ("officer1", "cityhead1", "demo-integrator-key", "清河区"):
        assert text in result.output
    second = runner.invoke(app, ["db", "seed"])
    assert second.exit_code == 0, second.output
    assert "demo seed: created nothing" in second.output
    engine = sa.create_engine(f"sqlite:///{clean_settings / 'zhifa.db'}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from app_user")).scalar() == 9
    engine.dispose()


def test_seed_is_refused_when_demo_seeding_is_off(clean_settings: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHIFA_SEED_DEMO", "false")
    result = runner.invoke(app, ["db", "seed"])
    assert result.exit_code == 2
    assert "refusing to seed demo data" in result.output
    assert "ZHIFA_SEED_DEMO" in result.output
    assert not (clean_settings / "zhifa.db").exists()  # nothing was touched


def test_upgrade_reports_an_unreachable_database(clean_settings: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "failed" in result.output
