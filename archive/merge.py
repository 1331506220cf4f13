"""`harvest merge`: fold archive shards (one per crawl worker) into one archive.

Workers of a shared crawl never share a SQLite file: each writes its own shard and
its own WARC directory, and a merger folds them together. The rules:

- **One transaction per shard.** A merge interrupted midway leaves the destination
  as it was before that shard. WARC files are placed first (hard-linked, or copied
  through a temporary name and a rename), so a pointer is never committed before the
  file it points into; a file left by an interrupted merge is simply reused next time.
- **Idempotent.** Merging the same shard again adds nothing; merging it after its
  worker went on crawling adds only what is new. Captures are keyed by their WARC
  record id, crawl runs by their origin (`<archive id>/<crawl id>` in the shard,
  kept in `crawls.origin`), article versions by their place in time (below).
- **Article versions in crawl-time order.** The versions of one URL, from every shard,
  form one timeline ordered by `crawled_at`. An incoming version whose neighbour in
  that timeline has the same `content_hash` is the same version (two workers that
  fetched one unchanged page, or the same shard merged twice) and adds nothing; any
  other adds a row. Afterwards versions are renumbered 1..n and the newest is the
  one `is_current` (and the one in the search index).
- **Every other table, generically.** A table whose rows belong to an article version
  (a foreign key to `articles`, like paragraph_spans, pair_refs or copies) gets the rows of the
  versions this merge added, with every foreign key mapped to destination ids. Any
  other table gets the rows it does not already hold (by its primary key or unique
  index, else by equality of the whole row). So tables added later by migrations
  merge without changes here, as long as their foreign keys are declared.
- **Pointers rewritten.** `warc_file` columns name the file in the destination WARC
  directory; a name already taken there by a different file gets the shard's archive
  id as a prefix.

Shards are opened (and so migrated in place) like any archive, then read in one
read transaction, so a worker may keep writing while its shard is merged.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from . import copies, search
from .migrations import pending
from .snapshot import SnapshotError, resolve_warc_path
from .store import Archive

ARTICLES, CRAWLS, CAPTURES = "articles", "crawls", "captures"
# Bookkeeping tables that are the destination's own, never merged.
OWN_TABLES = ("archive_info", "_sqlite_migrations")
DERIVED_TABLES = ("copy_lsh",)  # rebuilt for the merged articles (copies.refresh), never copied
POINTER_COLUMN = "warc_file"


class MergeError(ValueError):
    """A shard that cannot be merged; nothing of it was written."""


@dataclass(frozen=True)
class Shard:
    """One worker's archive file and the WARC directory its pointers are relative to."""

    db_path: Path
    warc_dir: Path

    @classmethod
    def parse(cls, spec: str) -> "Shard":
        """`DB` or `DB=WARC_DIR`; without a directory, the `warcs` directory next to DB."""
        db, sep, warcs = spec.partition("=")
        if sep and not Path(spec).exists():
            return cls(Path(db), Path(warcs))
        return cls(Path(spec), Path(spec).parent / "warcs")


@dataclass
class MergeReport:
    shard: str
    articles_added: int = 0
    articles_known: int = 0  # same content next to it in the destination's timeline
    captures_added: int = 0
    crawls_added: int = 0
    warc_files: int = 0
    changed_files: list[str] = field(default_factory=list)  # placed, grown or linked: to (re)index
    rows_added: dict[str, int] = field(default_factory=dict)  # other tables

    def line(self) -> str:
        others = "".join(f", {table} {n}" for table, n in sorted(self.rows_added.items()) if n)
        return (f"merged {self.shard}: articles {self.articles_added} added, {self.articles_known} already there; "
                f"captures {self.captures_added}, crawls {self.crawls_added}{others}; "
                f"WARC files {self.warc_files}")


def merge_shards(db_path: str | Path, warc_dir: str | Path, shards: Iterable[Shard], *,
                 link: bool = True,
                 progress: Callable[[MergeReport], None] | None = None) -> list[MergeReport]:
    """Merge `shards` one after the other into the archive at `db_path`; one report each.

    Raises MergeError for the first shard that cannot be merged; shards merged
    before it stay merged. `link=False` copies WARC files instead of hard-linking;
    `progress` hears of each shard as it is done.
    """
    shards = list(shards)
    for shard in shards:
        _check_shard(shard, Path(db_path))
    warc_dir = Path(warc_dir)
    reports = []
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    with Archive(db_path) as archive:
        try:
            for shard in shards:
                reports.append(merge_shard(archive, warc_dir, shard, link=link))
                if progress is not None:
                    progress(reports[-1])
        finally:
            changed = sorted({warc_dir / name for r in reports for name in r.changed_files})
            if changed:
                from .cdxj import update_index

                update_index(warc_dir, changed)  # revisits and replay find the merged records
    return reports


def _check_shard(shard: Shard, db_path: Path) -> None:
    if not shard.db_path.is_file():
        raise MergeError(f"{shard.db_path}: no such shard")
    if db_path.exists() and os.path.samefile(shard.db_path, db_path):
        raise MergeError(f"{shard.db_path}: is the destination itself")
    with open(shard.db_path, "rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise MergeError(f"{shard.db_path}: not an SQLite archive")


def archive_id(conn: sqlite3.Connection) -> str:
    (value,) = conn.execute("SELECT value FROM archive_info WHERE key = 'archive_id'").fetchone()
    return value


def merge_shard(archive: Archive, warc_dir: Path, shard: Shard, *, link: bool = True) -> MergeReport:
    """Merge one shard into an open archive in one transaction; see the module docstring."""
    _upgrade(shard)
    source = sqlite3.connect(f"file:{shard.db_path}?mode=ro", uri=True, timeout=30, isolation_level=None)
    source.row_factory = sqlite3.Row
    try:
        source.execute("BEGIN")  # one snapshot, however the worker writes meanwhile
        shard_id = archive_id(source)
        if shard_id == archive_id(archive.conn):
            raise MergeError(f"{shard.db_path}: is a copy of the destination (same archive id)")
        report = MergeReport(str(shard.db_path))
        files = place_warc_files(source, shard, warc_dir, shard_id, link=link, changed=report.changed_files)
        merger = _ShardMerger(archive.conn, source, shard_id, files, report)
        report.warc_files = len(set(files.values()))
        with archive._write():
            merger.run()
        return merger.report
    except sqlite3.DatabaseError as exc:
        raise MergeError(f"{shard.db_path}: {exc}") from None
    finally:
        source.close()


def _upgrade(shard: Shard) -> None:
    """Bring an older shard's schema up to date (in place, as opening it would)."""
    try:
        with Archive(shard.db_path) as opened:
            pending(opened.db)  # Archive() has migrated it; reading confirms it is usable
    except sqlite3.DatabaseError as exc:
        raise MergeError(f"{shard.db_path}: not a usable archive ({exc})") from None


# -- WARC files ------------------------------------------------------------------------------

def place_warc_files(source: sqlite3.Connection, shard: Shard, warc_dir: Path, shard_id: str, *,
                     link: bool = True, changed: list[str] | None = None) -> dict[str, str]:
    """Hard-link or copy every WARC file the shard's rows point into; shard name -> destination name.

    `changed` collects the destination names whose content may be new to the directory's
    index: files placed now, grown copies, and hard links (their worker may have written on).
    """
    names: set[str] = set()
    for table in _tables(source):
        if POINTER_COLUMN in _columns(source, table):
            names.update(r[0] for r in source.execute(
                f"SELECT DISTINCT {POINTER_COLUMN} FROM [{table}] WHERE {POINTER_COLUMN} IS NOT NULL"))
    warc_dir.mkdir(parents=True, exist_ok=True)
    placed = {}
    for name in sorted(names):
        try:
            path = resolve_warc_path(shard.warc_dir, name)
        except SnapshotError:
            raise MergeError(f"{shard.db_path}: WARC file {name} not found in {shard.warc_dir}") from None
        placed[name], fresh = _place_file(path, warc_dir, shard_id, link)
        if fresh and changed is not None:
            changed.append(placed[name])
    return placed


def _place_file(path: Path, warc_dir: Path, shard_id: str, link: bool) -> tuple[str, bool]:
    """Put `path` into `warc_dir` under its own name (or a prefixed one if taken).

    Returns that name and whether the destination may hold records it did not hold before.
    """
    for name in (path.name, f"{shard_id}-{path.name}"):
        target = warc_dir / name
        if not target.exists():
            _link_or_copy(path, target, link)
            return name, True
        if os.path.samefile(path, target):
            return name, True
        size = target.stat().st_size
        if size <= path.stat().st_size and _digest(target, size) == _digest(path, size):
            if size < path.stat().st_size:  # the worker has written more since: bring the rest
                _link_or_copy(path, target, link=False)
                return name, True
            return name, False
    raise MergeError(f"{path}: {warc_dir} already holds different files named {path.name} and {name}")


def _link_or_copy(path: Path, target: Path, link: bool) -> None:
    """Hard-link if allowed and possible, else copy; either way `target` appears whole, at once."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.part")
    temporary.unlink(missing_ok=True)
    if link:
        try:
            os.link(path, temporary)
        except OSError:  # another file system, or links not allowed there
            shutil.copyfile(path, temporary)
    else:
        shutil.copyfile(path, temporary)
    os.replace(temporary, target)


def _digest(path: Path, size: int) -> str:
    """sha256 of the first `size` bytes of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        remaining = size
        while remaining > 0:
            chunk = handle.read(min(remaining, 1 << 20))
            if not chunk:
                break
            digest.update(chunk)
            remaining -= len(chunk)
    return digest.hexdigest()


# -- tables ----------------------------------------------------------------------------------

def _tables(conn: sqlite3.Connection) -> list[str]:
    """Ordinary tables (no views, virtual or shadow tables, no SQLite internals)."""
    return [row[1] for row in conn.execute("PRAGMA table_list")
            if row[0] == "main" and row[2] == "table" and not row[1].startswith("sqlite_")]


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")]


def _primary_key(conn: sqlite3.Connection, table: str) -> list[str]:
    rows = sorted((row[5], row[1]) for row in conn.execute(f"PRAGMA table_info([{table}])") if row[5])
    return [name for _, name in rows]


def _rowid_alias(conn: sqlite3.Connection, table: str) -> str | None:
    """The INTEGER PRIMARY KEY column (an alias of rowid, renumbered by a merge), if any."""
    info = list(conn.execute(f"PRAGMA table_info([{table}])"))
    keys = [row for row in info if row[5]]
    if len(keys) == 1 and keys[0][2].upper() == "INTEGER":
        return keys[0][1]
    return None


def _row_order(conn: sqlite3.Connection, table: str) -> str:
    """Insertion order: rowid, or the primary key of a WITHOUT ROWID table."""
    without_rowid = any(row[0] == "main" and row[1] == table and row[4]
                        for row in conn.execute("PRAGMA table_list"))
    return ", ".join(f"[{c}]" for c in _primary_key(conn, table)) if without_rowid else "rowid"


def _foreign_keys(conn: sqlite3.Connection, table: str) -> dict[str, tuple[str, str | None]]:
    """column -> (referenced table, referenced column or None for its primary key)."""
    return {row[3]: (row[2], row[4]) for row in conn.execute(f"PRAGMA foreign_key_list([{table}])")}


def _unique_keys(conn: sqlite3.Connection, table: str) -> list[list[str]]:
    """Column lists of the table's primary key and unique indexes (full, not partial)."""
    keys = []
    pk = _primary_key(conn, table)
    if pk and _rowid_alias(conn, table) is None:
        keys.append(pk)
    for row in conn.execute(f"PRAGMA index_list([{table}])"):
        _, name, unique, origin, partial = row[:5]
        if unique and not partial and origin != "pk":
            keys.append([c[2] for c in conn.execute(f"PRAGMA index_info([{name}])")])
    return keys


def _dependency_order(conn: sqlite3.Connection, tables: list[str]) -> list[str]:
    """Tables with the ones they reference first."""
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(table: str) -> None:
        if table in ordered or table in visiting:
            return
        visiting.add(table)
        for target, _ in _foreign_keys(conn, table).values():
            if target in tables and target != table:
                visit(target)
        ordered.append(table)

    for table in tables:
        visit(table)
    return ordered


class _ShardMerger:
    """The work of one shard's transaction: crawls, captures, articles, then every other table."""

    def __init__(self, dest: sqlite3.Connection, source: sqlite3.Connection, shard_id: str,
                 files: dict[str, str], report: MergeReport) -> None:
        self.dest = dest
        self.source = source
        self.shard_id = shard_id
        self.files = files
        self.report = report
        self.ids: dict[str, dict[Any, Any]] = defaultdict(dict)  # table -> shard id -> destination id
        self.added: dict[str, set[Any]] = defaultdict(set)  # table -> destination ids added now
        self.dest_tables = set(_tables(dest))
        self.to_index: list[int] = []  # new current versions, indexed once their rows are in

    def run(self) -> None:
        self.merge_crawls()
        self.merge_captures()
        self.merge_articles()
        rest = [t for t in _tables(self.source) if t in self.dest_tables
                and t not in (ARTICLES, CRAWLS, CAPTURES, *OWN_TABLES, *DERIVED_TABLES)]
        for table in _dependency_order(self.source, rest):
            self.merge_table(table)
        for article_id in self.to_index:
            search.index_article(self.dest, article_id)
            if "copies" in self.dest_tables:  # copies across shards, found once they meet
                copies.refresh(self.dest, article_id)

    # -- shared row handling

    def _shared_columns(self, table: str) -> list[str]:
        wanted = set(_columns(self.dest, table))
        return [c for c in _columns(self.source, table) if c in wanted]

    def _map_row(self, table: str, row: sqlite3.Row, columns: list[str]) -> dict[str, Any] | None:
        """The row with foreign keys and pointers in destination terms; None if a reference is unknown."""
        out = {c: row[c] for c in columns}
        for column, (target, _) in _foreign_keys(self.source, table).items():
            value = out.get(column)
            if value is None or target not in self.ids:
                continue
            if value not in self.ids[target]:
                return None
            out[column] = self.ids[target][value]
        if out.get(POINTER_COLUMN) is not None:
            out[POINTER_COLUMN] = self.files[out[POINTER_COLUMN]]
        return out

    def _insert(self, table: str, row: dict[str, Any], verb: str = "INSERT") -> int:
        names = list(row)
        cursor = self.dest.execute(
            f"{verb} INTO [{table}] ({', '.join(f'[{n}]' for n in names)}) "
            f"VALUES ({', '.join('?' for _ in names)})", [row[n] for n in names])
        return cursor.lastrowid if cursor.rowcount else 0

    # -- crawls: keyed by origin, updated while the shard's crawl is still running

    def merge_crawls(self) -> None:
        columns = [c for c in self._shared_columns(CRAWLS) if c not in ("id", "origin")]
        for row in self.source.execute(f"SELECT * FROM {CRAWLS} ORDER BY id"):
            origin = row["origin"] or f"{self.shard_id}/{row['id']}"
            values = {c: row[c] for c in columns}
            found = self.dest.execute(f"SELECT id FROM {CRAWLS} WHERE origin = ?", (origin,)).fetchone()
            if found is None:
                new_id = self._insert(CRAWLS, {**values, "origin": origin})
                self.report.crawls_added += 1
            else:
                new_id = found[0]
                self.dest.execute(
                    f"UPDATE {CRAWLS} SET {', '.join(f'[{c}] = ?' for c in columns)} WHERE id = ?",
                    [*values.values(), new_id])
            self.ids[CRAWLS][row["id"]] = new_id

    # -- captures: keyed by WARC record id

    def merge_captures(self) -> None:
        columns = self._shared_columns(CAPTURES)
        key = _primary_key(self.dest, CAPTURES) or ["warc_record_id"]
        updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in columns if c not in key)
        for row in self.source.execute(f"SELECT * FROM {CAPTURES} ORDER BY rowid"):
            mapped = self._map_row(CAPTURES, row, columns)
            if mapped is None:
                continue
            exists = self.dest.execute(
                f"SELECT 1 FROM {CAPTURES} WHERE {' AND '.join(f'[{k}] = ?' for k in key)}",
                [mapped[k] for k in key]).fetchone()
            self.dest.execute(
                f"INSERT INTO {CAPTURES} ({', '.join(f'[{c}]' for c in mapped)}) "
                f"VALUES ({', '.join('?' for _ in mapped)}) "
                f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}", list(mapped.values()))
            self.report.captures_added += exists is None

    # -- articles: one timeline per URL

    def merge_articles(self) -> None:
        columns = [c for c in self._shared_columns(ARTICLES) if c != "id"]
        touched: set[str] = set()
        rows = self.source.execute(
            f"SELECT * FROM {ARTICLES} ORDER BY canonical_url, coalesce(crawled_at, ''), version, id")
        for row in rows:
            url, digest, when = row["canonical_url"], row["content_hash"], row["crawled_at"] or ""
            same = self._same_version(url, digest, when)
            if same is not None:
                self.ids[ARTICLES][row["id"]] = same
                self.report.articles_known += 1
                continue
            mapped = self._map_row(ARTICLES, row, columns)
            (last,) = self.dest.execute(f"SELECT coalesce(max(version), 0) FROM {ARTICLES} "
                                        "WHERE canonical_url = ?", (url,)).fetchone()
            new_id = self._insert(ARTICLES, {**mapped, "version": last + 1, "is_current": 0})
            self.ids[ARTICLES][row["id"]] = new_id
            self.added[ARTICLES].add(new_id)
            self.report.articles_added += 1
            touched.add(url)
        for url in sorted(touched):
            self._renumber(url)

    def _same_version(self, url: str, digest: str, when: str) -> int | None:
        """The destination version this one is (same content, same time or next to it in time)."""
        exact = self.dest.execute(
            f"SELECT id FROM {ARTICLES} WHERE canonical_url = ? AND content_hash = ? "
            "AND coalesce(crawled_at, '') = ?", (url, digest, when)).fetchone()
        if exact is not None:
            return exact[0]
        for comparison, order in (("<=", "DESC"), (">", "ASC")):
            neighbour = self.dest.execute(
                f"SELECT id, content_hash FROM {ARTICLES} WHERE canonical_url = ? "
                f"AND coalesce(crawled_at, '') {comparison} ? "
                f"ORDER BY coalesce(crawled_at, '') {order}, version {order} LIMIT 1", (url, when)).fetchone()
            if neighbour is not None and neighbour[1] == digest:
                return neighbour[0]
        return None

    def _renumber(self, url: str) -> None:
        """Versions 1..n in crawl-time order; the newest is current and the one searched."""
        versions = [r[0] for r in self.dest.execute(
            f"SELECT id FROM {ARTICLES} WHERE canonical_url = ? "
            "ORDER BY coalesce(crawled_at, ''), version, id", (url,))]
        current = self.dest.execute(f"SELECT id FROM {ARTICLES} WHERE canonical_url = ? AND is_current = 1",
                                    (url,)).fetchone()
        self.dest.execute(f"UPDATE {ARTICLES} SET version = -version WHERE canonical_url = ?", (url,))
        self.dest.executemany(f"UPDATE {ARTICLES} SET version = ? WHERE id = ?",
                              [(n, article_id) for n, article_id in enumerate(versions, start=1)])
        newest = versions[-1]
        if current is not None and current[0] == newest:
            return
        if current is not None:
            self.dest.execute(f"UPDATE {ARTICLES} SET is_current = 0 WHERE id = ?", (current[0],))
            search.unindex_article(self.dest, current[0])
            if "copies" in self.dest_tables:
                copies.forget(self.dest, current[0])
        self.dest.execute(f"UPDATE {ARTICLES} SET is_current = 1 WHERE id = ?", (newest,))
        self.to_index.append(newest)

    # -- every other table

    def merge_table(self, table: str) -> None:
        columns = self._shared_columns(table)
        alias = _rowid_alias(self.source, table)
        if alias in columns:
            columns.remove(alias)
        article_keys = [c for c, (target, _) in _foreign_keys(self.source, table).items()
                        if target == ARTICLES and c in columns]
        unique = [key for key in _unique_keys(self.dest, table) if all(c in columns for c in key)]
        added = 0
        for row in self.source.execute(f"SELECT * FROM [{table}] ORDER BY {_row_order(self.source, table)}"):
            mapped = self._map_row(table, row, columns)
            if mapped is None:
                continue
            if article_keys:
                # Rows of an article version come with that version, and only then.
                if not any(mapped[c] in self.added[ARTICLES] for c in article_keys):
                    if alias:
                        self._remember(table, alias, row, mapped, unique)
                    continue
                new_id = self._insert(table, mapped, "INSERT OR IGNORE")
            else:
                existing = self._find(table, mapped, unique, alias)
                if existing is not None:
                    if alias:
                        self.ids[table][row[alias]] = existing
                    continue
                new_id = self._insert(table, mapped, "INSERT OR IGNORE")
            if new_id:
                added += 1
                if alias:
                    self.ids[table][row[alias]] = new_id
                    self.added[table].add(new_id)
        self.report.rows_added[table] = self.report.rows_added.get(table, 0) + added

    def _remember(self, table: str, alias: str, row: sqlite3.Row, mapped: dict[str, Any],
                  unique: list[list[str]]) -> None:
        existing = self._find(table, mapped, unique, alias)
        if existing is not None:
            self.ids[table][row[alias]] = existing

    def _find(self, table: str, mapped: dict[str, Any], unique: list[list[str]], alias: str | None) -> Any:
        """The destination row equal to `mapped` (by a unique key, else by every column)."""
        key = unique[0] if unique else list(mapped)
        if not key:
            return None
        found = self.dest.execute(
            f"SELECT {f'[{alias}]' if alias else '1'} FROM [{table}] "
            f"WHERE {' AND '.join(f'[{c}] IS ?' for c in key)} LIMIT 1", [mapped[c] for c in key]).fetchone()
        return None if found is None else found[0]
