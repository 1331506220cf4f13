"""The archive as Datasette opens it: search box, reader view, raw snapshot, metadata."""
from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from datasette.app import Datasette
from datasette.plugins import pm
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import archive.datasette_plugin as plugin
from archive import Archive
from archive.serve import build_metadata

from .archive_samples import beijing, edited, harbour, shenzhen

PAYLOAD = "<html><head><title>深圳</title></head><body><p>深圳周二宣布设立新的创新基金。</p></body></html>"


@pytest.fixture(autouse=True)
def registered_plugin():
    """The entry point normally loads the plugin; make sure even without an install."""
    if not pm.is_registered(plugin):
        pm.register(plugin, name="harvester_article_view")
    yield


def write_warc(path: Path) -> dict:
    """A tiny WARC: a warcinfo record, then the article's response; its pointer."""
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        offset = stream.tell()
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                protocol="HTTP/1.1")
        record = writer.create_warc_record(
            shenzhen()["url"], "response", payload=__import__("io").BytesIO(PAYLOAD.encode()),
            http_headers=http)
        writer.write_record(record)
    return {"warc_file": path.name, "warc_offset": offset,
            "warc_record_id": record.rec_headers.get_header("WARC-Record-ID")}


@pytest.fixture
def served(tmp_path):
    """archive.db with three articles (+ a second shenzhen version) and its WARC."""
    warcs = tmp_path / "warcs"
    warcs.mkdir()
    pointer = write_warc(warcs / "crawl-00000.warc.gz")
    db_path = tmp_path / "archive.db"
    with Archive(db_path) as archive:
        archive.store_article(shenzhen(), pointer=pointer)          # id 1
        archive.store_article(beijing())                            # id 2
        archive.store_article(harbour())                            # id 3
        archive.store_article(edited(shenzhen()), pointer=pointer)  # id 4, current
    ds = Datasette([str(db_path)], metadata=build_metadata(db_path, warcs))
    return ds


def get(ds: Datasette, path: str):
    return asyncio.run(ds.client.get(path))


def search_ids(ds: Datasette, query: str, extra: str = "") -> list[int]:
    response = get(ds, f"/archive/articles.json?_search={query}&_shape=array&_col=id{extra}")
    assert response.status_code == 200, response.text
    return sorted(row["id"] for row in response.json())


def test_datasette_search_box_two_chinese_characters(served):
    assert search_ids(served, "深圳") == [4]   # not 1 (superseded), not 2 (深 and 圳 apart)
    assert search_ids(served, "创新") == [4]


def test_datasette_search_box_longer_chinese_and_english(served):
    assert search_ids(served, "设立新的创新基金") == [4]
    assert search_ids(served, "深入推进") == [2]
    assert search_ids(served, "innovations") == [4]
    assert search_ids(served, "harbour") == [3]
    assert search_ids(served, "深圳 fund") == [4]
    assert search_ids(served, "深圳", "&_searchmode=raw") == [4]


def test_search_box_shown_on_table_page(served):
    response = get(served, "/archive/articles?_search=深圳")
    assert response.status_code == 200
    assert 'name="_search"' in response.text
    # Titles link to the reader view.
    assert "/-/article/4?database=archive" in response.text


def test_article_view_side_by_side(served):
    response = get(served, "/-/article/4")
    assert response.status_code == 200
    html = response.text
    assert "Shenzhen bets on innovation" in html and "深圳押注创新" in html
    # Each pair is one table row: English cell then Chinese cell.
    assert ('<td lang="en">Shenzhen announced a new innovation fund on Tuesday.</td>'
            '<td lang="zh">深圳周二宣布设立新的创新基金。</td>') in html
    assert "记者 张三 报道" in html and "深圳还将举办创新大赛。" in html  # unpaired
    assert "王五" in html and "Li Si" in html and "2023-06-13T18:59:00+08:00" in html
    assert "/-/snapshot/4?database=archive" in html and "raw snapshot" in html
    assert "v1" in html and "(current)" in html
    # Version 2 shows what changed since version 1: the added paragraph in <ins>.
    assert '<h2>Changes since <a href="/-/article/1?database=archive">version 1</a></h2>' in html
    assert '<ins lang="zh">深圳还将举办创新大赛。</ins>' in html
    assert "1 paragraph added, 0 removed." in html and "<del" not in html.split('class="diff"')[1].split("</section>")[0]
    assert '<section id="versions">' in html and "first stored" in html and "+1 &minus;0" in html
    first = get(served, "/-/article/1").text
    assert "Changes since" not in first and "(superseded)" in first
    assert get(served, "/-/article/999").status_code == 404
    assert get(served, "/-/article/2?database=nope").status_code == 404


def test_snapshot_serves_the_warc_payload(served):
    response = get(served, "/-/snapshot/4")
    assert response.status_code == 200
    assert response.content == PAYLOAD.encode()
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"] == "sandbox"
    assert get(served, "/-/snapshot/2").status_code == 404  # no pointer


def test_snapshot_refuses_a_pointer_to_the_wrong_record(tmp_path):
    warcs = tmp_path / "warcs"
    warcs.mkdir()
    pointer = write_warc(warcs / "w.warc.gz")
    db_path = tmp_path / "archive.db"
    with Archive(db_path) as archive:
        archive.store_article(shenzhen(), pointer={**pointer, "warc_offset": 0})  # the warcinfo
        archive.store_article(beijing(), pointer={**pointer, "warc_file": "/etc/passwd"})
        archive.store_article(harbour(), pointer={**pointer, "warc_file": "missing.warc.gz"})
    ds = Datasette([str(db_path)], metadata=build_metadata(db_path, warcs))
    assert get(ds, "/-/snapshot/1").status_code == 404  # a warcinfo record, not the response
    assert get(ds, "/-/snapshot/2").status_code == 404  # not a WARC at all
    assert get(ds, "/-/snapshot/3").status_code == 404  # no such file


def test_snapshot_follows_a_replayed_pointer_as_given(tmp_path):
    """harvest replay stores the WARC path it was given, outside the WARC directory."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    pointer = write_warc(elsewhere / "old.warc.gz")
    db_path = tmp_path / "archive.db"
    with Archive(db_path) as archive:
        archive.store_article(shenzhen(), pointer={**pointer, "warc_file": str(elsewhere / "old.warc.gz")})
    ds = Datasette([str(db_path)], metadata=build_metadata(db_path, tmp_path / "warcs"))
    assert get(ds, "/-/snapshot/1").content == PAYLOAD.encode()


def test_canned_queries_run(served):
    for name, params in [("search_english", "q=innovations"), ("search_chinese", "q=创新基金"),
                         ("article_pairs", "article_id=4"), ("articles_per_source_per_day", ""),
                         ("newest_articles", ""), ("most_boilerplate_removed", ""),
                         ("article_versions", ""), ("changed_articles", "")]:
        response = get(served, f"/archive/{name}.json?_shape=array&{params}")
        assert response.status_code == 200, (name, response.text)
        rows = response.json()
        assert rows, name
    changed = get(served, "/archive/changed_articles.json?_shape=array").json()
    assert [(r["id"], r["version"], r["previous_id"], r["paragraphs_delta"]) for r in changed] == [(4, 2, 1, 1)]
    # Titles in the archive's canned queries link to the reader view.
    assert '<a href="/-/article/4?database=archive">Shenzhen bets on innovation</a>' in get(
        served, "/archive/changed_articles").text
    chinese = get(served, "/archive/search_chinese.json?_shape=array&q=深圳").json()
    assert [r["id"] for r in chinese] == [4] and "深圳" in chinese[0]["excerpt"]


def test_metadata_facets_and_fts_config():
    metadata = json.loads((Path(plugin.__file__).parent / "datasette_metadata.json").read_text())
    articles = metadata["databases"]["archive"]["tables"]["articles"]
    assert articles["fts_table"] == "articles_fts" and articles["fts_pk"] == "id"
    assert articles["facets"] == ["source", "language"] and articles["facet_size"] == 5


def test_metadata_follows_the_database_name(tmp_path):
    metadata = build_metadata(tmp_path / "news.db", tmp_path / "w")
    assert "news" in metadata["databases"] and "archive" not in metadata["databases"]
    assert metadata["plugins"]["harvester-article-view"]["warc_dir"] == str((tmp_path / "w").resolve())


def test_two_characters_work_even_without_the_plugin(served):
    """A bare `datasette archive.db` (plugin not installed) still finds 深圳."""
    pm.unregister(plugin)
    try:
        ds = Datasette([str(served.databases["archive"].path)],
                       metadata={"databases": {"archive": {"tables": {"articles": {
                           "fts_table": "articles_fts", "fts_pk": "id"}}}}})
        assert search_ids(ds, "深圳") == [4]
        assert search_ids(ds, "圳") == [2, 4]
        assert search_ids(ds, "设立新的创新基金") == []  # 3+ characters need the plugin
    finally:
        pm.register(plugin, name="harvester_article_view")


def test_article_view_links_only_http_urls(tmp_path):
    db_path = tmp_path / "archive.db"
    with Archive(db_path) as archive:
        archive.store_article({**harbour(), "url": "javascript:alert(1)"})
    ds = Datasette([str(db_path)], metadata=build_metadata(db_path, tmp_path))
    html = get(ds, "/-/article/1").text
    assert 'href="javascript:' not in html and "javascript:alert(1)" in html


def test_search_page_ranks_marks_and_shows_both_titles(served):
    response = get(served, "/-/search?q=基金")
    assert response.status_code == 200
    html = response.text
    assert "1 article matches <strong>基金</strong>" in html
    assert '<a href="/-/article/4?database=archive">Shenzhen bets on innovation</a>' in html
    assert '<p class="title-zh" lang="zh">深圳押注创新</p>' in html
    assert "设立新的创新<mark>基金</mark>" in html
    # The English snippet is the translation of the Chinese hit's paragraph.
    assert "Shenzhen announced a new innovation fund on Tuesday." in html
    assert "sz-daily &middot; 2023-06-13 &middot; bilingual" in html


def test_search_page_escapes_page_text(tmp_path):
    db_path = tmp_path / "archive.db"
    with Archive(db_path) as archive:
        archive.store_article({**harbour(), "title": "<b>Harbour</b> traffic rises",
                               "text_en": "Container <script>alert(1)</script> harbour traffic."})
    ds = Datasette([str(db_path)], metadata=build_metadata(db_path, tmp_path))
    html = get(ds, "/-/search?q=harbour").text
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;<mark>Harbour</mark>" not in html  # titles are not snippets
    assert "&lt;b&gt;Harbour&lt;/b&gt; traffic rises" in html


def test_search_page_facets_and_pages(served):
    html = get(served, "/-/search?q=圳").text
    assert "2 articles match" in html
    assert '<ul data-facet="source">' in html
    assert 'href="/-/search?q=%E5%9C%B3&amp;source=bj-news"' in html
    filtered = get(served, "/-/search?q=圳&source=bj-news").text
    assert "1 article matches" in filtered and "北京深入推进城市更新" in filtered
    assert "Shenzhen bets on innovation" not in filtered
    assert 'href="/-/search?q=%E5%9C%B3"' in filtered  # removes the filter
    plugin_page_size = plugin.PAGE_SIZE
    plugin.PAGE_SIZE = 1
    try:
        first = get(served, "/-/search.json?q=圳").json()
        second = get(served, first["next_url"]).json()
    finally:
        plugin.PAGE_SIZE = plugin_page_size
    assert first["total"] == second["total"] == 2 and first["pages"] == 2
    assert second["page"] == 2 and second["next_url"] is None and second["previous_url"]
    assert {first["hits"][0]["id"], second["hits"][0]["id"]} == {2, 4}


def test_search_json_for_programs(served):
    data = get(served, "/-/search.json?q=创新").json()
    assert data["q"] == "创新" and data["total"] == 1 and data["database"] == "archive"
    (hit,) = data["hits"]
    assert hit["id"] == 4 and hit["article_url"] == "/-/article/4?database=archive"
    assert "<mark>创新</mark>" in hit["snippet_zh"] and hit["title_zh"] == "深圳押注创新"
    assert {f["value"] for f in data["facets"]["language"]} == {"bilingual"}
    assert get(served, "/-/search.json?q=").json()["hits"] == []
    assert get(served, "/-/search.json?q=x&database=nope").status_code == 404


def test_home_page_links_to_the_search_page(served):
    html = get(served, "/").text
    assert 'action="/-/search"' in html and 'name="q"' in html
    assert get(served, "/-/search").status_code == 200


def test_articles_table_page_puts_rows_first(served):
    html = get(served, "/archive/articles?_search=深圳").text
    # Column descriptions folded away; a link to the ranked search.
    assert '<details class="harvester-columns"><summary>Column descriptions' in html
    assert 'href="/-/search?q=%E6%B7%B1%E5%9C%B3&amp;database=archive"' in html
    # Title, source and published are the first three columns.
    header = html[html.index("<thead>"):html.index("</thead>")]
    order = [header.index(f'data-column="{c}"') for c in ("title", "source", "published", "id", "url")]
    assert order == sorted(order)
    # Other tables keep Datasette's own layout.
    pairs = get(served, "/archive/pairs").text
    pairs_header = pairs[pairs.index("<thead>"):pairs.index("</thead>")]
    assert pairs_header.index('data-column="article_id"') < pairs_header.index('data-column="en"')


def test_article_view_shows_copies_both_ways(tmp_path):
    from .test_archive_copies import PORTAL, WECHAT, ZH, story

    db_path = tmp_path / "archive.db"
    with Archive(db_path) as archive:
        archive.store_article(story(WECHAT, "原文标题", ZH, source="鹏城双语",
                                    published="2024-06-18T17:30:00+08:00"))                      # 1
        archive.store_article(story(PORTAL, "转载标题", ZH, source="深圳新闻网",
                                    published="2024-06-19T08:40:00+08:00",
                                    origin=[{"kind": "source_link", "url": WECHAT}]))             # 2
    ds = Datasette([str(db_path)], metadata=build_metadata(db_path, tmp_path))
    copy_page = get(ds, "/-/article/2").text
    assert '<h2>Also published as</h2>' in copy_page
    assert ('<li class="relation original" data-article-id="1"><strong>Original:</strong> '
            '<a href="/-/article/1?database=archive">原文标题</a>') in copy_page
    assert "found by link, text 100% alike" in copy_page
    original_page = get(ds, "/-/article/1").text
    assert ('<li class="relation copy" data-article-id="2"><strong>Republished:</strong> '
            '<a href="/-/article/2?database=archive">转载标题</a>') in original_page
    per_source = get(ds, "/archive/copies_per_source.json?_shape=array").json()
    assert per_source == [
        {"publisher": "www.dutenews-portal.example", "copies": 1, "originals": 0, "copies_by_link": 1,
         "copies_by_canonical": 0, "copies_by_text": 0},
        {"publisher": "鹏城双语", "copies": 0, "originals": 1, "copies_by_link": 0,
         "copies_by_canonical": 0, "copies_by_text": 0}]
    assert get(ds, "/archive/copies.json?_shape=array").json()[0]["method"] == "link"


def test_home_page_of_a_database_without_articles_has_no_search_box(tmp_path):
    db_path = tmp_path / "other.db"
    sqlite3.connect(db_path).execute("CREATE TABLE t (x)").connection.close()
    html = get(Datasette([str(db_path)]), "/").text
    assert "harvester-home-search" not in html


def test_the_plugins_search_pages_like_datasettes_own_through_the_order_index(tmp_path):
    """harvest serve's ?_search= (the plugin's clause) gives Datasette's own rows, counts and
    next-page links, ties on `published` included, while SQLite walks the order index."""
    db_path = tmp_path / "archive.db"
    with Archive(db_path) as archive:
        for n in range(30):
            article = shenzhen() if n % 3 else harbour()
            article["canonical_url"] = article["url"] = f"https://example.org/{n}"
            article["published"] = None if n % 7 == 0 else f"2024-06-{10 + n % 4}T09:00:00+08:00"
            archive.store_article(article)
    own = json.loads((Path(plugin.__file__).parent / "datasette_metadata.json").read_text())
    ours = Datasette([str(db_path)], metadata=build_metadata(db_path, tmp_path))
    theirs = Datasette([str(db_path)], metadata=own)
    for query in ("深圳", "harbour", "深", "深圳&_size=4", "深圳&_size=4&_next=2024-06-12T09~3A00~3A00~2B08~3A00,8",
                  "深圳&_sort=published", "x&_search_text_en=harbour"):
        path = f"/archive/articles.json?_search={query}"
        if "_search_text_en" in query:
            path = f"/archive/articles.json?{query.split('&', 1)[1]}"
        a, b = get(ours, path).json(), get(theirs, path).json()
        assert a["rows"] and a["rows"] == b["rows"], query
        assert (a["filtered_table_rows_count"], a["next"]) == (b["filtered_table_rows_count"], b["next"]), query
    with sqlite3.connect(db_path) as conn:
        plan = " ".join(r[3] for r in conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM articles WHERE published is published AND +id IN "
            "(SELECT rowid FROM articles_fts WHERE articles_fts MATCH '\"the\"') ORDER BY published DESC LIMIT 5"))
    assert "idx_articles_search_order" in plan and "TEMP B-TREE" not in plan
