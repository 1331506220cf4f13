"""Item pipeline: store extracted pages and every WARC capture in the SQLite archive."""
from __future__ import annotations

import logging
from concurrent.futures import Future
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future

from archive.writer import ArchiveWriter
from harvester import signals as harvest_signals
from harvester import stats as harvest_stats
from harvester.items import ExtractedPage
from harvester.threads import deferred_of

logger = logging.getLogger(__name__)



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
    """One archive connection per crawl, in a writer thread (archive.writer.ArchiveWriter).

    Articles are stored off the reactor thread, several per transaction, each one
    all-or-nothing; an item leaves this pipeline once its article is committed, so
    the outcome counters only count what is durable. WARC captures go the same way.
    """

    def __init__(self, crawler: Crawler, db_path: str) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.writer: ArchiveWriter | None = None
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
        self.writer = ArchiveWriter(self.db_path, linger=self.crawler.settings.getfloat("HARVEST_ARCHIVE_LINGER"))
        source = getattr(self.crawler.spider, "source", "urls")
        self.crawl_id = self.writer.call("start_crawl", source).result()

    def capture_written(self, pointer, request, response) -> None:
        if self.writer is not None:
            self.writer.record_capture(dict(pointer.as_dict(), crawl_id=self.crawl_id)).add_done_callback(
                _log_failure)

    async def process_item(self, item: ExtractedPage) -> ExtractedPage:
        stats = self.crawler.stats
        if item.status == "article":
            stored = self.writer.store_article(item.prepared or item.article, pointer=item.warc,
                                               crawl_id=self.crawl_id,
                                               crawled_at=item.fetched_at)
            outcome = await maybe_deferred_to_future(deferred_of(stored))
        else:
            outcome = item.status
        harvest_stats.count(stats, outcome)
        return item

    def spider_closed(self, spider, reason: str) -> None:
        """Close the crawl row here, not in close_spider: only this signal knows the reason."""
        if self.writer is None:
            return
        stats = self.crawler.stats
        counts = harvest_stats.outcomes(stats)
        counts["fetched"] = stats.get_value("response_received_count", 0)
        counts["stored"] = counts["new"] + counts["changed"]
        counts["errors"] = counts.pop("error")
        counts["skipped"] = harvest_stats.skipped(stats)
        error = None if reason == "finished" else f"interrupted ({reason}); the next run resumes it"
        try:
            self.writer.call("finish_crawl", self.crawl_id, counts, error=error).result()
        finally:
            stats.set_value("harvest/archive/transactions", self.writer.batches)
            stats.set_value("harvest/archive/cpu_seconds", self.writer.cpu_seconds)
            self.writer.close()
            self.writer = None


def _log_failure(future: Future) -> None:
    if future.exception() is not None:
        logger.error("archive: capture not recorded: %s", future.exception())
