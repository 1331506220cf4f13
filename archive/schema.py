"""The archive's tables, as SQL text.

Statements belong to the migration that first ran them: once shipped they are
frozen, and later changes are new statements (ALTER TABLE ...) for a new step.

Plain DDL rather than sqlite-utils' `table.create()` because the design depends on
things that are clearer spelled out: foreign keys (Datasette turns them into links),
composite primary keys, and a partial unique index guaranteeing that a URL has at
most one current version. Migrations (`archive/migrations.py`) execute these
statements; nothing else should create tables.
"""
from __future__ import annotations

# Columns of `articles` that hold JSON text (decoded again by `get_article`).
JSON_COLUMNS = ("editors", "images", "removed")

# Count columns of `crawls`, one per crawl outcome; other counts go to `crawls.extra`.
CRAWL_COUNTS = ("fetched", "stored", "new", "changed", "unchanged", "deleted", "blocked",
                "not_article", "errors")

CRAWLS = """
CREATE TABLE crawls (
    id INTEGER PRIMARY KEY,
    source TEXT,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    fetched INTEGER NOT NULL DEFAULT 0,
    stored INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    blocked INTEGER NOT NULL DEFAULT 0,
    not_article INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    extra TEXT
)
"""

ARTICLES = """
CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    canonical_url TEXT NOT NULL,
    url TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    is_current INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL DEFAULT 'article',
    title TEXT NOT NULL DEFAULT '',
    title_en TEXT,
    title_zh TEXT,
    original_title TEXT,
    source TEXT,
    author TEXT,
    editors TEXT NOT NULL DEFAULT '{}',
    published TEXT,
    language TEXT,
    text_en TEXT NOT NULL DEFAULT '',
    text_zh TEXT NOT NULL DEFAULT '',
    images TEXT NOT NULL DEFAULT '[]',
    removed TEXT NOT NULL DEFAULT '[]',
    removed_count INTEGER NOT NULL DEFAULT 0,
    paragraph_count INTEGER NOT NULL DEFAULT 0,
    pair_count INTEGER NOT NULL DEFAULT 0,
    content_hash TEXT NOT NULL,
    crawled_at TEXT,
    crawl_id INTEGER REFERENCES crawls(id),
    warc_file TEXT,
    warc_offset INTEGER,
    warc_record_id TEXT
)
"""

PARAGRAPHS = """
CREATE TABLE paragraphs (
    article_id INTEGER NOT NULL REFERENCES articles(id),
    seq INTEGER NOT NULL,
    lang TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'body',
    text TEXT NOT NULL,
    PRIMARY KEY (article_id, seq)
)
"""

PAIRS = """
CREATE TABLE pairs (
    article_id INTEGER NOT NULL REFERENCES articles(id),
    seq INTEGER NOT NULL,
    en TEXT NOT NULL,
    zh TEXT NOT NULL,
    PRIMARY KEY (article_id, seq)
)
"""

CAPTURES = """
CREATE TABLE captures (
    warc_record_id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    status INTEGER,
    warc_file TEXT NOT NULL,
    warc_offset INTEGER NOT NULL,
    warc_length INTEGER,
    payload_digest TEXT,
    fetched_at TEXT,
    content_type TEXT,
    crawl_id INTEGER REFERENCES crawls(id),
    outcome TEXT
)
"""

CORE_INDEXES = (
    # One row per (url, version); lookups by canonical_url use its prefix.
    "CREATE UNIQUE INDEX idx_articles_canonical_url ON articles(canonical_url, version)",
    # At most one current version per URL, enforced by SQLite itself.
    "CREATE UNIQUE INDEX idx_articles_current ON articles(canonical_url) WHERE is_current = 1",
    "CREATE INDEX idx_articles_source ON articles(source)",
    "CREATE INDEX idx_articles_published ON articles(published)",
    "CREATE INDEX idx_articles_language ON articles(language)",
    "CREATE INDEX idx_articles_status ON articles(status)",
    "CREATE INDEX idx_articles_crawl_id ON articles(crawl_id)",
    "CREATE INDEX idx_captures_url ON captures(url)",
    "CREATE INDEX idx_captures_crawl_id ON captures(crawl_id)",
)

CORE_TABLES = (CRAWLS, ARTICLES, PARAGRAPHS, PAIRS, CAPTURES)

# Migration 0003: the WARC record type of a capture (response or revisit), and the
# split of `crawls.stored` into new articles and changed ones.
CAPTURES_AND_CRAWLS_0003 = (
    "ALTER TABLE captures ADD COLUMN record_type TEXT",
    "ALTER TABLE crawls ADD COLUMN new INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE crawls ADD COLUMN changed INTEGER NOT NULL DEFAULT 0",
)

# Migration 0004: each archive's own identity (a random id, so a shard can be told apart
# from others and from a copy of the destination when merged), and, on a crawl row that
# came from a shard, the "<archive id>/<crawl id>" it had there (archive/merge.py).
ARCHIVE_IDENTITY_0004 = (
    "CREATE TABLE archive_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "ALTER TABLE crawls ADD COLUMN origin TEXT",
    "CREATE UNIQUE INDEX idx_crawls_origin ON crawls(origin)",
)

# Migration 0005: records cut off a torn WARC by `harvest verify --repair`. Rows whose
# pointer is listed here point at bytes kept in `torn_file`, not at a whole record;
# verify reports them as lost instead of failing on them again.
LOST_RECORDS_0005 = (
    """CREATE TABLE lost_records (
    warc_file TEXT NOT NULL,
    warc_offset INTEGER NOT NULL,
    warc_record_id TEXT,
    torn_file TEXT NOT NULL,
    lost_at TEXT NOT NULL,
    PRIMARY KEY (warc_file, warc_offset)
)""",
)

# Full-text index of *current* article versions; rowid = articles.id.
# Stores its own copy of the text (not content="articles") because two of its
# columns are derived in Python and do not exist in `articles`; see archive/search.py.
ARTICLES_FTS = """
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, text_en, text_zh_chars, text_zh_bigrams,
    tokenize = 'porter unicode61 remove_diacritics 2'
)
"""

# Migration 0006: copies (archive/copies.py). One row per article found to republish
# another; `copy_lsh` holds the MinHash LSH buckets of current versions (bucket key ->
# article; derived from the text, so `harvest merge` rebuilds it rather than copying it),
# `copy_claims` what pages say about their origin (links, credited accounts) and what a
# WeChat article answers to (its account + title), keyed for lookup.
COPIES_0006 = (
    """
CREATE TABLE copies (
    article_id INTEGER NOT NULL REFERENCES articles(id),
    original_id INTEGER NOT NULL REFERENCES articles(id),
    method TEXT NOT NULL CHECK (method IN ('link', 'canonical', 'text')),
    similarity REAL,
    detected_at TEXT,
    PRIMARY KEY (article_id, original_id)
)
""",
    "CREATE INDEX idx_copies_original_id ON copies(original_id)",
    "CREATE TABLE copy_lsh (bucket INTEGER NOT NULL, article_id INTEGER NOT NULL REFERENCES articles(id), "
    "PRIMARY KEY (bucket, article_id)) WITHOUT ROWID",
    "CREATE TABLE copy_claims (key TEXT NOT NULL, kind TEXT NOT NULL, "
    "article_id INTEGER NOT NULL REFERENCES articles(id), UNIQUE (key, kind, article_id))",
    "CREATE INDEX idx_copy_claims_article_id ON copy_claims(article_id)",
)
