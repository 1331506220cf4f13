"""Named schema migrations, so an archive written by an older version upgrades in place.

Uses sqlite-utils' own `Migrations` (a `_sqlite_migrations` table records which named
steps ran; each step and its record commit in one transaction, so a failed step
leaves the archive as it was). Append new steps at the end; never edit or rename
one that has shipped.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from . import copies, schema, search

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

def migrate(db: Database, *, stop_before: str | Iterable[str] | None = None) -> list[str]:
    """Apply pending steps (all, or up to `stop_before`); returns the names applied."""
    pending = [m.name for m in migrations.pending(db)]
    migrations.apply(db, stop_before=stop_before)
    applied = {m.name for m in migrations.applied(db)}
    return [name for name in pending if name in applied]


def applied(db: Database) -> list[str]:
    """Names of the steps this archive has had, oldest first."""
    return [m.name for m in migrations.applied(db)]


def pending(db: Database) -> list[str]:
    """Names of the steps this archive still needs."""
    return [m.name for m in migrations.pending(db)]
