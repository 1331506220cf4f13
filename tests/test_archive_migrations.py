"""Schema migrations: a new archive gets every step; an old one upgrades in place."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import time

from sqlite_utils import Database

from archive import Archive, schema
from archive.migrations import applied, migrate, pending
from archive.search import search
from archive.store import content_hash

from .archive_samples import shenzhen
from .conftest import ROOT

ALL_STEPS = ["0001_core_tables", "0002_articles_fts", "0003_capture_record_type_crawl_new_changed",
             "0004_archive_id_crawl_origin", "0005_lost_records", "0006_copies", "0007_text_stored_once",
             "0008_copy_buckets_rehashed", "0009_search_order_index", "0010_fts_hash_size"]  # renaming a shipped step breaks upgrades


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


# One process of the race below: in every round, open that round's new archive the moment the
# test says go, and leave a file saying how it went.
OPENER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from archive import Archive

    root, name, rounds = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    for round_ in range(rounds):
        (root / f"ready-{round_}-{name}").touch()
        while not (root / f"go-{round_}").exists():
            time.sleep(0.001)
        try:
            Archive(root / f"round{round_}.db").close()
            outcome = "ok"
        except Exception as exc:
            outcome = f"{type(exc).__name__}: {exc}"
        partial = root / f"partial-{round_}-{name}"  # renamed whole: never read half-written
        partial.write_text(outcome)
        partial.rename(root / f"done-{round_}-{name}")
""")
OPENERS, ROUNDS = 4, 6


def test_processes_opening_one_new_archive_at_once_all_succeed_and_migrate_it_once(tmp_path):
    """Two crawls started together on an archive that does not exist yet: each process waits
    its turn to switch the file to WAL and migrate it, none is told "database is locked",
    and no step runs twice."""
    names = [f"p{n}" for n in range(OPENERS)]
    processes = [subprocess.Popen([sys.executable, "-c", OPENER, str(tmp_path), name, str(ROUNDS)], cwd=ROOT)
                 for name in names]

    def wait(files, process_check=True):
        deadline = time.monotonic() + 120  # a guard against a hung opener, not a timing
        while not all(f.exists() for f in files):
            assert time.monotonic() < deadline, [f.name for f in files if not f.exists()]
            assert not process_check or all(p.poll() is None for p in processes), "an opener died"
            time.sleep(0.005)

    finished = False
    try:
        for round_ in range(ROUNDS):
            wait([tmp_path / f"ready-{round_}-{name}" for name in names])
            (tmp_path / f"go-{round_}").touch()  # all released at once on a file that does not exist
            done = [tmp_path / f"done-{round_}-{name}" for name in names]
            wait(done, process_check=round_ < ROUNDS - 1)
            assert [f.read_text() for f in done] == ["ok"] * OPENERS, f"round {round_}"
            conn = sqlite3.connect(tmp_path / f"round{round_}.db")
            try:
                assert [n for (n,) in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY rowid")] == ALL_STEPS
                assert conn.execute("SELECT count(*) FROM archive_info WHERE key = 'archive_id'").fetchone() == (1,)
                assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            finally:
                conn.close()
        finished = True
    finally:
        for process in processes:
            if not finished:  # the others wait for a round that will never start
                process.kill()
            process.wait(timeout=60)
    assert all(p.returncode == 0 for p in processes)


def test_an_archive_before_the_fts_hash_size_takes_it(tmp_path):
    path = tmp_path / "archive.db"
    db = Database(path)
    migrate(db, stop_before="0010_fts_hash_size")
    assert db.execute("SELECT v FROM articles_fts_config WHERE k = 'hashsize'").fetchone() is None
    db.close()
    with Archive(path) as archive:
        assert archive.conn.execute("SELECT v FROM articles_fts_config WHERE k = 'hashsize'").fetchone() == (
            schema.FTS_HASH_SIZE,)
        archive.store_article(shenzhen())
        assert [hit["id"] for hit in search(archive, "深圳")] == [1]
