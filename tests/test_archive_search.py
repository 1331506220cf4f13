"""Full-text search: English stemming, Chinese of any length, current versions only."""
from __future__ import annotations

import pytest
from datasette.utils import escape_fts

from archive import Archive
from archive.search import (datasette_escape_fts, match_expression, search, search_page, zh_bigrams,
                            zh_unigrams)

from .archive_samples import beijing, edited, harbour, shenzhen


@pytest.fixture
def archive() -> Archive:
    archive = Archive.memory()
    for article in (shenzhen(), beijing(), harbour()):  # ids 1, 2, 3
        archive.store_article(article)
    return archive


def ids(hits: list[dict]) -> list[int]:
    return [h["id"] for h in hits]


def test_chinese_text_becomes_unigrams_and_bigrams():
    assert zh_unigrams("深圳创新5G网络。") == "深 圳 创 新 5G 网 络 。"
    assert zh_bigrams("深圳创新，5G网络") == "深圳 圳创 创新 网络"
    assert match_expression("深圳创新") == 'text_zh_bigrams : "深圳 圳创 创新"'
    assert match_expression("深") == 'text_zh_chars : "深"'
    assert match_expression('innovation "new fund"') == '"innovation" AND "new fund"'


def test_english_stemming(archive):
    hits = search(archive, "innovations")
    assert ids(hits) == [1]  # the text only says "innovation"
    assert "[innovation]" in hits[0]["snippet"]
    assert ids(search(archive, "harbour traffic")) == [3]
    assert ids(search(archive, "funds support")) == [1]


@pytest.mark.parametrize("query", ["深圳", "创新"])
def test_two_character_chinese_query(archive, query):
    hits = search(archive, query)
    # beijing() has each character, but never the two side by side.
    assert ids(hits) == [1]
    assert f"[{query}]" in hits[0]["snippet"]


def test_longer_single_and_mixed_chinese_queries(archive):
    assert ids(search(archive, "设立新的创新基金")) == [1]
    assert ids(search(archive, "深入推进")) == [2]
    assert ids(search(archive, "创造新")) == [2]
    assert sorted(ids(search(archive, "圳"))) == [1, 2]
    assert ids(search(archive, "深圳 fund")) == [1]
    assert ids(search(archive, "深圳 harbour")) == []
    assert ids(search(archive, "北京深圳")) == []


def test_title_in_chinese_is_searchable(archive):
    assert ids(search(archive, "押注")) == [1]  # only in title_zh


def test_only_current_versions_are_searchable(archive):
    archive.store_article(edited(shenzhen(), extra_zh="另有消息称大赛将在前海举行。"))
    assert ids(search(archive, "深圳")) == [4]
    assert ids(search(archive, "前海")) == [4]
    count = archive.conn.execute("SELECT count(*) FROM articles_fts").fetchone()[0]
    assert count == 3


def test_hostile_queries_do_not_raise(archive):
    for query in ['"', "AND", "OR NOT", "NEAR(", "*", "a:b", "(", "深圳\"", "'"]:
        search(archive, query)
    assert search(archive, "   ") == []


def test_datasette_unmodified_escape_finds_one_and_two_characters(archive):
    """Even without our plugin, Datasette's own escaping finds 2-char Chinese."""
    def datasette_search(query, escaper):
        return [r[0] for r in archive.conn.execute(
            "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid",
            (escaper(query),))]
    assert datasette_search("深圳", escape_fts) == [1]
    assert datasette_search("圳", escape_fts) == [1, 2]
    assert datasette_search("设立新的创新基金", escape_fts) == []  # why the plugin exists
    assert datasette_search("设立新的创新基金", datasette_escape_fts) == [1]
    assert datasette_search("innovations", datasette_escape_fts) == [1]
    assert datasette_escape_fts('innovation "new fund"') == escape_fts('innovation "new fund"')


def test_reindex_rebuilds_the_same_index(archive):
    before = search(archive, "深圳")
    archive.conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')")  # it holds no text
    assert search(archive, "深圳") == []
    assert archive.reindex() == 3
    assert search(archive, "深圳") == before


def test_headlines_holding_every_term_come_first(archive):
    # A body that says "harbour" three times, under a headline that does not.
    archive.store_article({**harbour(), "canonical_url": "https://example.org/article/ports",
                           "url": "https://example.org/article/ports", "title": "Ports busy in spring",
                           "paragraphs": [{"text": "The harbour, the harbour and the harbour again.",
                                           "lang": "en", "role": "body"}],
                           "text_en": "The harbour, the harbour and the harbour again."})
    hits = search(archive, "harbour")
    assert [h["title"] for h in hits] == ["Harbour traffic rises", "Ports busy in spring"]
    assert [h["title_match"] for h in hits] == [True, False]


def test_snippets_in_both_languages_use_the_aligned_pair(archive):
    (hit,) = search_page(archive, "基金", facets=False, mark=("<", ">")).hits
    assert hit["snippet_zh"] == "深圳周二宣布设立新的创新<基金>。 该<基金>将支持年轻企业。 记者 张三 报道"
    # No English word matched: the English side is the matched paragraph's translation.
    assert hit["snippet_en"] == "Shenzhen announced a new innovation fund on Tuesday."
    (hit,) = search_page(archive, "young", facets=False, mark=("<", ">")).hits
    assert "<young>" in hit["snippet_en"]
    assert hit["snippet_zh"] == "该基金将支持年轻企业。"
    assert hit["snippet"] == hit["snippet_en"]


def test_search_page_filters_facets_and_pages(archive):
    page = search_page(archive, "圳")
    assert page.total == 2
    assert {f["value"]: f["count"] for f in page.facets["source"]} == {"sz-daily": 1, "bj-news": 1}
    assert {f["value"] for f in page.facets["language"]} == {"bilingual", "zh"}
    assert [f["value"] for f in page.facets["year"]] == ["2023"]
    filtered = search_page(archive, "圳", filters={"source": "bj-news"})
    assert filtered.total == 1 and [h["id"] for h in filtered.hits] == [2]
    assert search_page(archive, "圳", filters={"year": "2022"}).total == 0
    first, second = (search_page(archive, "圳", limit=1, offset=k) for k in (0, 1))
    assert first.total == second.total == 2
    assert {first.hits[0]["id"], second.hits[0]["id"]} == {1, 2}
    with pytest.raises(ValueError):
        search_page(archive, "圳", filters={"status": "article"})
