"""One set of archive options for every command: --db / --warc-dir, or HARVEST_DB / HARVEST_WARC_DIR."""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from harvester.cli import cli
from tests.conftest import ROOT

SITE_WARC = ROOT / "fixtures" / "site.warc.gz"
# The commands that open an archive (contract section 2); later ones (merge, ...) must follow suit.
ARCHIVE_COMMANDS = ["crawl", "replay", "serve", "verify", "schedule", "search", "export", "merge"]


def options_of(name: str) -> dict[str, object]:
    return {param.name: param for param in cli.commands[name].params}


@pytest.mark.parametrize("name", ARCHIVE_COMMANDS)
def test_every_archive_command_takes_db_and_warc_dir_with_env_defaults(name: str) -> None:
    params = options_of(name)
    assert params["db_path"].envvar == "HARVEST_DB", name
    assert params["warc_dir"].envvar == "HARVEST_WARC_DIR", name
    help_text = CliRunner().invoke(cli, [name, "--help"]).output
    assert "HARVEST_DB" in help_text and "HARVEST_WARC_DIR" in help_text, help_text


def test_any_command_with_db_also_takes_warc_dir() -> None:
    for name, command in cli.commands.items():
        names = {param.name for param in command.params}
        if "db_path" in names:
            assert "warc_dir" in names, f"{name} takes --db but not --warc-dir"


@pytest.fixture
def env_archive(tmp_path: Path) -> dict[str, str]:
    """HARVEST_DB / HARVEST_WARC_DIR naming an archive replayed from the fixture site's WARC."""
    warcs = tmp_path / "warcs"
    warcs.mkdir()
    shutil.copy(SITE_WARC, warcs / SITE_WARC.name)
    env = {"HARVEST_DB": str(tmp_path / "env.db"), "HARVEST_WARC_DIR": str(warcs)}
    result = CliRunner().invoke(cli, ["replay"], env=env)  # no WARC named: all of HARVEST_WARC_DIR
    assert result.exit_code == 0, result.output
    assert "new " in result.output and "new 0," not in result.output, result.output
    return env


def test_env_defaults_reach_replay_search_verify_and_export(env_archive: dict[str, str], tmp_path: Path) -> None:
    runner = CliRunner()
    with sqlite3.connect(env_archive["HARVEST_DB"]) as conn:
        stored = conn.execute("select count(*) from articles").fetchone()[0]
        title = conn.execute("select title_en from articles where title_en is not null limit 1").fetchone()[0]
    assert stored > 20
    word = max(title.split(), key=len)

    found = runner.invoke(cli, ["search", word, "--format", "json"], env=env_archive)
    assert found.exit_code == 0, found.output
    assert json.loads(found.output), f"no hit for {word!r}"

    checked = runner.invoke(cli, ["verify"], env=env_archive)
    assert checked.exit_code == 0, checked.output
    assert "checked " in checked.output and " 0 problems" in checked.output

    out = tmp_path / "pairs.jsonl"
    exported = runner.invoke(cli, ["export", "--format", "jsonl", "--out", str(out)], env=env_archive)
    assert exported.exit_code == 0, exported.output
    assert out.read_text(encoding="utf-8").count("\n") > 0


def test_command_line_options_win_over_the_environment(env_archive: dict[str, str], tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    result = CliRunner().invoke(cli, ["search", "anything", "--db", str(other)], env=env_archive)
    assert result.exit_code != 0
    assert str(other) in result.output  # refused: it names the --db given, not HARVEST_DB


def test_replay_without_files_refuses_an_empty_warc_dir(tmp_path: Path) -> None:
    empty = tmp_path / "nothing"
    empty.mkdir()
    result = CliRunner().invoke(cli, ["replay", "--db", str(tmp_path / "a.db"), "--warc-dir", str(empty)])
    assert result.exit_code != 0
    assert "no .warc.gz files" in result.output
    assert not (tmp_path / "a.db").exists()
