"""Schema migrations: a new archive gets every step; an old one upgrades in place."""
from __future__ import annotations

import json

from sqlite_utils import Database

from archive import Archive
from archive.migrations import applied, migrate, pending
from archive.search import search
from archive.store import content_hash

from .archive_samples import shenzhen

ALL_STEPS = ["0001_core_tables", "0002_articles_fts", "0003_capture_record_type_crawl_new_changed",
             "0004_archive_id_crawl_origin", "0005_lost_records", "0006_copies", "0007_text_stored_once"]  # renaming a shipped step breaks upgrades


def test_new_archive_has_all_steps(tmp_path):
    with Archive(tmp_path / "archive.db") as archive:
        assert applied(archive.db) == ALL_STEPS
        assert pending(archive.db) == []
        assert set(archive.db.table_names()) | set(archive.db.view_names()) >= {
            "articles", "paragraphs", "pairs", "captures", "crawls", "articles_fts", "copies"}
        indexed = {c for i in archive.db["articles"].indexes for c in i.columns}
        assert {"canonical_url", "source", "published", "language", "status"} <= indexed


def test_archive_at_step_one_upgrades_and_backfills_search(tmp_path):
    path = tmp_path / "archive.db"
    # An archive written by a version that knew only the first migration.
    db = Database(path)
    migrate(db, stop_before="0002_articles_fts")
    assert applied(db) == ["0001_core_tables"]
    assert "articles_fts" not in db.table_names()
    article = shenzhen()
    db["articles"].insert({
        "canonical_url": article["canonical_url"], "url": article["url"], "title": article["title"],
        "title_zh": article["title_zh"], "text_en": article["text_en"], "text_zh": article["text_zh"],
        "editors": json.dumps(article["editors"]), "content_hash": content_hash(article)})
    db.close()

    with Archive(path) as archive:  # opening upgrades
        assert applied(archive.db) == ALL_STEPS
        assert [h["id"] for h in search(archive, "深圳")] == [1]
        assert [h["id"] for h in search(archive, "innovations")] == [1]
        # And the upgraded archive keeps working as usual.
        assert archive.store_article(shenzhen()) == "unchanged"


def test_migrating_twice_is_a_no_op(tmp_path):
    path = tmp_path / "archive.db"
    Archive(path).close()
    db = Database(path)
    assert migrate(db) == []
    db.close()
