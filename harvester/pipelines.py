"""Item pipeline: store extracted pages and every WARC capture in the SQLite archive."""
from __future__ import annotations

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archive.store import CAPTURE_COLUMNS, Archive
from harvester import signals as harvest_signals
from harvester.items import ExtractedPage

OUTCOMES = ("new", "changed", "unchanged", "deleted", "blocked", "not_article", "error")


class ArchivePipeline:
    """One archive per crawl; articles go in one transaction each (Archive.store_article)."""

    def __init__(self, crawler: Crawler, db_path: str) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.archive: Archive | None = None
        self.crawl_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ArchivePipeline":
        db_path = crawler.settings.get("ARCHIVE_DB")
        if not db_path:
            raise NotConfigured("ARCHIVE_DB is empty")
        pipeline = cls(crawler, db_path)
        crawler.signals.connect(pipeline.capture_written, signal=harvest_signals.warc_record_written)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        self.archive = Archive(self.db_path)
        self.crawl_id = self.archive.start_crawl(getattr(self.crawler.spider, "source", "urls"))

    def capture_written(self, pointer, request, response) -> None:
        if self.archive is not None:
            row = {k: v for k, v in pointer.as_dict().items() if k in CAPTURE_COLUMNS}
            self.archive.record_capture(dict(row, crawl_id=self.crawl_id))

    def process_item(self, item: ExtractedPage) -> ExtractedPage:
        stats = self.crawler.stats
        if item.status == "article":
            outcome = self.archive.store_article(item.article, pointer=item.warc, crawl_id=self.crawl_id,
                                                 crawled_at=item.fetched_at)
        else:
            outcome = item.status
        stats.inc_value(f"harvest/outcome/{outcome}")
        return item

    def spider_closed(self, spider, reason: str) -> None:
        """Close the crawl row here, not in close_spider: only this signal knows the reason."""
        if self.archive is None:
            return
        stats = self.crawler.stats
        counts = {name: stats.get_value(f"harvest/outcome/{name}", 0) for name in OUTCOMES}
        counts["fetched"] = stats.get_value("response_received_count", 0)
        counts["stored"] = counts["new"] + counts["changed"]
        counts["errors"] = counts.pop("error")
        counts["skipped"] = (stats.get_value("harvest/skipped/archived", 0)
                             + stats.get_value("harvest/skipped/limit", 0))
        error = None if reason == "finished" else f"interrupted ({reason}); the next run resumes it"
        self.archive.finish_crawl(self.crawl_id, counts, error=error)
