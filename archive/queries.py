"""Read-only questions the crawler and the scheduler ask of the archive.

What is stored, the capture a conditional request is made against, when each source
last ran: answered here so that the incremental middleware and the scheduler hold no
SQL of their own. Each opens the file read-only (no migrations, no write lock) and
treats a missing or not yet migrated archive as empty.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Iterable

BUSY_TIMEOUT = 30  # seconds to wait for a writer's lock (crawls share the file)


def _connect(db_path: str | Path) -> sqlite3.Connection | None:
    if not Path(db_path).is_file():
        return None
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT)
    conn.row_factory = sqlite3.Row
    return conn


def _rows(db_path: str | Path, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
    try:
        conn = _connect(db_path)
    except sqlite3.Error:
        return []
    if conn is None:
        return []
    try:
        return conn.execute(sql, tuple(params)).fetchall()
    except sqlite3.Error:  # an archive not yet migrated (or not an archive): nothing there
        return []
    finally:
        conn.close()


def stored_articles(db_path: str | Path) -> list[tuple[str, str]]:
    """(canonical_url, url) of every current article version."""
    return [(r["canonical_url"], r["url"])
            for r in _rows(db_path, "SELECT canonical_url, url FROM articles WHERE is_current = 1")]


def last_full_capture(db_path: str | Path, urls: Iterable[str], canonical_url: str) -> dict[str, Any] | None:
    """The newest 200 capture of any of `urls` (pointer, url, fetched_at, payload digest).

    Without capture rows (an archive filled by `harvest replay`), the response the
    current version of `canonical_url` was extracted from.
    """
    urls = list(dict.fromkeys(urls))
    marks = ", ".join("?" for _ in urls)
    rows = _rows(db_path,
                 "SELECT warc_file, warc_offset, warc_record_id, url, fetched_at, payload_digest FROM captures "
                 f"WHERE url IN ({marks}) AND status = 200 ORDER BY fetched_at DESC, rowid DESC LIMIT 1", urls)
    if not rows:
        rows = _rows(db_path,
                     "SELECT warc_file, warc_offset, warc_record_id, url, NULL AS fetched_at, "
                     "NULL AS payload_digest FROM articles WHERE canonical_url = ? AND is_current = 1 "
                     "AND warc_file IS NOT NULL", [canonical_url])
    return dict(rows[0]) if rows else None


def last_starts(db_path: str | Path) -> dict[str, str]:
    """source -> start time (ISO 8601) of its latest crawl."""
    return {r["source"]: r["started"]
            for r in _rows(db_path, "SELECT source, max(started_at) AS started FROM crawls GROUP BY source")
            if r["source"] and r["started"]}


def crawl_runs(db_path: str | Path, source: str, since: str) -> list[tuple[int, str | None]]:
    """(id, ended_at) of the crawls of `source` started at or after `since`, oldest first."""
    return [(r["id"], r["ended_at"])
            for r in _rows(db_path, "SELECT id, ended_at FROM crawls WHERE source = ? AND started_at >= ? "
                                    "ORDER BY id", [source, since])]
