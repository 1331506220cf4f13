"""Named schema migrations, so an archive written by an older version upgrades in place.

Uses sqlite-utils' own `Migrations` (a `_sqlite_migrations` table records which named
steps ran; each step and its record commit in one transaction, so a failed step
leaves the archive as it was). Append new steps at the end; never edit or rename
one that has shipped.
"""
from __future__ import annotations

import contextlib
import fcntl
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from . import copies, schema, search, spans

MIGRATION_SET = "news-harvester-archive"

migrations = Migrations(MIGRATION_SET)


@migrations(name="0001_core_tables")
def core_tables(db: Database) -> None:
    """articles, paragraphs, pairs, captures, crawls and their indexes."""
    for ddl in (*schema.CORE_TABLES, *schema.CORE_INDEXES):
        db.execute(ddl)


@migrations(name="0002_articles_fts")
def articles_fts(db: Database) -> None:
    """Full-text index (archive/search.py), back-filled from current versions."""
    db.execute(schema.ARTICLES_FTS)
    search.rebuild_index(db.conn)


@migrations(name="0003_capture_record_type_crawl_new_changed")
def capture_record_type(db: Database) -> None:
    """captures.record_type (response/revisit); crawls.new and crawls.changed."""
    for ddl in schema.CAPTURES_AND_CRAWLS_0003:
        db.execute(ddl)


@migrations(name="0004_archive_id_crawl_origin")
def archive_identity(db: Database) -> None:
    """archive_info (with this archive's random archive_id) and crawls.origin, for merging shards."""
    for ddl in schema.ARCHIVE_IDENTITY_0004:
        db.execute(ddl)
    db.execute("INSERT INTO archive_info (key, value) VALUES ('archive_id', ?)", (str(uuid.uuid4()),))


@migrations(name="0005_lost_records")
def lost_records(db: Database) -> None:
    """lost_records: pointers whose WARC record `harvest verify --repair` had to cut off."""
    for ddl in schema.LOST_RECORDS_0005:
        db.execute(ddl)


@migrations(name="0006_copies")
def copies_tables(db: Database) -> None:
    """copies, copy_lsh, copy_claims (archive/copies.py); text detection over what is stored."""
    for ddl in schema.COPIES_0006:
        db.execute(ddl)
    copies.rebuild(db.conn)


@migrations(name="0007_text_stored_once")
def text_stored_once(db: Database) -> None:
    """paragraphs and pairs become views pointing into articles.text_en/text_zh
    (archive/spans.py), and the search index keeps no copy of the text."""
    conn = db.conn
    conn.execute(schema.PARAGRAPH_SPANS)
    conn.execute(schema.PAIR_REFS)
    ids = [r[0] for r in conn.execute("SELECT id FROM articles ORDER BY id")]
    for article_id in ids:
        text_en, text_zh = conn.execute("SELECT text_en, text_zh FROM articles WHERE id = ?", (article_id,)).fetchone()
        paragraphs = [{"seq": seq, "lang": lang, "role": role, "text": text} for seq, lang, role, text in conn.execute(
            "SELECT seq, lang, role, text FROM paragraphs WHERE article_id = ? ORDER BY seq", (article_id,))]
        pairs = [{"seq": seq, "en": en, "zh": zh} for seq, en, zh in conn.execute(
            "SELECT seq, en, zh FROM pairs WHERE article_id = ? ORDER BY seq", (article_id,))]
        conn.executemany("INSERT INTO paragraph_spans (article_id, seq, lang, role, start, length, text) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)",
                         spans.paragraph_rows(article_id, paragraphs, {"en": text_en, "zh": text_zh}))
        conn.executemany("INSERT INTO pair_refs (article_id, seq, en_seq, zh_seq, en, zh) VALUES (?, ?, ?, ?, ?, ?)",
                         spans.pair_rows(article_id, pairs, paragraphs))
    for ddl in ("DROP TABLE paragraphs", "DROP TABLE pairs", schema.PARAGRAPHS_VIEW, schema.PAIRS_VIEW,
                "DROP TABLE articles_fts", schema.ARTICLES_FTS_0007):
        conn.execute(ddl)
    search.rebuild_index(conn)


@migrations(name="0008_copy_buckets_rehashed")
def copy_buckets_rehashed(db: Database) -> None:
    """copy_lsh recomputed: shingles are now hashed by a vectorised polynomial hash
    (archive/copies.py), so buckets written before would never meet the new ones and a
    replaced version's old buckets could not be found to be removed."""
    copies.reindex_buckets(db.conn)


@migrations(name="0009_search_order_index")
def search_order_index(db: Database) -> None:
    """An index in the order Datasette shows ?_search= results (schema.SEARCH_ORDER_INDEX)."""
    db.execute(schema.SEARCH_ORDER_INDEX)


@migrations(name="0010_fts_hash_size")
def fts_hash_size(db: Database) -> None:
    """The search index writes a batch of articles as one segment (schema.FTS_HASH_SIZE_0010)."""
    db.execute(schema.FTS_HASH_SIZE_0010)


def migrate(db: Database, *, stop_before: str | Iterable[str] | None = None) -> list[str]:
    """Apply pending steps (all, or up to `stop_before`); returns the names applied."""
    pending = [m.name for m in migrations.pending(db)]
    migrations.apply(db, stop_before=stop_before)
    applied = {m.name for m in migrations.applied(db)}
    done = [name for name in pending if name in applied]
    if "0007_text_stored_once" in done and not db.memory and _has_articles(db):
        db.execute("VACUUM")  # give back the pages the dropped copies of the text held
    return done


@contextlib.contextmanager
def setup_lock(db_path: Path) -> Iterator[None]:
    """An exclusive flock on `<archive>.lock` beside the archive while a process sets it up.

    Two crawls started together on a new archive would both switch it to WAL (SQLite answers
    one of them "database is locked" without waiting: taking the lock could deadlock) and
    both run the migrations. Under this lock they take turns; the second finds WAL on and
    nothing pending. A sidecar file, not the archive: closing any descriptor of the database
    file would drop the POSIX locks SQLite holds on it. Where the lock file cannot be made (a
    read-only directory), SQLite says what is wrong itself.
    """
    try:
        handle = open(db_path.with_name(db_path.name + ".lock"), "ab")
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
        yield


def _has_articles(db: Database) -> bool:
    return db.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is not None


def applied(db: Database) -> list[str]:
    """Names of the steps this archive has had, oldest first."""
    return [m.name for m in migrations.applied(db)]


def pending(db: Database) -> list[str]:
    """Names of the steps this archive still needs."""
    return [m.name for m in migrations.pending(db)]
