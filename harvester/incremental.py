"""Downloader middleware: fetch only what is new, or (on --refresh) only what changed.

Users follow sources for months; each run should cost the server only the feeds,
sitemaps and listings plus the articles it has not seen. For article requests
(`meta["harvest_article"]`, set by every spider):

- without HARVEST_REFRESH, a URL whose canonical form is already in the archive is
  skipped before any byte is sent (stat `harvest/skipped/archived`);
- with HARVEST_REFRESH, the request carries If-None-Match / If-Modified-Since from the
  last 200 capture of that URL (validators read back from its WARC record), names that
  capture in `meta["harvest_refers_to"]` (the WARC recorder's server-not-modified
  revisit refers to it), and a 304 answer counts as `unchanged` without reaching the
  spider;
- a source's `max_pages` caps the article pages fetched per run (`harvest/skipped/limit`).

Listings are always fetched: they are where new links appear.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response

from archive import queries
from archive.snapshot import SnapshotError, read_record, resolve_warc_path
from harvester import stats as harvest_stats
from harvester.spiders.base import ARTICLE_META
from harvester.urls import canonicalize_url

logger = logging.getLogger(__name__)


class HarvestSkip(IgnoreRequest):
    """A request dropped on purpose; spiders' errbacks do not report it as a failure."""

    harvest_skip = True


def is_article_request(request: Request) -> bool:
    return bool(request.meta.get(ARTICLE_META))


def read_validators(warc_path: str | Path, offset: int) -> dict[str, str]:
    """ETag and Last-Modified of the HTTP response recorded at `offset` of a WARC file."""
    record = read_record(warc_path, offset)
    return {name: value for name in ("ETag", "Last-Modified") if (value := record.header(name))}


class ArchiveIndex:
    """Read-only view of the archive that the middleware needs: what is stored, and where."""

    def __init__(self, db_path: str, warc_dir: str) -> None:
        self.db_path = db_path
        self.warc_dir = Path(warc_dir or ".")
        self.stored: dict[str, str] = {}  # canonical URL -> article URL as fetched
        for canonical, url in queries.stored_articles(db_path):
            self.stored[canonicalize_url(canonical)] = url
            if url:
                self.stored.setdefault(canonicalize_url(url), url)

    def has(self, canonical: str) -> bool:
        return canonical in self.stored

    def last_capture(self, url: str, canonical: str) -> dict[str, Any] | None:
        """The newest 200 capture of this article (a captures row), None when unknown."""
        return queries.last_full_capture(self.db_path, {url, canonical, self.stored.get(canonical) or url},
                                         canonical)

    def validators(self, url: str, canonical: str) -> tuple[dict[str, str], dict[str, Any] | None]:
        """Validators of the newest 200 capture of this article, and that capture; ({}, None) when unknown."""
        capture = self.last_capture(url, canonical)
        if capture is None:
            return {}, None
        try:
            path = resolve_warc_path(self.warc_dir, capture["warc_file"])
            return read_validators(path, capture["warc_offset"]), capture
        except SnapshotError as exc:  # a moved or broken WARC only costs us the conditional request
            logger.debug("no validators for %s: %s", url, exc)
            return {}, None


class IncrementalMiddleware:
    def __init__(self, crawler: Crawler, index: ArchiveIndex | None, refresh: bool) -> None:
        self.crawler = crawler
        self.index = index
        self.refresh = refresh
        self.fetched_articles = 0
        self.db_path = crawler.settings.get("ARCHIVE_DB")
        self.warc_dir = crawler.settings.get("WARC_DIR") or "."

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "IncrementalMiddleware":
        settings = crawler.settings
        if not settings.getbool("HARVEST_INCREMENTAL", True) or not settings.get("ARCHIVE_DB"):
            raise NotConfigured
        middleware = cls(crawler, None, settings.getbool("HARVEST_REFRESH"))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider) -> None:
        # Read once per crawl: the archive only grows during it, and this crawl's own
        # duplicates are the dupefilter's business.
        self.index = ArchiveIndex(self.db_path, self.warc_dir)
        if self.crawler.settings.get("HARVEST_FRONTIER"):  # a shared crawl: what any worker archived
            from harvester.frontier import SharedArchiveIndex

            self.index = SharedArchiveIndex(self.index, self.crawler.settings)
        logger.info("incremental: %d articles already archived%s", len(self.index.stored),
                    " (refresh: conditional requests)" if self.refresh else "")

    def process_request(self, request: Request) -> None:
        if not is_article_request(request) or self.index is None:
            return None
        stats = self.crawler.stats
        canonical = canonicalize_url(request.url)
        known = self.index.has(canonical)
        if known and not self.refresh:
            harvest_stats.count_skipped(stats, "archived")
            raise HarvestSkip(f"already archived: {canonical}")
        limit = int(getattr(self.crawler.spider, "max_pages", 0) or 0)  # a string under `scrapy crawl -a`
        if limit and self.fetched_articles >= limit and not request.meta.get("harvest_counted"):
            harvest_stats.count_skipped(stats, "limit")
            raise HarvestSkip(f"max_pages {limit} reached")
        if not request.meta.get("harvest_counted"):
            request.meta["harvest_counted"] = True  # retries and redirects count once
            self.fetched_articles += 1
        if known and self.refresh and "harvest_conditional" not in request.meta:
            validators, capture = self.index.validators(request.url, canonical)
            request.meta["harvest_conditional"] = bool(validators)
            if validators and capture and capture.get("fetched_at"):
                request.meta["harvest_refers_to"] = capture
            if "ETag" in validators:
                request.headers.setdefault("If-None-Match", validators["ETag"])
            if "Last-Modified" in validators:
                request.headers.setdefault("If-Modified-Since", validators["Last-Modified"])
            if validators:
                stats.inc_value("harvest/conditional/sent")
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status == 304 and is_article_request(request):
            harvest_stats.count(self.crawler.stats, "unchanged")
            self.crawler.stats.inc_value("harvest/conditional/not_modified")
            raise HarvestSkip(f"not modified: {request.url}")
        return response
