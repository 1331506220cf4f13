"""`harvest replay`: WARCs re-derive the archive; only changed extraction results add versions."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.conftest import ROOT, run_harvest

SITE_WARC = ROOT / "fixtures" / "site.warc.gz"


def count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchone()[0]


def test_replay_is_idempotent_and_stores_versions_only_where_results_changed(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    first = run_harvest("replay", str(SITE_WARC), "--db", str(db))
    assert first.returncode == 0, first.stderr
    articles = count(db, "select count(*) from articles")
    assert articles > 20 and f"new {articles}," in first.stdout
    # As if an earlier extractor had produced something else for two articles:
    with sqlite3.connect(db) as conn:
        conn.execute("update articles set content_hash = 'older-extractor' where id in (1, 2)")
    second = run_harvest("replay", str(SITE_WARC), "--db", str(db))
    assert "new 0, changed 2," in second.stdout, second.stdout
    assert count(db, "select count(*) from articles") == articles + 2
    assert count(db, "select count(*) from articles where is_current = 1") == articles
    third = run_harvest("replay", str(SITE_WARC), "--db", str(db))
    assert "new 0, changed 0," in third.stdout
    assert count(db, "select count(*) from crawls where ended_at is not null") == 3
