"""The text is stored once: paragraphs and pairs point into articles.text_en/text_zh,
read back exactly as given; older archives move over."""
from __future__ import annotations

import json

from sqlite_utils import Database

from archive import Archive, content_hash
from archive.migrations import applied, migrate, pending
from archive.search import search
from archive.spans import pair_rows, paragraph_rows
from bench.textgen import article as generated

from .archive_samples import beijing, edited, harbour, shenzhen


def awkward() -> dict:
    """Mixed and other-language paragraphs, a 2:1 bead, repeated and empty paragraphs."""
    article = shenzhen()
    article.update(canonical_url="https://example.org/article/awkward", title="Awkward page",
                   title_en=None, title_zh=None)
    article["paragraphs"] = [
        {"text": "Shenzhen 5G网络 covers the bay.", "lang": "mixed", "role": "body"},
        {"text": "Repeated line.", "lang": "en", "role": "heading"},
        {"text": "重复的一行。", "lang": "zh", "role": "heading"},
        {"text": "Repeated line.", "lang": "en", "role": "body"},
        {"text": "", "lang": "en", "role": "body"},
        {"text": "第二段。", "lang": "zh", "role": "body"},
        {"text": "第三段，含换行\n在中间。", "lang": "zh", "role": "caption"},
        {"text": "— 2024 —", "lang": "other", "role": "body"},
    ]
    article["text_en"] = "Repeated line.\nRepeated line.\n"
    article["text_zh"] = "重复的一行。\n第二段。\n第三段，含换行\n在中间。"
    article["pairs"] = [{"en": "Repeated line.", "zh": "重复的一行。"},
                        {"en": "Repeated line. ", "zh": "第二段。第三段，含换行\n在中间。"},
                        {"en": "Repeated line.", "zh": "第二段。"}]
    return article


def stored(archive: Archive, article_id: int) -> tuple[list, list]:
    got = archive.get_article(article_id)
    return ([(p["text"], p["lang"], p["role"]) for p in got["paragraphs"]],
            [(p["en"], p["zh"]) for p in got["pairs"]])


def test_paragraphs_and_pairs_read_back_exactly():
    archive = Archive.memory()
    for n, article in enumerate([shenzhen(), beijing(), harbour(), awkward(), generated(3)], start=1):
        archive.store_article(article)
        paragraphs, pairs = stored(archive, n)
        assert paragraphs == [(p["text"], p["lang"], p["role"]) for p in article["paragraphs"]], n
        assert pairs == [(p["en"], p["zh"]) for p in article["pairs"]], n


def test_only_what_cannot_be_pointed_at_is_stored_as_text():
    archive = Archive.memory()
    archive.store_article(generated(1))
    spans = archive.conn.execute("SELECT count(*), count(text) FROM paragraph_spans").fetchone()
    assert spans == (50, 0)
    refs = archive.conn.execute("SELECT count(*), count(en), count(zh) FROM pair_refs").fetchone()
    assert refs == (24, 1, 0)  # the one 2:1 bead keeps its joined English side

    archive.store_article(awkward())
    literal = [r[0] for r in archive.conn.execute(
        "SELECT text FROM paragraph_spans WHERE text IS NOT NULL ORDER BY article_id, seq")]
    assert literal == ["Shenzhen 5G网络 covers the bay.", "— 2024 —"]


def test_a_paragraph_missing_from_the_joined_text_keeps_its_own():
    rows = paragraph_rows(7, [{"text": "kept", "lang": "en"}, {"text": "here", "lang": "en"}],
                          {"en": "here", "zh": ""})
    assert rows == [(7, 0, "en", "body", None, None, "kept"), (7, 1, "en", "body", 0, 4, None)]
    assert pair_rows(7, [{"en": "here", "zh": "不在"}], [{"text": "here", "lang": "en"}]) == [
        (7, 0, 0, None, None, "不在")]


def test_search_finds_mixed_and_other_paragraphs_and_only_current_versions():
    archive = Archive.memory()
    archive.store_article(awkward())
    assert [h["id"] for h in search(archive, "covers")] == [1]
    assert [h["id"] for h in search(archive, "网络")] == [1]
    archive.store_article(shenzhen())
    archive.store_article(edited(shenzhen(), extra_zh="另有消息称大赛将在前海举行。"))
    assert [h["id"] for h in search(archive, "前海")] == [3]
    assert [h["id"] for h in search(archive, "深圳")] == [3]  # version 2 left the index whole
    assert archive.conn.execute("SELECT count(*) FROM articles_fts").fetchone() == (2,)
    assert "[innovation]" in search(archive, "innovations")[0]["snippet"]


def test_an_archive_with_three_copies_moves_over(tmp_path):
    path = tmp_path / "archive.db"
    db = Database(path)
    db.enable_wal()
    migrate(db, stop_before="0007_text_stored_once")
    articles = [shenzhen(), beijing(), awkward(), generated(2)]
    for n, article in enumerate(articles, start=1):  # as the store wrote them before 0007
        db["articles"].insert({
            "id": n, "canonical_url": article["canonical_url"], "url": article["url"],
            "title": article["title"], "title_zh": article["title_zh"], "text_en": article["text_en"],
            "text_zh": article["text_zh"], "editors": json.dumps(article["editors"]),
            "paragraph_count": len(article["paragraphs"]), "pair_count": len(article["pairs"]),
            "content_hash": content_hash(article)})
        db["paragraphs"].insert_all({"article_id": n, "seq": seq, "lang": p["lang"], "role": p["role"],
                                     "text": p["text"]} for seq, p in enumerate(article["paragraphs"]))
        db["pairs"].insert_all({"article_id": n, "seq": seq, "en": p["en"], "zh": p["zh"]}
                               for seq, p in enumerate(article["pairs"]))
    db.execute("INSERT INTO articles_fts (rowid, title, text_en) SELECT id, title, text_en FROM articles")
    db.conn.commit()
    db.close()
    size_before = path.stat().st_size

    with Archive(path) as archive:  # opening upgrades
        assert "0007_text_stored_once" in applied(archive.db) and not pending(archive.db)
        assert {"paragraphs", "pairs"} <= set(archive.db.view_names())
        for n, article in enumerate(articles, start=1):
            assert stored(archive, n) == ([(p["text"], p["lang"], p["role"]) for p in article["paragraphs"]],
                                          [(p["en"], p["zh"]) for p in article["pairs"]]), n
        assert [h["id"] for h in search(archive, "设立新的创新基金")] == [1]
        assert [h["id"] for h in search(archive, "covers")] == [3]
        assert archive.store_article(shenzhen()) == "unchanged"
    assert path.stat().st_size < size_before  # the dropped copies gave their pages back
