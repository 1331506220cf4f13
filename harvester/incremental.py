"""Downloader middleware: fetch only what is new, or (on --refresh) only what changed.

Users follow sources for months; each run should cost the server only the feeds,
sitemaps and listings plus the articles it has not seen. For article requests
(`meta["harvest_article"]`, set by every spider):

- without HARVEST_REFRESH, a URL whose canonical form is already in the archive is
  skipped before any byte is sent (stat `harvest/skipped/archived`);
- with HARVEST_REFRESH, the request carries If-None-Match / If-Modified-Since from the
  last 200 capture of that URL (validators read back from its WARC record), and a 304
  answer counts as `unchanged` without reaching the spider;
- a source's `max_pages` caps the article pages fetched per run (`harvest/skipped/limit`).

Listings are always fetched: they are where new links appear.
"""
from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from warcio.archiveiterator import ArchiveIterator

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
    with open(warc_path, "rb") as handle:
        handle.seek(offset)
        for record in ArchiveIterator(handle):
            headers = record.http_headers
            if headers is None:
                return {}
            found = {}
            for name in ("ETag", "Last-Modified"):
                value = headers.get_header(name)
                if value:
                    found[name] = value
            return found
    return {}


class ArchiveIndex:
    """Read-only view of the archive that the middleware needs: what is stored, and where."""

    def __init__(self, db_path: str, warc_dir: str) -> None:
        self.db_path = db_path
        self.warc_dir = Path(warc_dir or ".")
        self.stored: dict[str, str] = {}  # canonical URL -> article URL as fetched
        if not Path(db_path).is_file():
            return
        conn = self._connect()
        try:
            rows = conn.execute("SELECT canonical_url, url FROM articles WHERE is_current = 1").fetchall()
        except sqlite3.OperationalError:  # an archive not yet migrated: nothing stored
            rows = []
        finally:
            conn.close()
        for canonical, url in rows:
            self.stored[canonicalize_url(canonical)] = url
            if url:
                self.stored.setdefault(canonicalize_url(url), url)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30)

    def has(self, canonical: str) -> bool:
        return canonical in self.stored

    def validators(self, url: str, canonical: str) -> dict[str, str]:
        """Validators of the newest 200 capture of this article; {} when unknown."""
        candidates = {url, canonical, self.stored.get(canonical) or url}
        marks = ", ".join("?" for _ in candidates)
        row = None
        try:
            conn = self._connect()
            try:
                row = conn.execute(
                    f"SELECT warc_file, warc_offset FROM captures WHERE url IN ({marks}) AND status = 200 "
                    "ORDER BY fetched_at DESC, rowid DESC LIMIT 1", tuple(candidates)).fetchone()
                if row is None:  # no capture rows: the response the current version came from
                    row = conn.execute(
                        "SELECT warc_file, warc_offset FROM articles WHERE canonical_url = ? AND is_current = 1 "
                        "AND warc_file IS NOT NULL", (canonical,)).fetchone()
            finally:
                conn.close()
        except sqlite3.Error:
            return {}
        if row is None:
            return {}
        try:
            return read_validators(self.warc_dir / row[0], row[1])
        except Exception as exc:  # a moved or broken WARC only costs us the conditional request
            logger.debug("no validators for %s: %s", url, exc)
            return {}


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
            validators = self.index.validators(request.url, canonical)
            request.meta["harvest_conditional"] = bool(validators)
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
