"""`index` sources without a `follow` pattern page through rel=next, 下一页 and 下页 links."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from harvester.spiders.index import next_page_links
from tests.conftest import run_harvest
from tests.news_server import NewsSite

LISTING = """<html><head><link rel="next" href="/list/2.html"><link rel="stylesheet" href="/site.css"></head>
<body><ul><li><a href="/story/1.html">下一页的风景：港口夜航</a></li>
<li><a href="/story/2.html">Next steps for the ferry pier</a></li></ul>
<div class="pages"><a href="/list/0.html">上一页</a><a href="/list/1.html">1</a>
<a href="/list/3.html">下一页 &gt;</a><a href="/list/4.html" title="下页">›</a>
<a href="/list/5.html">[下页]</a><a rel="nofollow next" href="/list/6.html">more</a>
<a href="/list/7.html">Next »</a><a href="/ads/next.html">Next</a></div></body></html>"""


def test_next_page_links_are_found_by_rel_and_by_what_they_read() -> None:
    response = HtmlResponse("http://news.test/list/1.html", body=LISTING.encode("utf-8"), encoding="utf-8")
    found = {link.url for link in next_page_links(deny=["/ads/"]).extract_links(response)}
    assert found == {f"http://news.test/list/{n}.html" for n in (2, 3, 4, 5, 6, 7)}


PAGES = ((7, 8), (9, 10), (11, 12), (13, 14))  # four listing pages, two articles each


@pytest.mark.parametrize("pager", ["rel-next", "下一页", "下页"])
def test_an_index_source_without_follow_pages_through_the_section(tmp_path: Path, pager: str) -> None:
    with NewsSite(index=PAGES, pager=pager) as site:
        sources = site.sources_toml()
        assert "follow" not in sources
        (tmp_path / "sources.toml").write_text(sources)
        result = run_harvest("crawl", "harbour-index", "--sources", str(tmp_path / "sources.toml"),
                             "--db", str(tmp_path / "archive.db"), "--warc-dir", str(tmp_path / "warcs"),
                             "--quiet")
        assert result.returncode == 0, result.stdout + result.stderr
        listings = site.fetches("/news/")
        articles = site.fetches("/article/")
    assert listings == {"/news/index.html": 1, "/news/index_2.html": 1, "/news/index_3.html": 1,
                        "/news/index_4.html": 1}
    assert articles == {f"/article/{n}.html": 1 for page in PAGES for n in page}
    with sqlite3.connect(tmp_path / "archive.db") as conn:
        assert conn.execute("select count(*) from articles").fetchone() == (8,)
