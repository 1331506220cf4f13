"""archive.prepare: what storing an article writes, worked out before the transaction."""
from __future__ import annotations

import pickle

import pytest

from archive import Archive
from archive.prepare import PreparedArticle, prepare
from archive.store import CHANGED, NEW, UNCHANGED

from .archive_samples import beijing, edited, harbour, shenzhen
from .test_archive_copies import EN, OTHER, PORTAL, WECHAT, ZH, story

TABLES = ("articles", "paragraph_spans", "pair_refs", "copies", "copy_lsh", "copy_claims")


def dump(archive: Archive) -> dict[str, list[tuple]]:
    out = {table: archive.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall() for table in TABLES}
    out["copies"] = [row[:4] for row in out["copies"]]  # not detected_at
    out["fts"] = [archive.conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid",
                                       (query,)).fetchall() for query in ('"深圳"', "innovation", '"龙华"', '"居民"')]
    return out


def articles() -> list[dict]:
    return [shenzhen(), beijing(), harbour(), edited(shenzhen()), shenzhen(),
            story(WECHAT, "龙华政务大厅开设视频服务窗口", ZH, EN, source="鹏城双语"),
            story(PORTAL, "听障居民办事不用再带翻译", ZH[:4], origin=[{"kind": "source_link", "url": WECHAT}]),
            story(OTHER, "听障居民办事不用再带翻译", ZH[1:])]


def test_storing_prepared_articles_writes_what_storing_the_dicts_writes():
    raw, ready = Archive.memory(), Archive.memory()
    at = "2024-01-01T00:00:00+00:00"
    outcomes = [raw.store_article(article, crawled_at=at) for article in articles()]
    assert outcomes[:5] == [NEW, NEW, NEW, CHANGED, CHANGED]
    prepared = [pickle.loads(pickle.dumps(prepare(article))) for article in articles()]  # as from a worker
    assert [ready.store_article(p, crawled_at=at) for p in prepared] == outcomes
    assert dump(ready) == dump(raw)
    assert [row[2] for row in dump(raw)["copies"]] == ["link", "text", "text"]
    assert ready.store_article(prepare(shenzhen())) == UNCHANGED


def test_prepare_refuses_what_the_store_refuses():
    with pytest.raises(ValueError):
        prepare({**shenzhen(), "status": "deleted"})
    with pytest.raises(ValueError):
        prepare({**shenzhen(), "url": None, "canonical_url": None})


def test_a_prepared_article_leaves_out_what_only_the_store_knows():
    p = prepare(shenzhen())
    assert isinstance(p, PreparedArticle)
    assert not {"version", "crawled_at", "crawl_id", "warc_file", "warc_offset", "warc_record_id"} & set(p.row)
