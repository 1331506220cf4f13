"""The archive: one SQLite file holding every stored version of every article.

`Archive` is the only writer. Its rules:

- An article is identified by its canonical URL. Storing it again with the same
  content (`content_hash`: title, paragraphs and pairs; never crawl time) changes
  nothing; different content adds a new version and keeps the old ones, so edits
  and silent rewrites stay visible. Exactly one version per URL is current
  (`is_current = 1`, enforced by a partial unique index) and only it is searchable.
- The article row, its paragraphs, its pairs and its search index entry are written
  in one transaction: a failure anywhere leaves the archive as it was.
- Only real articles are stored; deleted/blocked/not_article pages raise ValueError
  (the crawl counts them in `crawls` instead).

Reading helpers that need only a connection (`read_article`, `iter_pairs`) are
plain functions so the Datasette plugin and the exporters can share them.
"""
from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from . import copies, schema, search
from .migrations import migrate, setup_lock
from .prepare import PreparedArticle, content_hash, prepare

__all__ = ["Archive", "PreparedArticle", "content_hash", "prepare", "read_article", "iter_pairs",
           "NEW", "CHANGED", "UNCHANGED"]

NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"
CACHE_KIB = 32 * 1024  # SQLite's page cache of an Archive's connection, at most

CAPTURE_COLUMNS = ("warc_record_id", "url", "status", "warc_file", "warc_offset",
                   "warc_length", "payload_digest", "fetched_at", "content_type",
                   "crawl_id", "outcome", "record_type")
_CAPTURE_REQUIRED = ("warc_record_id", "url", "warc_file", "warc_offset")


def utc_now() -> str:
    """ISO 8601 UTC timestamp, second precision: what crawled_at/fetched_at hold."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def read_article(conn: sqlite3.Connection, article_id: int) -> dict[str, Any]:
    """One stored version with JSON columns decoded, its paragraphs and pairs.

    Raises KeyError if there is no such row.
    """
    cursor = conn.execute("SELECT * FROM articles WHERE id = ?", (article_id,))
    row = cursor.fetchone()
    if row is None:
        raise KeyError(article_id)
    article = dict(zip([d[0] for d in cursor.description], row))
    for column in schema.JSON_COLUMNS:
        if isinstance(article.get(column), str):
            article[column] = json.loads(article[column])
    article["paragraphs"] = [
        {"seq": seq, "text": text, "lang": lang, "role": role}
        for seq, text, lang, role in conn.execute(
            "SELECT seq, text, lang, role FROM paragraphs WHERE article_id = ? ORDER BY seq",
            (article_id,))]
    article["pairs"] = [
        {"seq": seq, "en": en, "zh": zh}
        for seq, en, zh in conn.execute(
            "SELECT seq, en, zh FROM pairs WHERE article_id = ? ORDER BY seq", (article_id,))]
    return article


def iter_pairs(conn: sqlite3.Connection, source: str | None = None, since: str | None = None,
               until: str | None = None) -> Iterator[dict[str, Any]]:
    """Every aligned pair of the current versions, in article then pair order.

    A generator over one open cursor, so memory stays flat however big the
    archive is. `since`/`until` filter on `published` (ISO 8601): `since` is
    inclusive, `until` is inclusive at its own precision ("2023-06" keeps all of
    June). Articles without a published date are left out when either is given.
    """
    where = ["a.is_current = 1"]
    params: list[Any] = []
    if source is not None:
        where.append("a.source = ?")
        params.append(source)
    if since:
        where.append("a.published >= ?")
        params.append(since)
    if until:
        where.append("substr(a.published, 1, ?) <= ?")
        params.extend([len(until), until])
    cursor = conn.execute(
        "SELECT p.article_id, a.canonical_url, a.source, a.published, p.seq, p.en, p.zh "
        "FROM articles a JOIN pairs p ON p.article_id = a.id "
        f"WHERE {' AND '.join(where)} ORDER BY a.id, p.seq", params)
    try:
        for article_id, url, source_, published, seq, en, zh in cursor:
            yield {"article_id": article_id, "url": url, "source": source_,
                   "published": published, "seq": seq, "en": en, "zh": zh}
    finally:
        cursor.close()


class Archive:
    """The harvest archive: `Archive(path)` opens (creating or upgrading) a file."""

    def __init__(self, path: str | Path | Database) -> None:
        self.db = path if isinstance(path, Database) else Database(path)
        self.path = None if isinstance(path, Database) or self.db.memory else Path(path)
        # Enforced so paragraphs/pairs can never point at a missing article.
        self.db.execute("PRAGMA foreign_keys = ON")
        # Scheduled crawls of several sources share one file: wait for a writer, don't fail.
        self.db.execute("PRAGMA busy_timeout = 30000")
        # A batch of articles (archive.writer) touches more pages than SQLite's default 2 MiB
        # cache holds (the LSH buckets and index entries land all over their b-trees): the
        # cache spilled pages into the WAL mid-transaction, to be written again. And each
        # article's savepoint keeps the pages it changes in a sub-journal, a temporary file
        # unless temporary storage is in memory.
        self.db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        self.db.execute("PRAGMA temp_store = MEMORY")
        # Readers (Datasette) and the crawler's writer work at the same time: WAL. Processes
        # opening one new archive at once take turns to switch it and migrate it.
        # Index writes of a transaction, made just before its COMMIT (see search.PendingIndex).
        self._pending = search.PendingIndex()
        # Shingle hashes of the versions copy detection has compared (copies.HashCache).
        self._hashes = copies.HashCache()
        with setup_lock(self.path) if self.path is not None else contextlib.nullcontext():
            if self.path is not None:
                self.db.enable_wal()
            migrate(self.db)

    @classmethod
    def memory(cls) -> Archive:
        """A throwaway in-memory archive, for tests."""
        return cls(Database(memory=True))

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """One write transaction for several writes (archive.writer's batches); each write
        inside it (store_article ...) is a savepoint of its own, so all-or-nothing still.
        The search index of the articles stored in it is written at its end, in one go."""
        return self._write()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; BEGIN IMMEDIATE so read-then-write cannot race."""
        conn = self.conn
        if conn.in_transaction:  # caller's own transaction: nest as a savepoint
            mark = self._pending.mark()
            try:
                with self.db.atomic():
                    yield conn
            except BaseException:
                self._pending.rollback(mark)
                self._hashes.clear()  # ids it inserted may be taken again
                raise
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            self._pending.flush(conn)
        except BaseException:
            self._pending.rollback(0)
            self._hashes.clear()
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # -- articles ---------------------------------------------------------

    def store_article(self, article: dict[str, Any] | PreparedArticle, *, pointer: dict[str, Any] | None = None,
                      crawl_id: int | None = None, crawled_at: str | None = None) -> str:
        """Store one extracted article (`Article.to_dict()`, or its `prepare()`d form);
        "new", "changed" or "unchanged".

        `pointer` = {"warc_file", "warc_offset", "warc_record_id"} of the response
        record the article was extracted from.
        """
        prepared = article if isinstance(article, PreparedArticle) else prepare(article)
        canonical_url = prepared.canonical_url
        with self._write() as conn:
            current = conn.execute(
                "SELECT id, content_hash FROM articles WHERE canonical_url = ? AND is_current = 1",
                (canonical_url,)).fetchone()
            if current is not None and current[1] == prepared.content_hash:
                return UNCHANGED
            (last_version,) = conn.execute(
                "SELECT coalesce(max(version), 0) FROM articles WHERE canonical_url = ?",
                (canonical_url,)).fetchone()
            if current is not None:
                conn.execute("UPDATE articles SET is_current = 0 WHERE id = ?", (current[0],))
                search.unindex_article(conn, current[0], self._pending)
            pointer = pointer or {}
            row = {**prepared.row, "version": last_version + 1, "crawled_at": crawled_at or utc_now(),
                   "crawl_id": crawl_id, "warc_file": pointer.get("warc_file"),
                   "warc_offset": pointer.get("warc_offset"), "warc_record_id": pointer.get("warc_record_id")}
            article_id = conn.execute(
                f"INSERT INTO articles ({', '.join(row)}) VALUES ({', '.join(':' + c for c in row)})",
                row).lastrowid
            conn.executemany(
                "INSERT INTO paragraph_spans (article_id, seq, lang, role, start, length, text) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", [(article_id, *r) for r in prepared.paragraph_rows])
            conn.executemany(
                "INSERT INTO pair_refs (article_id, seq, en_seq, zh_seq, en, zh) VALUES (?, ?, ?, ?, ?, ?)",
                [(article_id, *r) for r in prepared.pair_rows])
            search.index_article(conn, article_id, prepared.fts, self._pending)
            copies.on_store(conn, article_id, prepared.copies, replaced_id=current[0] if current else None,
                            cache=self._hashes)
        return CHANGED if current is not None else NEW

    def has_article(self, canonical_url: str) -> bool:
        """Is there a current version for this canonical URL?"""
        return self.conn.execute(
            "SELECT 1 FROM articles WHERE canonical_url = ? AND is_current = 1",
            (canonical_url,)).fetchone() is not None

    def get_article(self, article_id: int) -> dict[str, Any]:
        """One stored version (current or not) with paragraphs and pairs; KeyError if absent."""
        return read_article(self.conn, article_id)

    def current_id(self, canonical_url: str) -> int | None:
        """id of the current version of a URL, if any."""
        row = self.conn.execute(
            "SELECT id FROM articles WHERE canonical_url = ? AND is_current = 1",
            (canonical_url,)).fetchone()
        return row[0] if row else None

    def content_hash_by_url(self) -> dict[str, str]:
        """canonical_url -> content_hash of its current version (to spot unchanged pages)."""
        return dict(self.conn.execute(
            "SELECT canonical_url, content_hash FROM articles WHERE is_current = 1"))

    def iter_pairs(self, source: str | None = None, since: str | None = None,
                   until: str | None = None) -> Iterator[dict[str, Any]]:
        """Aligned pairs of current versions, streamed; see `iter_pairs()`."""
        return iter_pairs(self.conn, source=source, since=since, until=until)

    def search(self, query: str, limit: int = 10) -> list[dict[str, Any]]:
        """Full-text search, English or Chinese; see `archive.search.search`."""
        self._pending.flush(self.conn)  # inside a transaction: what it stored so far too
        return search.search(self.conn, query, limit)

    def reindex(self) -> int:
        """Rebuild the full-text index from the stored rows; returns articles indexed."""
        with self._write() as conn:
            self._pending.flush(conn)
            return search.rebuild_index(conn)

    # -- captures and crawls ---------------------------------------------

    def record_capture(self, capture: dict[str, Any]) -> None:
        """Record (or update) one WARC response record, keyed by warc_record_id."""
        unknown = set(capture) - set(CAPTURE_COLUMNS)
        if unknown:
            raise ValueError(f"unknown capture fields: {', '.join(sorted(unknown))}")
        missing = [c for c in _CAPTURE_REQUIRED if capture.get(c) in (None, "")]
        if missing:
            raise ValueError(f"capture lacks {', '.join(missing)}")
        columns = list(capture)
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "warc_record_id")
        with self._write() as conn:
            conn.execute(
                f"INSERT INTO captures ({', '.join(columns)}) "
                f"VALUES ({', '.join(':' + c for c in columns)}) "
                f"ON CONFLICT (warc_record_id) DO UPDATE SET {updates}", capture)

    def start_crawl(self, source: str | None) -> int:
        """Open a crawl run; its id goes on every article and capture it writes."""
        with self._write() as conn:
            return conn.execute("INSERT INTO crawls (source, started_at) VALUES (?, ?)",
                                (source, utc_now())).lastrowid

    def finish_crawl(self, crawl_id: int, counts: dict[str, int], error: str | None = None) -> None:
        """Close a crawl run with its counts by outcome.

        Keys named like `crawls` columns (fetched, stored, new, changed, unchanged,
        deleted, blocked, not_article, errors) fill them; any other count is kept
        in the `extra` JSON column rather than lost. `stored` defaults to
        new + changed.
        """
        known = {k: int(v) for k, v in counts.items() if k in schema.CRAWL_COUNTS}
        extra = {k: v for k, v in counts.items() if k not in schema.CRAWL_COUNTS}
        if "stored" not in known and ("new" in known or "changed" in known):
            known["stored"] = known.get("new", 0) + known.get("changed", 0)
        assignments = ", ".join(f"{k} = :{k}" for k in known)
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE crawls SET ended_at = :ended_at, error = :error, extra = :extra"
                + (f", {assignments}" if assignments else "") + " WHERE id = :id",
                {**known, "ended_at": utc_now(), "error": error,
                 "extra": json.dumps(extra, ensure_ascii=False) if extra else None, "id": crawl_id})
            if cursor.rowcount == 0:
                raise KeyError(f"no crawl with id {crawl_id}")

    def mark_lost(self, pointers: list[dict[str, Any]], torn_file: str) -> int:
        """Record pointers (warc_file, warc_offset, warc_record_id) whose record was cut off
        a torn WARC (its bytes kept in `torn_file`); returns how many were new."""
        with self._write() as conn:
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO lost_records (warc_file, warc_offset, warc_record_id, torn_file, lost_at) "
                "VALUES (:warc_file, :warc_offset, :warc_record_id, :torn_file, :lost_at)",
                [{**p, "torn_file": torn_file, "lost_at": utc_now()} for p in pointers])
            return conn.total_changes - before
