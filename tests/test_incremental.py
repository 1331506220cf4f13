"""Incremental harvesting: canonical URLs, archived articles skipped, conditional refresh,
backoff on 429 / verification pages, and an interrupted crawl resumed from its JOBDIR.

End-to-end tests run the real `harvest` command in a subprocess (Twisted's reactor cannot
restart) against tests/news_server.py on 127.0.0.1 and read the server's request log.
"""
from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from archive.store import Archive
from archive.warcstore import Exchange, WarcStore
from harvester.extract.pipeline import extract_html
from harvester.incremental import HarvestSkip, IncrementalMiddleware, read_validators
from harvester.politeness import PolitenessMiddleware, is_blocked_page, retry_after_seconds
from harvester.spiders.base import ARTICLE_META
from harvester.urls import CanonicalRequestFingerprinter, canonicalize_url
from tests.conftest import run_harvest
from tests.news_server import BLOCKED_PAGE, NewsSite, article_html

WECHAT = ("https://mp.weixin.qq.com/s?__biz=MzA3NjQ5MTU2MQ==&mid=2650013977&idx=1"
          "&sn=7a5c3e1f9d7b5a3c&chksm=bb4c97acbcc14bd5&scene=21&sessionid=1700000000#wechat_redirect")


# -- canonical URLs -------------------------------------------------------------------------

@pytest.mark.parametrize("url, canonical", [
    (WECHAT, "https://mp.weixin.qq.com/s?__biz=MzA3NjQ5MTU2MQ==&mid=2650013977&idx=1&sn=7a5c3e1f9d7b5a3c"),
    ("http://mp.weixin.qq.com/s?sn=7a5c3e1f9d7b5a3c&idx=1&mid=2650013977&__biz=MzA3NjQ5MTU2MQ==&utm_source=x",
     "https://mp.weixin.qq.com/s?__biz=MzA3NjQ5MTU2MQ==&mid=2650013977&idx=1&sn=7a5c3e1f9d7b5a3c"),
    ("https://mp.weixin.qq.com/s/AbCdEf123?scene=1#rd", "https://mp.weixin.qq.com/s/AbCdEf123"),
    ("https://News.Example.ORG:443/a/1.html?utm_source=rss&utm_medium=feed&id=3#top",
     "https://news.example.org/a/1.html?id=3"),
    ("http://example.org:80/a?b=2&a=1&fbclid=xyz", "http://example.org/a?a=1&b=2"),
    ("http://127.0.0.1:8080/article/1.html?utm_campaign=atom#comments", "http://127.0.0.1:8080/article/1.html"),
    ("http://example.org/list?from=home&page=2", "http://example.org/list?from=home&page=2"),
])
def test_canonical_urls(url: str, canonical: str) -> None:
    assert canonicalize_url(url) == canonical
    assert canonicalize_url(canonical) == canonical  # idempotent


def test_fingerprints_treat_tracking_variants_as_one_request() -> None:
    fingerprinter = CanonicalRequestFingerprinter()
    base = Request("http://example.org/a/1.html")
    assert fingerprinter.fingerprint(Request("http://example.org/a/1.html?utm_source=rss#x")) == \
        fingerprinter.fingerprint(base)
    assert fingerprinter.fingerprint(Request("http://example.org/a/2.html")) != fingerprinter.fingerprint(base)


# -- the middleware, through a real crawler ------------------------------------------------

URL = "http://news.example.org/article/1.html"


@pytest.fixture
def archived(tmp_path: Path) -> tuple[Path, Path]:
    """An archive holding article 1, fetched with an ETag recorded in its WARC."""
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    body = article_html(1, "Original text 1.").encode()
    with WarcStore(warcs, prefix="t") as store:
        pointer = store.write_exchange(Exchange(
            url=URL + "?utm_source=rss", method="GET", request_headers=[("User-Agent", "t")], status=200,
            reason="OK", protocol="HTTP/1.1",
            response_headers=[("Content-Type", "text/html"), ("ETag", '"v1"'),
                              ("Last-Modified", "Tue, 14 Nov 2023 22:13:20 GMT")],
            body=body, fetched_at=datetime(2024, 3, 5, tzinfo=timezone.utc)))
    article = extract_html(body, URL).to_dict()
    with Archive(db) as archive:
        crawl_id = archive.start_crawl("test")
        archive.record_capture({k: v for k, v in pointer.as_dict().items() if k != "record_type"} | {"crawl_id": crawl_id})
        archive.store_article(article, pointer=pointer.as_dict(), crawl_id=crawl_id)
    return db, warcs


def middleware(db: Path, warcs: Path, **settings) -> IncrementalMiddleware:
    crawler = get_crawler(settings_dict={"ARCHIVE_DB": str(db), "WARC_DIR": str(warcs), **settings})
    mw = IncrementalMiddleware.from_crawler(crawler)
    mw.spider_opened(None)
    return mw


def article_request(url: str) -> Request:
    return Request(url, meta={ARTICLE_META: True})


def test_archived_articles_are_skipped_before_fetching(archived) -> None:
    mw = middleware(*archived)
    with pytest.raises(HarvestSkip):
        mw.process_request(article_request(URL + "?utm_medium=feed#top"))
    assert mw.process_request(article_request("http://news.example.org/article/2.html")) is None
    assert mw.process_request(Request(URL)) is None  # listings and feeds are always fetched
    assert mw.crawler.stats.get_value("harvest/skipped/archived") == 1


def test_refresh_sends_validators_and_counts_304_as_unchanged(archived) -> None:
    mw = middleware(*archived, HARVEST_REFRESH=True)
    request = article_request(URL)
    assert mw.process_request(request) is None
    assert request.headers[b"If-None-Match"] == b'"v1"'
    assert request.headers[b"If-Modified-Since"] == b"Tue, 14 Nov 2023 22:13:20 GMT"
    with pytest.raises(HarvestSkip):
        mw.process_response(request, Response(URL, status=304, request=request))
    assert mw.crawler.stats.get_value("harvest/outcome/unchanged") == 1
    fresh = Response(URL, status=200, request=request)
    assert mw.process_response(request, fresh) is fresh


def test_validators_are_read_back_from_the_warc(archived) -> None:
    db, warcs = archived
    [(warc_file, offset)] = sqlite3.connect(db).execute("SELECT warc_file, warc_offset FROM captures")
    assert read_validators(warcs / warc_file, offset) == {
        "ETag": '"v1"', "Last-Modified": "Tue, 14 Nov 2023 22:13:20 GMT"}


def test_max_pages_caps_article_fetches(tmp_path: Path) -> None:
    mw = middleware(tmp_path / "none.db", tmp_path)
    mw.crawler.spider = type("S", (), {"max_pages": "2"})()
    for n in (1, 2):
        assert mw.process_request(article_request(f"http://x.org/{n}")) is None
    with pytest.raises(HarvestSkip):
        mw.process_request(article_request("http://x.org/3"))
    assert mw.crawler.stats.get_value("harvest/skipped/limit") == 1


def test_no_archive_no_middleware() -> None:
    from scrapy.exceptions import NotConfigured

    with pytest.raises(NotConfigured):
        IncrementalMiddleware.from_crawler(get_crawler(settings_dict={"ARCHIVE_DB": ""}))


# -- politeness -------------------------------------------------------------------------------

def test_429_and_blocked_pages_are_retried_later_then_passed_on() -> None:
    crawler = get_crawler(settings_dict={"HARVEST_BACKOFF_RETRIES": 2})
    mw = PolitenessMiddleware.from_crawler(crawler)
    request = article_request("https://mp.weixin.qq.com/s?__biz=a&mid=1&idx=1&sn=b")
    too_many = Response(request.url, status=429, headers={"Retry-After": "3"}, request=request)
    retry = mw.process_response(request, too_many)
    assert isinstance(retry, Request) and retry.meta["harvest_backoff"] == 1 and retry.dont_filter
    assert retry.priority < request.priority
    blocked = HtmlResponse(request.url, body=BLOCKED_PAGE.encode(), encoding="utf-8", request=retry)
    again = mw.process_response(retry, blocked)
    assert isinstance(again, Request) and again.meta["harvest_backoff"] == 2
    assert mw.process_response(again, blocked) is blocked  # given up: the extractor says "blocked"
    assert again.meta["dont_retry"]
    stats = crawler.stats
    assert (stats.get_value("harvest/backoff/429"), stats.get_value("harvest/backoff/blocked"),
            stats.get_value("harvest/backoff/gave_up/blocked")) == (1, 2, 1)


def test_blocked_page_detection() -> None:
    def html(body: str, url: str = "https://mp.weixin.qq.com/s?x=1") -> HtmlResponse:
        return HtmlResponse(url, body=body.encode(), encoding="utf-8")

    assert is_blocked_page(html(BLOCKED_PAGE))
    assert not is_blocked_page(html(article_html(1, "A story that mentions 验证 once.")))
    assert is_blocked_page(html("<html></html>", "https://mp.weixin.qq.com/mp/verifycode?cert=1"))
    assert retry_after_seconds(b"120") == 120.0 and retry_after_seconds(None) is None


def test_every_blocked_marker_of_the_rules_slows_the_crawler_too() -> None:
    """One list of blocked markers (boilerplate_rules.toml): what extraction calls blocked, politeness backs off from."""
    from harvester.extract.rules import load_rules

    markers = load_rules().status.blocked_markers
    assert {"访问受限", "请稍后再试", "请在微信客户端打开链接"} <= set(markers)
    for marker in markers:
        page = f"<html><head><title>提示</title></head><body><div><p>{marker}</p></div></body></html>"
        assert extract_html(page.encode(), "https://news.example.org/a/1.html").status == "blocked", marker
        for charset in ("utf-8", "gbk"):
            response = HtmlResponse("https://news.example.org/a/1.html", body=page.encode(charset),
                                    headers={"Content-Type": f"text/html; charset={charset}"})
            assert is_blocked_page(response), (marker, charset)


# -- end to end, through the real CLI ------------------------------------------------------------

def crawl(site_dir: Path, *names: str, refresh: bool = False, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    args = ["crawl", *names, "--sources", str(site_dir / "sources.toml"), "--db", str(site_dir / "archive.db"),
            "--warc-dir", str(site_dir / "warcs"), "--quiet", *extra]
    return run_harvest(*args, *(["--refresh"] if refresh else []))


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_refresh_fetches_conditionally_and_stores_only_the_changed_article(tmp_path: Path) -> None:
    with NewsSite() as site:
        (tmp_path / "sources.toml").write_text(site.sources_toml())
        first = crawl(tmp_path, "harbour-feed")
        assert first.returncode == 0, first.stderr
        # RSS and Atom list articles 1-3 with different tracking parameters: fetched once each.
        assert site.fetches() == {f"/article/{n}.html": 1 for n in (1, 2, 3)}
        assert "new 3" in first.stdout

        site.clear_log()
        again = crawl(tmp_path, "harbour-feed")
        assert site.fetches() == {} and "skipped 3" in again.stdout
        assert site.fetches("/feed.xml") == {"/feed.xml": 1}  # feeds are read every run

        site.texts[2] = "Corrected text 2."
        site.clear_log()
        refreshed = crawl(tmp_path, "harbour-feed", refresh=True)
        assert refreshed.returncode == 0, refreshed.stderr
        assert site.fetches(status=304) == {"/article/1.html": 1, "/article/3.html": 1}
        assert site.fetches(status=200) == {"/article/2.html": 1}
        assert "changed 1" in refreshed.stdout and "unchanged 2" in refreshed.stdout
    versions = rows(tmp_path / "archive.db", "SELECT canonical_url, version, is_current FROM articles ORDER BY id")
    assert len(versions) == 4
    assert versions[-1][1:] == (2, 1) and versions[-1][0].endswith("/article/2.html")


def test_backoff_then_success_and_blocked_pages_never_stored(tmp_path: Path) -> None:
    with NewsSite() as site:
        (tmp_path / "sources.toml").write_text(site.sources_toml())
        site.answer_429["/article/4.html"] = 2
        site.answer_blocked["/article/5.html"] = 1
        site.answer_blocked["/article/6.html"] = 10  # always blocked
        result = crawl(tmp_path, "harbour-sitemap",
                       extra=("-s", "HARVEST_BACKOFF_MIN_DELAY=0.05", "-s", "HARVEST_BACKOFF_RETRIES=2"))
        assert [code for _, path, code in site.log if path == "/article/4.html"] == [429, 429, 200]
        assert [code for _, path, code in site.log if path == "/article/5.html"] == [200, 200]
        assert len([1 for _, path, _ in site.log if path == "/article/6.html"]) == 3
    assert "new 2" in result.stdout and "blocked 1" in result.stdout, result.stdout
    stored = {url.rsplit("/", 1)[-1] for (url,) in rows(tmp_path / "archive.db", "SELECT canonical_url FROM articles")}
    assert stored == {"4.html", "5.html"}


def test_an_interrupted_crawl_resumes_without_refetching(tmp_path: Path) -> None:
    index = (tuple(range(7, 15)), tuple(range(15, 21)))  # 14 articles on two listing pages
    with NewsSite(article_delay=0.25, index=index) as site:
        (tmp_path / "sources.toml").write_text(site.sources_toml(settings="CONCURRENT_REQUESTS = 1"))
        args = ["crawl", "harbour-index", "--sources", str(tmp_path / "sources.toml"),
                "--db", str(tmp_path / "archive.db"), "--warc-dir", str(tmp_path / "warcs"), "--quiet"]
        first = subprocess.Popen([sys.executable, "-m", "harvester.cli", *args],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while sum(site.fetches().values()) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        first.send_signal(signal.SIGTERM)  # like Ctrl-C: Scrapy stops cleanly and keeps its JOBDIR
        first.communicate(timeout=60)
        done_first = set(site.fetches())
        assert 3 <= len(done_first) < 14, "the crawl should have been stopped half-way"
        jobdir = tmp_path / "archive.db.state" / "jobs" / "harbour-index"
        assert (jobdir / "requests.queue").exists()

        second = run_harvest(*args)
        assert second.returncode == 0, second.stderr
        fetches = site.fetches()
        listing = site.fetches("/news/")
    assert fetches == {f"/article/{n}.html": 1 for n in range(7, 21)}  # every article exactly once
    assert listing["/news/index_2.html"] == 1  # the resumed crawl did not walk the pagination again
    assert not jobdir.exists()  # finished: the next run starts clean
    assert rows(tmp_path / "archive.db", "SELECT count(*) FROM articles") == [(14,)]
    runs = rows(tmp_path / "archive.db", "SELECT error FROM crawls ORDER BY id")
    assert runs[0][0] and "interrupted (shutdown)" in runs[0][0]  # the stopped run says so
    assert runs[-1][0] is None
