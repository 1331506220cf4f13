"""Scrapy extension: record every exchange the crawler makes as WARC records.

It listens on `response_downloaded`, which fires right after the download handler,
before HttpCompressionMiddleware and RedirectMiddleware: the body is still as the
server sent it and every redirect hop is recorded. The response record's pointer is
put in `request.meta["warc"]` (so the spider's response carries it) and announced
with the `warc_record_written` signal.

A 304 to a conditional request becomes a server-not-modified revisit naming the
capture the request's validators came from (`meta["harvest_refers_to"]`, set by the
incremental middleware). When a record cannot be written (a full disk), the crawl
stops with reason `warc_write_failed` and `WarcGuardMiddleware` turns the response
into a failure, so no archive row is written for an exchange that is not in a WARC.
At the start, a WARC file left torn by a crawl that was killed mid-record is cut back
to its last whole record (the cut bytes kept beside it; no archive row can point there,
rows are written only after their record); at the end the WARC files of this crawl are
merged into the directory's CDXJ index.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.defer import deferred_from_coro

from archive.cdxj import CdxjIndex, unindexed_files, update_index
from archive.tails import cut_tail, scan
from archive.warcstore import Exchange, Reference, WarcStore, WarcWriteError
from harvester import signals as harvest_signals
from harvester.urls import canonicalize_url

WRITE_FAILED = "warc_write_failed"  # the crawl's finish reason when a record could not be written
logger = logging.getLogger(__name__)


# Twisted undoes chunked transfer-coding before Scrapy sees the body, so the recorded
# body is de-chunked: the header is kept under this name so headers and body agree
# (readers would otherwise try to de-chunk it again). Content-Encoding is untouched:
# the body is recorded still compressed, as sent.
RENAMED_HEADERS = {"transfer-encoding": "X-Archive-Orig-Transfer-Encoding"}


def _header_list(headers, rename: bool = False) -> list[tuple[str, str]]:
    """Scrapy's Headers as (name, value) pairs, repeated headers kept."""
    pairs = []
    for name, values in headers.items():
        text = name.decode("latin-1")
        if rename:
            text = RENAMED_HEADERS.get(text.lower(), text)
        for value in values:
            pairs.append((text, value.decode("latin-1")))
    return pairs


class WarcRecorder:
    def __init__(self, crawler: Crawler, store: WarcStore, index: CdxjIndex | None = None) -> None:
        self.crawler = crawler
        self.store = store
        self.index = index  # the directory's captures before this crawl
        self.write_error: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "WarcRecorder":
        settings = crawler.settings
        directory = settings.get("WARC_DIR")
        single = settings.get("WARC_FILE") or None
        if not directory and not single:
            raise NotConfigured("WARC_DIR is empty")
        info = {"robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
                "http-header-user-agent": settings.get("USER_AGENT"),
                "autothrottle": str(settings.getbool("AUTOTHROTTLE_ENABLED"))}
        if directory and not single:
            mend_torn_tails(Path(directory), crawler.stats)
        # Payloads already in the directory's CDXJ index become revisit records, not new copies.
        index = CdxjIndex.load(directory) if directory and not single else None
        known = {digest: (e.record_id, e.url, e.warc_date) for digest, e in index.full_copies.items()} \
            if index is not None else {}
        store = WarcStore(directory or ".", prefix=settings.get("WARC_PREFIX", "harvest"),
                          max_size=settings.getint("WARC_MAX_SIZE"), info=info, single_file=single,
                          known_digests=known)
        recorder = cls(crawler, store, index)
        crawler.signals.connect(recorder.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        return recorder

    def response_downloaded(self, response: Response, request: Request, spider) -> None:
        started = time.thread_time()  # CPU of this thread: WARC writing's share of the crawl (make bench)
        status = response.status
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = ""
        exchange = Exchange(
            url=response.url, method=request.method,
            request_headers=_header_list(request.headers),
            status=status, reason=reason, protocol=response.protocol or "HTTP/1.1",
            response_headers=_header_list(response.headers, rename=True), body=response.body,
            fetched_at=datetime.now(timezone.utc),
            ip_address=str(response.ip_address) if response.ip_address else None,
            request_body=request.body or b"",
            refers_to=(_reference(request.meta.get("harvest_refers_to")) or self.indexed_reference(response.url))
            if status == 304 else None)
        if self.write_error is not None:
            request.meta["warc_error"] = self.write_error
            return
        try:
            pointer = self.store.write_exchange(exchange)
        except WarcWriteError as exc:
            self.write_failed(str(exc), request)
            return
        finally:
            self.crawler.stats.inc_value("warc/cpu_seconds", time.thread_time() - started, start=0.0)
        request.meta["warc"] = pointer.as_dict()
        self.crawler.stats.inc_value(f"warc/records/{pointer.record_type}")
        self.crawler.signals.send_catch_log(harvest_signals.warc_record_written,
                                            pointer=pointer, request=request, response=response)

    def indexed_reference(self, url: str) -> Reference | None:
        """The newest full 200 capture of `url` (any spelling of it the dupefilter treats as the
        same) in the directory's index, when the archive had none."""
        if self.index is None:
            return None
        full = [e for e in self.index.lookup_same(url, canonicalize_url) if e.is_full and e.status == "200"]
        if not full:
            return None
        entry = full[-1]
        return Reference(entry.record_id or None, entry.url, entry.warc_date, entry.digest or None)

    def write_failed(self, message: str, request: Request) -> None:
        """The first failed write stops the crawl; this and later responses are never stored."""
        request.meta["warc_error"] = message
        if self.write_error is not None:
            return
        self.write_error = message
        self.crawler.stats.set_value("warc/write_error", message)
        engine = self.crawler.engine
        if hasattr(engine, "close_spider_async"):
            deferred_from_coro(engine.close_spider_async(reason=WRITE_FAILED))
        else:  # Scrapy < 2.14
            engine.close_spider(self.crawler.spider, WRITE_FAILED)

    def spider_closed(self, spider) -> None:
        """Close the file cleanly (Scrapy calls this on SIGINT/SIGTERM too) and index it."""
        started = time.thread_time()  # indexing re-reads what was written: WARC CPU too
        self.store.close()
        if self.store.files and self.store.single_file is None:
            update_index(self.store.directory, [p for p in self.store.files if p.exists()])
        self.crawler.stats.inc_value("warc/cpu_seconds", time.thread_time() - started, start=0.0)


def mend_torn_tails(directory: Path, stats) -> None:
    """Cut back the torn tails of WARC files a dead crawl left unindexed (see module doc)."""
    if not directory.is_dir():
        return
    for path in unindexed_files(directory):
        tail = scan(path)
        if tail.torn:
            kept = cut_tail(tail)
            stats.inc_value("warc/torn_tails_cut")
            logger.warning("%s; cut back, the cut bytes are kept in %s", tail.line(), kept.name)


def _reference(data: dict | None) -> Reference | None:
    """meta["harvest_refers_to"] (a captures row: record id, url, fetched_at, payload digest)."""
    if not data or not data.get("url") or not data.get("fetched_at"):
        return None
    return Reference(record_id=data.get("warc_record_id"), target_uri=data["url"],
                     warc_date=data["fetched_at"], payload_digest=data.get("payload_digest") or None)


class WarcUnrecorded(IgnoreRequest):
    """A response whose WARC record could not be written: it must not reach the archive."""


class WarcGuardMiddleware:
    """Downloader middleware (outermost): fail responses the recorder could not write."""

    def process_response(self, request: Request, response: Response) -> Response:
        error = request.meta.get("warc_error")
        if error:
            raise WarcUnrecorded(f"not recorded: {error}")
        return response
