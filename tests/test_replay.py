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


def test_replay_counts_pages_extraction_refuses_as_errors(tmp_path: Path) -> None:
    from datetime import datetime, timezone

    from archive.warcstore import Exchange, WarcStore
    from tests.news_server import article_html

    def exchange(url: str, body: bytes) -> Exchange:
        return Exchange(url=url, method="GET", request_headers=[], status=200, reason="OK", protocol="HTTP/1.1",
                        response_headers=[("Content-Type", "text/html; charset=utf-8")], body=body,
                        fetched_at=datetime(2024, 3, 5, tzinfo=timezone.utc))

    warc = tmp_path / "two.warc.gz"
    with WarcStore(tmp_path, single_file=warc) as store:
        store.write_exchange(exchange("http://127.0.0.1/article/1.html", article_html(1, "A story.").encode()))
        store.write_exchange(exchange("http://127.0.0.1/empty.html", b""))  # extraction refuses it
    db = tmp_path / "archive.db"
    result = run_harvest("replay", str(warc), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "new 1," in result.stdout and "errors 1" in result.stdout, result.stdout
    assert count(db, "select errors from crawls") == 1
