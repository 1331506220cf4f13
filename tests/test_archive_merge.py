"""`harvest merge`: shards of a shared crawl folded into one archive, idempotently and atomically."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

import archive.merge as merge_module
from archive import Archive
from archive.cdxj import CdxjIndex
from archive.merge import MergeError, Shard, merge_shards
from archive.verify import verify
from archive.warcstore import Exchange, WarcStore

from .archive_samples import beijing, edited, harbour, shenzhen
from .conftest import run_harvest


class Worker:
    """A worker's shard as a crawl leaves it: WARC records, capture rows and article rows."""

    def __init__(self, root: Path, name: str) -> None:
        self.dir = root / name
        self.dir.mkdir()
        self.db = self.dir / "archive.db"
        self.warcs = self.dir / "warcs"
        self.archive = Archive(self.db)
        self.store = WarcStore(self.warcs, prefix=f"harvest-{name}")
        self.crawl_id = self.archive.start_crawl("shared")

    def fetch(self, article: dict, when: str) -> str:
        """Record the page's exchange, its capture and the article; returns store_article's outcome."""
        body = f"<html><body>{article['title']} {len(article['paragraphs'])}</body></html>".encode()
        exchange = Exchange(url=article["url"], method="GET", request_headers=[("User-Agent", "test")],
                            status=200, reason="OK", protocol="HTTP/1.1",
                            response_headers=[("Content-Type", "text/html")], body=body,
                            fetched_at=datetime.fromisoformat(when))
        pointer = self.store.write_exchange(exchange)
        self.archive.record_capture(dict(pointer.as_dict(), crawl_id=self.crawl_id))
        return self.archive.store_article(article, pointer=pointer.as_dict(), crawl_id=self.crawl_id,
                                          crawled_at=when)

    def finish(self) -> None:
        self.archive.finish_crawl(self.crawl_id, {"fetched": 3, "new": 3})

    @property
    def shard(self) -> Shard:
        return Shard(self.db, self.warcs)

    def close(self) -> None:
        self.store.close()
        self.archive.close()


def dump(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table that matters, for before/after comparisons."""
    conn = sqlite3.connect(db)
    try:
        return {table: sorted(map(tuple, conn.execute(f"SELECT * FROM {table}")), key=repr)
                for table in ("articles", "paragraphs", "pairs", "captures", "crawls", "articles_fts")}
    finally:
        conn.close()


def timeline(db: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(db)
    try:
        out: dict[str, list[tuple]] = {}
        for url, version, current, digest, when in conn.execute(
                "SELECT canonical_url, version, is_current, content_hash, crawled_at FROM articles "
                "ORDER BY canonical_url, version"):
            out.setdefault(url, []).append((version, current, digest[:8], when))
        return out
    finally:
        conn.close()


T1, T2, T3, T4 = ("2024-05-01T08:00:00+00:00", "2024-05-01T09:00:00+00:00",
                  "2024-05-01T10:00:00+00:00", "2024-05-01T11:00:00+00:00")


@pytest.fixture
def shards(tmp_path: Path):
    """Worker a and worker b: one article each alone, one fetched by both unchanged, one edited between."""
    a, b = Worker(tmp_path, "a"), Worker(tmp_path, "b")
    a.fetch(shenzhen(), T1)
    a.fetch(harbour(), T1)            # harbour: fetched by both, same content (a lease requeued)
    b.fetch(harbour(), T2)
    b.fetch(beijing(), T2)            # beijing: a has the edited version, fetched later
    a.fetch(edited(beijing()), T3)
    a.finish()
    b.finish()
    yield a, b
    a.close()
    b.close()


def test_merge_two_shards(tmp_path: Path, shards) -> None:
    a, b = shards
    out, warcs = tmp_path / "all.db", tmp_path / "allw"
    reports = merge_shards(out, warcs, [a.shard, b.shard])
    assert [(r.articles_added, r.articles_known) for r in reports] == [(3, 0), (1, 1)]

    lines = timeline(out)
    assert len(lines["https://example.org/article/harbour"]) == 1  # archived once
    beijing_versions = lines["https://example.org/article/beijing"]
    assert [(v, current, when) for v, current, _, when in beijing_versions] == [(1, 0, T2), (2, 1, T3)]
    with Archive(out) as merged:
        conn = merged.conn
        assert conn.execute("SELECT count(*) FROM articles WHERE is_current = 1").fetchone() == (3,)
        # Children follow their version, with the destination's ids.
        for article_id, count in conn.execute("SELECT id, paragraph_count FROM articles"):
            assert len(merged.get_article(article_id)["paragraphs"]) == count
        assert conn.execute("SELECT count(*) FROM pairs").fetchone() == (2,)  # shenzhen's two pairs
        assert conn.execute("SELECT count(*) FROM captures").fetchone() == (5,)
        crawls = conn.execute("SELECT origin, source, stored FROM crawls ORDER BY id").fetchall()
        assert [c[1:] for c in crawls] == [("shared", 3), ("shared", 3)]
        assert len({c[0] for c in crawls}) == 2
        # Every article row's crawl is the crawl it came with.
        assert conn.execute("SELECT count(*) FROM articles WHERE crawl_id NOT IN (SELECT id FROM crawls)"
                            ).fetchone() == (0,)
        # Search knows the current versions only: the edit's extra sentence is there.
        hits = merged.search("举办")
        assert [h["canonical_url"] for h in hits] == ["https://example.org/article/beijing"]
        assert merged.search("深圳")[0]["canonical_url"] == "https://example.org/article/shenzhen"
    assert sorted(p.name for p in warcs.glob("*.warc.gz")) == sorted(
        p.name for p in [*a.warcs.glob("*.warc.gz"), *b.warcs.glob("*.warc.gz")])
    assert (warcs / "index.cdxj").is_file()
    report = verify(out, warcs)
    assert report.ok, report.problems
    assert report.checked == 5 + 4


def test_merging_again_adds_nothing_and_order_does_not_matter(tmp_path: Path, shards) -> None:
    a, b = shards
    ab, ba = tmp_path / "ab.db", tmp_path / "ba.db"
    merge_shards(ab, tmp_path / "abw", [a.shard, b.shard])
    before = dump(ab)
    again = merge_shards(ab, tmp_path / "abw", [b.shard, a.shard])
    assert [(r.articles_added, r.captures_added, r.crawls_added) for r in again] == [(0, 0, 0), (0, 0, 0)]
    assert dump(ab) == before
    merge_shards(ba, tmp_path / "baw", [b.shard, a.shard])
    assert {url: [(v, c, h) for v, c, h, _ in vs] for url, vs in timeline(ab).items()} == \
           {url: [(v, c, h) for v, c, h, _ in vs] for url, vs in timeline(ba).items()}
    assert verify(ba, tmp_path / "baw").ok


def test_a_shard_that_grew_since_adds_only_the_new_rows(tmp_path: Path, shards) -> None:
    a, b = shards
    out, warcs = tmp_path / "all.db", tmp_path / "allw"
    merge_shards(out, warcs, [a.shard], link=False)  # copies: the later records must follow
    a.fetch(edited(harbour(), "港口新闻。"), T4)        # the worker goes on writing into the same file
    report, = merge_shards(out, warcs, [a.shard], link=False)
    assert (report.articles_added, report.captures_added, report.crawls_added) == (1, 1, 0)
    assert [c for _, c, _, _ in timeline(out)["https://example.org/article/harbour"]] == [0, 1]
    assert verify(out, warcs).ok
    conn = sqlite3.connect(out)
    record_ids = {r for (r,) in conn.execute("SELECT warc_record_id FROM captures")}
    conn.close()
    assert record_ids <= set(CdxjIndex.load(warcs).by_record_id)  # the grown file is indexed again


def test_an_interrupted_merge_leaves_the_destination_as_it_was(tmp_path: Path, shards, monkeypatch) -> None:
    a, b = shards
    out, warcs = tmp_path / "all.db", tmp_path / "allw"
    merge_shards(out, warcs, [a.shard])
    before = dump(out)

    merge_table = merge_module._ShardMerger.merge_table

    def cut_after_paragraphs(self, table):
        merge_table(self, table)  # crawls, captures, articles and paragraph spans are written by now
        if table == "paragraph_spans":
            raise RuntimeError("power cut")

    monkeypatch.setattr(merge_module._ShardMerger, "merge_table", cut_after_paragraphs)
    with pytest.raises(RuntimeError):
        merge_shards(out, warcs, [b.shard])
    assert dump(out) == before
    monkeypatch.undo()
    report, = merge_shards(out, warcs, [b.shard])  # and the next run does the whole shard
    assert report.articles_added == 1
    assert verify(out, warcs).ok


def test_tables_added_later_merge_with_their_ids_mapped(tmp_path: Path, shards) -> None:
    """A table merge.py was not written for (here a copies-like table) follows its foreign keys."""
    a, b = shards
    ddl = ("CREATE TABLE IF NOT EXISTS links (id INTEGER PRIMARY KEY, "
           "article_id INTEGER NOT NULL REFERENCES articles(id), "
           "original_id INTEGER REFERENCES articles(id), method TEXT)")
    a.archive.db.execute(ddl)
    ids = dict(a.archive.conn.execute("SELECT canonical_url, id FROM articles"))
    a.archive.conn.execute("INSERT INTO links (article_id, original_id, method) VALUES (?, ?, 'text')",
                           (ids["https://example.org/article/harbour"], ids["https://example.org/article/shenzhen"]))
    a.archive.conn.commit()
    out = tmp_path / "all.db"
    with Archive(out) as dest:  # the destination already holds articles: shard ids do not carry over
        dest.db.execute(ddl)
        dest.store_article(edited(shenzhen(), "本地版本。"), crawled_at=T1)
        dest.store_article(edited(harbour(), "本地版本。"), crawled_at=T1)
    merge_shards(out, tmp_path / "allw", [a.shard, b.shard])
    merge_shards(out, tmp_path / "allw", [a.shard])
    conn = sqlite3.connect(out)
    rows = conn.execute("SELECT x.canonical_url, x.crawled_at, y.canonical_url, y.content_hash, method "
                        "FROM links JOIN articles x ON x.id = links.article_id "
                        "JOIN articles y ON y.id = links.original_id").fetchall()
    conn.close()
    assert rows == [("https://example.org/article/harbour", T1, "https://example.org/article/shenzhen",
                     a.archive.conn.execute("SELECT content_hash FROM articles WHERE id = ?",
                                            (ids["https://example.org/article/shenzhen"],)).fetchone()[0],
                     "text")]


def test_cli_merge_and_its_refusals(tmp_path: Path, shards) -> None:
    a, b = shards
    out, warcs = tmp_path / "all.db", tmp_path / "allw"
    done = run_harvest("merge", str(a.db), f"{b.db}={b.warcs}", "--db", str(out), "--warc-dir", str(warcs))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("merged ") == 2
    assert "articles 3 added" in done.stdout
    checked = run_harvest("verify", "--db", str(out), "--warc-dir", str(warcs))
    assert checked.returncode == 0, checked.stdout
    before = dump(out)

    missing = run_harvest("merge", str(tmp_path / "nope.db"), "--db", str(out), "--warc-dir", str(warcs))
    assert missing.returncode != 0 and "nope.db: no such shard" in missing.stderr
    itself = run_harvest("merge", str(out), "--db", str(out), "--warc-dir", str(warcs))
    assert itself.returncode != 0 and "destination itself" in itself.stderr
    (tmp_path / "junk.db").write_bytes(b"not a database at all")
    junk = run_harvest("merge", str(tmp_path / "junk.db"), "--db", str(out), "--warc-dir", str(warcs))
    assert junk.returncode != 0 and "not an SQLite archive" in junk.stderr
    lost = next(a.warcs.glob("*.warc.gz"))
    lost.rename(lost.with_suffix(".moved"))
    gone = run_harvest("merge", str(a.db), "--db", str(out), "--warc-dir", str(warcs))
    assert gone.returncode != 0 and f"WARC file {lost.name} not found" in gone.stderr
    for result in (missing, itself, junk, gone):
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert dump(out) == before
