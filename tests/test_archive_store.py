"""Archive storage: versions, atomicity, refusals, captures and crawls."""
from __future__ import annotations

import sqlite3

import pytest

import archive.store as store_module
from archive import Archive, content_hash
from archive.store import CHANGED, NEW, UNCHANGED

from .archive_samples import beijing, edited, harbour, shenzhen

POINTER = {"warc_file": "crawl-00000.warc.gz", "warc_offset": 1234, "warc_record_id": "<urn:uuid:1>"}


def count(archive: Archive, table: str, where: str = "1") -> int:
    return archive.conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]


def test_same_article_twice_is_unchanged_and_one_row():
    archive = Archive.memory()
    assert archive.store_article(shenzhen(), pointer=POINTER, crawl_id=None,
                                 crawled_at="2023-06-14T00:00:00+00:00") == NEW
    # A later crawl of identical content: crawl time and pointer must not matter.
    assert archive.store_article(shenzhen(), pointer={**POINTER, "warc_offset": 9},
                                 crawl_id=None, crawled_at="2023-06-15T00:00:00+00:00") == UNCHANGED
    assert count(archive, "articles") == 1
    assert count(archive, "paragraphs") == 5
    assert count(archive, "pairs") == 2
    row = archive.get_article(1)
    assert row["crawled_at"] == "2023-06-14T00:00:00+00:00"
    assert row["warc_offset"] == 1234


def test_changed_article_adds_a_version_and_keeps_the_old_one():
    archive = Archive.memory()
    assert archive.store_article(shenzhen()) == NEW
    assert archive.store_article(edited(shenzhen())) == CHANGED
    versions = archive.conn.execute(
        "SELECT id, version, is_current FROM articles ORDER BY version").fetchall()
    assert versions == [(1, 1, 0), (2, 2, 1)]
    assert len(archive.get_article(1)["paragraphs"]) == 5  # old version intact
    assert len(archive.get_article(2)["paragraphs"]) == 6
    assert archive.current_id(shenzhen()["canonical_url"]) == 2
    # Going back to the first content is a change too: a third version.
    assert archive.store_article(shenzhen()) == CHANGED
    assert count(archive, "articles") == 3
    assert count(archive, "articles", "is_current = 1") == 1


def test_content_hash_ignores_crawl_metadata_but_not_text():
    a = shenzhen()
    b = {**shenzhen(), "url": "https://example.org/other", "images": [], "removed": []}
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash(edited(a))
    assert len(content_hash(a)) == 64


def test_failure_mid_store_leaves_no_rows(monkeypatch):
    archive = Archive.memory()

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    # index_article runs last, after the article, paragraphs and pairs are inserted.
    monkeypatch.setattr(store_module.search, "index_article", explode)
    with pytest.raises(RuntimeError):
        archive.store_article(shenzhen())
    for table in ("articles", "paragraphs", "pairs", "articles_fts"):
        assert count(archive, table) == 0, table
    assert not archive.conn.in_transaction


def test_failure_storing_a_new_version_keeps_the_old_one_current(monkeypatch):
    archive = Archive.memory()
    archive.store_article(shenzhen())
    bad = edited(shenzhen())
    bad["pairs"].append({"en": "only english"})  # no "zh": fails while inserting pairs
    with pytest.raises(KeyError):
        archive.store_article(bad)
    assert archive.conn.execute("SELECT id, is_current FROM articles").fetchall() == [(1, 1)]
    assert count(archive, "paragraphs") == 5
    assert [h["id"] for h in archive.search("深圳")] == [1]


@pytest.mark.parametrize("status", ["deleted", "blocked", "not_article"])
def test_refuses_pages_that_are_not_articles(status):
    archive = Archive.memory()
    with pytest.raises(ValueError, match=status):
        archive.store_article({**shenzhen(), "status": status})
    assert count(archive, "articles") == 0


def test_get_article_decodes_json_and_orders_children():
    archive = Archive.memory()
    archive.store_article(shenzhen(), pointer=POINTER)
    article = archive.get_article(1)
    assert article["editors"] == {"编辑": "王五", "审读": "赵六"}
    assert article["removed"] == ["点击蓝字关注我们", "编辑：王五"]
    assert article["removed_count"] == 2 and article["pair_count"] == 2
    assert article["images"][0]["src"].endswith("a.jpg")
    assert [p["seq"] for p in article["paragraphs"]] == [0, 1, 2, 3, 4]
    assert article["pairs"][0]["zh"] == "深圳周二宣布设立新的创新基金。"
    assert article["warc_record_id"] == "<urn:uuid:1>"
    with pytest.raises(KeyError):
        archive.get_article(99)


def test_has_article_and_hashes_by_url():
    archive = Archive.memory()
    archive.store_article(shenzhen())
    archive.store_article(edited(shenzhen()))
    url = shenzhen()["canonical_url"]
    assert archive.has_article(url)
    assert not archive.has_article("https://example.org/nope")
    assert archive.content_hash_by_url() == {url: content_hash(edited(shenzhen()))}


def test_iter_pairs_streams_current_versions_with_filters():
    archive = Archive.memory()
    archive.store_article(shenzhen())
    archive.store_article(edited(shenzhen()))
    archive.store_article(beijing())
    archive.store_article(harbour())
    pairs = archive.iter_pairs()
    assert not isinstance(pairs, list)  # a generator, not a materialised list
    rows = list(pairs)
    assert [(r["article_id"], r["seq"]) for r in rows] == [(2, 0), (2, 1)]
    assert rows[0]["url"] == shenzhen()["canonical_url"]
    assert list(archive.iter_pairs(source="bj-news")) == []
    assert len(list(archive.iter_pairs(since="2023-06-13"))) == 2
    assert len(list(archive.iter_pairs(until="2023-06-13"))) == 2  # inclusive at day precision
    assert list(archive.iter_pairs(until="2023-06-12")) == []
    assert list(archive.iter_pairs(since="2023-06-14")) == []


def test_captures_upsert_by_record_id():
    archive = Archive.memory()
    capture = {"warc_record_id": "<urn:uuid:1>", "url": "https://example.org/a", "status": 200,
               "warc_file": "a.warc.gz", "warc_offset": 0, "warc_length": 100,
               "payload_digest": "sha1:AAAA", "fetched_at": "2023-06-14T00:00:00Z",
               "content_type": "text/html"}
    archive.record_capture(capture)
    archive.record_capture({**capture, "outcome": "article", "record_type": "response"})
    rows = archive.conn.execute(
        "SELECT warc_record_id, outcome, record_type, warc_length FROM captures").fetchall()
    assert rows == [("<urn:uuid:1>", "article", "response", 100)]
    with pytest.raises(ValueError):
        archive.record_capture({**capture, "bogus": 1})
    with pytest.raises(ValueError):
        archive.record_capture({"warc_record_id": "<urn:uuid:2>"})


def test_crawl_lifecycle_counts_and_extra():
    archive = Archive.memory()
    crawl_id = archive.start_crawl("sz-daily")
    archive.store_article(shenzhen(), crawl_id=crawl_id)
    archive.finish_crawl(crawl_id, {"fetched": 3, "stored": 1, "blocked": 1, "retries": 2},
                         error=None)
    row = archive.conn.execute(
        "SELECT source, fetched, stored, blocked, deleted, extra, ended_at IS NOT NULL FROM crawls"
    ).fetchone()
    assert row == ("sz-daily", 3, 1, 1, 0, '{"retries": 2}', 1)
    with pytest.raises(KeyError):
        archive.finish_crawl(999, {})


def test_crawl_stored_defaults_to_new_plus_changed():
    archive = Archive.memory()
    crawl_id = archive.start_crawl(None)
    archive.finish_crawl(crawl_id, {"new": 2, "changed": 1, "unchanged": 4, "error": 1}, error="boom")
    row = archive.conn.execute("SELECT new, changed, stored, unchanged, error, extra FROM crawls").fetchone()
    assert row == (2, 1, 3, 4, "boom", '{"error": 1}')


def test_foreign_keys_are_enforced():
    archive = Archive.memory()
    with pytest.raises(sqlite3.IntegrityError):
        archive.store_article(shenzhen(), crawl_id=42)  # no such crawl
    assert count(archive, "articles") == 0


def test_file_archive_uses_wal_and_reopens(tmp_path):
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        archive.store_article(shenzhen())
    with Archive(path) as archive:
        assert archive.db.journal_mode == "wal"
        assert archive.store_article(shenzhen()) == UNCHANGED


def test_record_capture_accepts_a_warcstore_pointer():
    """The crawler hands over `Pointer.as_dict()` plus crawl_id: every field must fit."""
    from archive.warcstore import Pointer

    archive = Archive.memory()
    crawl_id = archive.start_crawl("sz-daily")
    pointer = Pointer(warc_file="harvest-00000.warc.gz", warc_offset=0, warc_length=512,
                      warc_record_id="<urn:uuid:2>", record_type="response",
                      payload_digest="sha1:BBBB", url="https://example.org/a", status=200,
                      fetched_at="2023-06-14T00:00:00Z", content_type="text/html")
    archive.record_capture(dict(pointer.as_dict(), crawl_id=crawl_id))
    assert count(archive, "captures", "record_type = 'response'") == 1
