"""Copies: articles found to republish another, by link, canonical or text (archive/copies.py)."""
from __future__ import annotations

import copy
import random

import pytest
from sqlite_utils import Database

from archive import Archive, copies
from archive.migrations import migrate

from .archive_samples import _article

WECHAT = "https://mp.weixin.qq.com/s?__biz=MzA3NjQ5MTU2MQ==&mid=2650012345&idx=1&sn=4f1c9a0be2d7a3c5"
PORTAL = "https://www.dutenews-portal.example/n/article/7703215"
OTHER = "https://www.lhnews-portal.example/content/2024-06/19/content_31205517.htm"

ZH = ["龙华区行政服务大厅周二开设视频服务窗口，听障居民可在此办理两百多项政务服务。",
      "居民在屏幕前比划，楼上工作室的翻译员实时将诉求转述给柜台工作人员。",
      "过去半年，区里已培训十六名窗口人员，简单问题无需等候翻译即可解答。",
      "该窗口工作日上午九时至下午五时开放，市民可通过区政务小程序预约。",
      "年底前，这项服务将推广至全区六个街道便民服务中心。"]
EN = ["Deaf residents can now handle more than 200 services through a video desk that opened on Tuesday.",
      "A resident signs in front of a screen and an interpreter upstairs relays the request in real time.",
      "Sixteen clerks have been trained over the past six months, so simple questions need no interpreter.",
      "The desk opens on weekdays from 9 am to 5 pm, and visits can be booked through a mini program.",
      "The service will reach the district's six subdistrict halls by the end of the year."]
UNRELATED = ["深圳湾公园新增三处观潮平台，自本周起每晚开放至二十三时，市民可近距离观看涨潮。",
             "三处平台分别位于红树林海滨生态公园、深圳湾公园和欢乐港湾，可同时容纳约八百人。",
             "公园管理处提醒，观潮时请勿翻越护栏，雨天平台将临时关闭，开放信息以公告为准。"]


def story(url: str, title: str, zh: list[str], en: list[str] | None = None, **fields) -> dict:
    paragraphs = [("zh", z) for z in zh] + [("en", e) for e in en or []]
    return _article(url, title, paragraphs, [], language="bilingual" if en else "zh", **fields)


def rows(archive: Archive) -> list[tuple]:
    return archive.conn.execute(
        "SELECT article_id, original_id, method FROM copies ORDER BY article_id, original_id").fetchall()


@pytest.fixture
def archive() -> Archive:
    return Archive.memory()


def test_text_copy_found_and_the_earlier_one_is_the_original(archive):
    archive.store_article(story(WECHAT, "龙华政务大厅开设视频服务窗口", ZH, EN,
                                published="2024-06-18T17:30:00+08:00", source="鹏城双语"))   # 1
    archive.store_article(story(OTHER, "听障居民办事不用再带翻译", UNRELATED,
                                published="2024-06-01T08:00:00+08:00"))                      # 2
    # Only the Chinese half, lightly edited: a dateline added, one paragraph dropped.
    edited = ["本报讯（记者 陈晓彤）" + ZH[0]] + ZH[1:3] + ZH[4:]
    archive.store_article(story(PORTAL, "听障居民办事不用再带翻译", edited,
                                published="2024-06-19T08:40:00+08:00"))                      # 3
    assert rows(archive) == [(3, 1, "text")]
    (similarity,) = archive.conn.execute("SELECT similarity FROM copies").fetchone()
    assert copies.THRESHOLD <= similarity < 1


def test_the_copy_stored_first_still_points_at_the_original(archive):
    archive.store_article(story(PORTAL, "转载", ZH, published="2024-06-19T08:40:00+08:00"))     # 1
    archive.store_article(story(WECHAT, "原文", ZH, EN, published="2024-06-18T17:30:00+08:00"))  # 2
    assert rows(archive) == [(1, 2, "text")]


def test_without_dates_the_wechat_article_is_the_original(archive):
    archive.store_article(story(PORTAL, "转载", ZH, published=None))    # 1
    archive.store_article(story(WECHAT, "原文", ZH, published=None))    # 2
    assert rows(archive) == [(1, 2, "text")]


def test_different_stories_are_not_copies(archive):
    archive.store_article(story(WECHAT, "原文", ZH, EN))
    archive.store_article(story(PORTAL, "观潮", UNRELATED))
    # Sharing a paragraph with each is not being either story.
    archive.store_article(story(OTHER, "另一篇", [ZH[0], UNRELATED[0]]))
    assert rows(archive) == []


def test_a_labelled_link_makes_a_copy_even_when_the_texts_differ(archive):
    # An English rewrite of a Chinese story that says where it comes from.
    archive.store_article(story(WECHAT, "原文", ZH, published="2024-06-18T17:30:00+08:00"))      # 1
    archive.store_article(story(PORTAL, "Video desk for deaf residents", [], EN,
                                origin=[{"kind": "source_link", "url": WECHAT}]))               # 2
    assert rows(archive) == [(2, 1, "link")]


def test_a_link_to_an_original_archived_later_is_found_then(archive):
    archive.store_article(story(PORTAL, "转载", UNRELATED, published="2024-06-01T08:00:00+08:00",
                                origin=[{"kind": "source_link", "url": WECHAT}]))               # 1
    assert rows(archive) == []
    archive.store_article(story(WECHAT, "原文", ZH, published="2024-06-18T17:30:00+08:00"))      # 2
    # The link says who copied whom, whatever the dates say.
    assert rows(archive) == [(1, 2, "link")]


def test_a_foreign_canonical_is_method_canonical(archive):
    archive.store_article(story(WECHAT, "原文", ZH))
    archive.store_article(story(PORTAL, "转载", ZH, origin=[{"kind": "canonical", "url": WECHAT}]))
    assert rows(archive) == [(2, 1, "canonical")]  # not also "text": one row per pair


def test_a_credited_account_with_the_same_title(archive):
    archive.store_article(story(WECHAT, "一场遇见未来之旅:创新城市国际交流营在深圳举行", UNRELATED,
                                source="深圳日报(英文)"))                                        # 1
    credit = [{"kind": "account", "name": "深圳日报"}]
    archive.store_article(story(PORTAL, "一场遇见未来之旅：创新城市国际交流营在深圳举行", ZH,
                                source="深圳日报(英文)", origin=credit))                          # 2
    archive.store_article(story(OTHER, "另一个标题", ZH[:2] + UNRELATED[:1], origin=credit))       # 3
    assert rows(archive) == [(2, 1, "link")]


def test_a_wechat_posts_msg_source_url_needs_the_same_story(archive):
    # 阅读原文 on a WeChat post points at related reading as often as at its source.
    archive.store_article(story(PORTAL, "观潮", UNRELATED))                                        # 1
    archive.store_article(story(OTHER, "视频窗口", [UNRELATED[0]]))                                 # 2
    post = "https://mp.weixin.qq.com/s?__biz=MzkwNTM4MjE3Ng==&mid=2247497215&idx=1&sn=e122ee30"
    archive.store_article(story(post + "a1", "另一个题目", ZH,
                                origin=[{"kind": "source_link", "url": PORTAL}]))              # 3: unrelated
    archive.store_article(story(post + "b2", "视频窗口", [], EN,
                                origin=[{"kind": "source_link", "url": OTHER}]))               # 4: same title
    assert rows(archive) == [(4, 2, "link")]


def test_versions_are_never_copies_of_each_other_and_a_new_version_is_compared_again(archive):
    archive.store_article(story(WECHAT, "原文", ZH, published="2024-06-18T17:30:00+08:00"))      # 1
    copy_v1 = story(PORTAL, "转载", ZH, published="2024-06-19T08:40:00+08:00")
    archive.store_article(copy_v1)                                                              # 2
    copy_v2 = copy.deepcopy(copy_v1)
    copy_v2["paragraphs"] = copy_v2["paragraphs"][:-1]
    copy_v2["text_zh"] = "\n".join(ZH[:-1])
    archive.store_article(copy_v2)                                                              # 3
    assert rows(archive) == [(2, 1, "text"), (3, 1, "text")]
    # The superseded version left the buckets: only current versions are candidates.
    in_lsh = {r[0] for r in archive.conn.execute("SELECT DISTINCT article_id FROM copy_lsh")}
    assert in_lsh == {1, 3}
    related = copies.copies_of(archive.conn, [1])
    assert [(c["id"], c["method"]) for c in related["copies"]] == [(3, "text")]  # current version, once
    assert copies.copies_of(archive.conn, [2, 3])["originals"][0]["id"] == 1


def test_upgrading_an_archive_finds_the_copies_already_stored(tmp_path):
    db = Database(tmp_path / "old.db")
    migrate(db, stop_before="0006_copies")  # an archive from before copies were detected
    for url, published in ((WECHAT, "2024-06-18T17:30:00+08:00"), (PORTAL, "2024-06-19T08:40:00+08:00")):
        db["articles"].insert({"canonical_url": url, "url": url, "title": "t", "published": published,
                               "text_zh": "\n".join(ZH), "content_hash": url})
    assert "copies" not in db.table_names()
    with Archive(db) as archive:  # opening it runs the 0006 step, which looks at what is there
        assert rows(archive) == [(2, 1, "text")]


def test_an_archive_with_buckets_of_the_old_hashing_moves_over(tmp_path):
    db = Database(tmp_path / "old.db")
    migrate(db, stop_before="0008_copy_buckets_rehashed")
    with Archive(db) as archive:
        archive.store_article(story(WECHAT, "原文", ZH, published="2024-06-18T17:30:00+08:00"))      # 1
        archive.store_article(story(OTHER, "另一个", UNRELATED))                                    # 2
        archive.conn.execute("UPDATE copy_lsh SET bucket = bucket / 2")  # buckets no new key meets
        archive.conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0008_copy_buckets_rehashed'")
        archive.conn.commit()
    with Archive(tmp_path / "old.db") as archive:  # opening it recomputes the buckets
        new = {lang: copies.buckets(copies.signature(copies.shingle_hashes("\n".join(ZH), lang)), lang)
               for lang in copies.LANGS}
        assert {r[0] for r in archive.conn.execute("SELECT bucket FROM copy_lsh WHERE article_id = 1")} \
            == set(new["zh"])
        archive.store_article(story(PORTAL, "转载", ZH, published="2024-06-19T08:40:00+08:00"))   # 3: found
        assert rows(archive) == [(3, 1, "text")]
        archive.store_article(story(WECHAT, "原文", ZH[:-1], published="2024-06-18T17:30:00+08:00"))  # 4
        assert {r[0] for r in archive.conn.execute("SELECT DISTINCT article_id FROM copy_lsh")} == {2, 3, 4}


def test_hashing_shingles_from_text_and_from_strings_agree():
    text = "Ｆｕｌｌ－ｗｉｄｔｈ，全角标点　与 İstanbul café e\u0301 𠀀𠀁 ①²" + "".join(ZH) + " ".join(EN)
    for lang in copies.LANGS:
        assert list(copies.shingle_hashes(text, lang)) == list(copies.gram_hashes(copies.shingles(text, lang)))
        assert copies.signature(copies.shingle_hashes(text, lang)) == copies.signature(copies.shingles(text, lang))


def test_rebuild_finds_copies_from_the_stored_rows(archive):
    archive.store_article(story(WECHAT, "原文", ZH, published="2024-06-18T17:30:00+08:00"))
    archive.store_article(story(PORTAL, "转载", ZH, published="2024-06-19T08:40:00+08:00"))
    archive.conn.execute("DELETE FROM copies")
    archive.conn.execute("DELETE FROM copy_lsh")
    assert copies.rebuild(archive.conn) == 1
    assert rows(archive) == [(2, 1, "text")]


def test_signatures_estimate_jaccard():
    rng = random.Random(7)
    base = {f"g{i}" for i in range(600)}
    assert copies.signature(base) == copies.signature(set(base))
    for keep in (0.9, 0.6, 0.3):
        other = {g for g in base if rng.random() < keep} | {f"h{i}" for i in range(100)}
        a, b = copies.signature(base), copies.signature(other)
        estimate = sum(x == y for x, y in zip(a, b)) / len(a)
        assert abs(estimate - copies.jaccard(base, other)) < 0.15
    assert copies.signature(set()) == []
    short = copies.signature({"a", "b", "c"})  # most bins empty: filled from their neighbours
    assert len(short) == copies.PERMUTATIONS and copies.signature({"a", "b", "c"}) == short


def test_account_and_title_keys():
    assert copies.account_key("深圳日报(英文)微信公众号") == copies.account_key("深圳日报") == "深圳日报"
    assert copies.account_key("“鹏城双语”公众号") == "鹏城双语"
    assert copies.title_key("一场遇见未来之旅：创新城市") == copies.title_key("一场遇见未来之旅:创新城市")


def test_merging_shards_finds_copies_across_them(tmp_path):
    """Each worker of a shared crawl stored one side; the merged archive knows they are one story."""
    from archive.merge import Shard, merge_shards

    shards = []
    for name, article in (("a", story(WECHAT, "原文", ZH, published="2024-06-18T17:30:00+08:00")),
                          ("b", story(PORTAL, "转载", ZH, published="2024-06-19T08:40:00+08:00",
                                      origin=[{"kind": "source_link", "url": WECHAT}]))):
        (tmp_path / name).mkdir()
        with Archive(tmp_path / name / "archive.db") as shard:
            shard.store_article(article)
        shards.append(Shard(tmp_path / name / "archive.db", tmp_path / name / "warcs"))
    merge_shards(tmp_path / "merged.db", tmp_path / "warcs", shards)
    with Archive(tmp_path / "merged.db") as merged:
        assert merged.conn.execute(
            "SELECT a.canonical_url, o.canonical_url, c.method FROM copies c JOIN articles a ON a.id = c.article_id "
            "JOIN articles o ON o.id = c.original_id").fetchall() == [(PORTAL, WECHAT, "link")]
        merge_shards(tmp_path / "merged.db", tmp_path / "warcs", shards)  # idempotent
    with Archive(tmp_path / "merged.db") as merged:
        assert merged.conn.execute("SELECT count(*) FROM copies").fetchone()[0] == 1


def test_cached_hashes_of_a_rolled_back_insert_do_not_serve_the_article_that_takes_its_id(archive):
    archive.store_article(story(WECHAT, "龙华政务大厅开设视频服务窗口", ZH, EN, source="鹏城双语"))  # 1
    with pytest.raises(RuntimeError):
        with archive.transaction():
            archive.store_article(story(OTHER, "观潮平台", UNRELATED))  # 2, then rolled back
            raise RuntimeError("roll back")
    # Id 2 again, now a copy of article 1: compared with its own text, not the rolled-back one's.
    archive.store_article(story(PORTAL, "听障居民办事不用再带翻译", ZH))
    assert archive.conn.execute("SELECT max(id) FROM articles").fetchone() == (2,)
    assert rows(archive) == [(2, 1, "text")]


def test_the_hash_cache_keeps_to_its_budget_and_checks_the_content_hash():
    cache = copies.HashCache(budget=1000)
    hashes = cache.entry(1, "a")
    hashes["zh"] = copies.shingle_hashes("".join(ZH), "zh")
    cache.grew(1, hashes["zh"].nbytes)
    assert cache.entry(1, "a") is hashes and cache.hits == 1
    assert cache.entry(1, "b") == {}  # another version under this id: nothing kept for it
    for article_id in range(2, 5):
        cache.entry(article_id, "a")["zh"] = hashes["zh"]
        cache.grew(article_id, hashes["zh"].nbytes)
    assert len(cache) == 1 and cache.bytes == hashes["zh"].nbytes  # the newest one only: over budget
