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

# Migration 0007: the text stored once (archive/spans.py). The English and Chinese
# body stays in articles.text_en / text_zh; paragraphs and pairs point into it.
# `paragraphs` and `pairs` become views with their old columns, so every reader
# (Datasette, export, the plugin) sees what it saw. The search index keeps its
# columns but no copy of the text (contentless, see ARTICLES_FTS_0007).
PARAGRAPH_SPANS = """
CREATE TABLE paragraph_spans (
    article_id INTEGER NOT NULL REFERENCES articles(id),
    seq INTEGER NOT NULL,
    lang TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'body',
    start INTEGER,   -- byte offset in articles.text_en (lang en) or text_zh (zh) ...
    length INTEGER,  -- ... and byte length; both NULL when `text` holds the paragraph
    text TEXT,       -- only for a paragraph not found there (mixed, other languages)
    PRIMARY KEY (article_id, seq)
) WITHOUT ROWID
"""

PAIR_REFS = """
CREATE TABLE pair_refs (
    article_id INTEGER NOT NULL REFERENCES articles(id),
    seq INTEGER NOT NULL,
    en_seq INTEGER,  -- the paragraph that is the English side, or NULL and `en` holds it
    zh_seq INTEGER,
    en TEXT,
    zh TEXT,
    PRIMARY KEY (article_id, seq)
) WITHOUT ROWID
"""

# LEFT JOIN on the primary key: a count(*) of paragraphs never touches articles.
PARAGRAPHS_VIEW = """
CREATE VIEW paragraphs AS
SELECT s.article_id, s.seq, s.lang, s.role,
       coalesce(s.text, CAST(substr(CAST(CASE s.lang WHEN 'en' THEN a.text_en ELSE a.text_zh END AS BLOB),
                                    s.start + 1, s.length) AS TEXT)) AS text
FROM paragraph_spans s LEFT JOIN articles a ON a.id = s.article_id
"""

PAIRS_VIEW = """
CREATE VIEW pairs AS
SELECT r.article_id, r.seq,
       coalesce(r.en, (SELECT p.text FROM paragraphs p WHERE p.article_id = r.article_id AND p.seq = r.en_seq)) AS en,
       coalesce(r.zh, (SELECT p.text FROM paragraphs p WHERE p.article_id = r.article_id AND p.seq = r.zh_seq)) AS zh
FROM pair_refs r
"""

# The search index with no text of its own (contentless): its column values are
# derived in Python (archive/search.py: `fts_values`) and given to FTS5 when a
# version is indexed and again, with the 'delete' command, when it is removed.
# FTS5 refuses DELETE and 'rebuild' on it; archive.search does both properly.
ARTICLES_FTS_0007 = """
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, text_en, text_zh_chars, text_zh_bigrams,
    content = '',
    tokenize = 'porter unicode61 remove_diacritics 2'
)
"""

# Migration 0009: the order Datasette shows a search in (newest first; ties by id, as its
# sort leaves them and its paging expects), as an index the plugin's search clause walks
# (archive/datasette_plugin.py: `filters_from_request`) instead of sorting every match.
# Partial on a condition every row meets, so that only queries naming the condition can
# use it: the plain table pages keep the `published` index they had.
SEARCH_ORDER_CONDITION = "published is published"
SEARCH_ORDER_INDEX = (
    f"CREATE INDEX idx_articles_search_order ON articles(published DESC) WHERE {SEARCH_ORDER_CONDITION}"
)

# Migration 0010: how much the search index buffers in memory before writing it out as a
# segment. FTS5's default (1 MiB) made a batch of articles (archive/writer.py) into a
# dozen small segments written and merged again; with 32 MiB a batch is one segment,
# written at its COMMIT. A setting kept in the index's own config table, so every
# connection uses it; what the index holds and finds is unchanged.
FTS_HASH_SIZE = 32 << 20
FTS_HASH_SIZE_0010 = f"INSERT INTO articles_fts (articles_fts, rank) VALUES ('hashsize', {FTS_HASH_SIZE})"
