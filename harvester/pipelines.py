"""Item pipeline: store extracted pages and every WARC capture in the SQLite archive."""
from __future__ import annotations

from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archive.store import Archive
from harvester import signals as harvest_signals
from harvester import stats as harvest_stats
from harvester.items import ExtractedPage



class ArchiveUnavailable(RuntimeError):
    """ARCHIVE_DB cannot be opened: the crawl refuses to start rather than fetch for nothing."""


def prepare_directory(db_path: str) -> None:
    """Create the archive's directory (a new path passed to a Scrapyd job), or refuse clearly.

    Refusing here, while the crawler is built, fails the crawl before any request is
    sent, and `scrapy crawl` (so a Scrapyd job) exits non-zero with this message.
    """
    directory = Path(db_path).parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ArchiveUnavailable(f"ARCHIVE_DB {db_path}: cannot create its directory {directory}: "
                                 f"{exc.strerror or exc}") from None


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
        prepare_directory(db_path)
        pipeline = cls(crawler, db_path)
        crawler.signals.connect(pipeline.capture_written, signal=harvest_signals.warc_record_written)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        self.archive = Archive(self.db_path)
        self.crawl_id = self.archive.start_crawl(getattr(self.crawler.spider, "source", "urls"))

    def capture_written(self, pointer, request, response) -> None:
        if self.archive is not None:
            self.archive.record_capture(dict(pointer.as_dict(), crawl_id=self.crawl_id))

    def process_item(self, item: ExtractedPage) -> ExtractedPage:
        stats = self.crawler.stats
        if item.status == "article":
            outcome = self.archive.store_article(item.article, pointer=item.warc, crawl_id=self.crawl_id,
                                                 crawled_at=item.fetched_at)
        else:
            outcome = item.status
        harvest_stats.count(stats, outcome)
        return item

    def spider_closed(self, spider, reason: str) -> None:
        """Close the crawl row here, not in close_spider: only this signal knows the reason."""
        if self.archive is None:
            return
        stats = self.crawler.stats
        counts = harvest_stats.outcomes(stats)
        counts["fetched"] = stats.get_value("response_received_count", 0)
        counts["stored"] = counts["new"] + counts["changed"]
        counts["errors"] = counts.pop("error")
        counts["skipped"] = harvest_stats.skipped(stats)
        error = None if reason == "finished" else f"interrupted ({reason}); the next run resumes it"
        self.archive.finish_crawl(self.crawl_id, counts, error=error)
