"""Scrapy extension: record every exchange the crawler makes as WARC records.

It listens on `response_downloaded`, which fires right after the download handler,
before HttpCompressionMiddleware and RedirectMiddleware: the body is still as the
server sent it and every redirect hop is recorded. The response record's pointer is
put in `request.meta["warc"]` (so the spider's response carries it) and announced
with the `warc_record_written` signal.
"""
from __future__ import annotations

from datetime import datetime, timezone
from http import HTTPStatus

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response

from archive.cdxj import known_payloads, write_index
from archive.warcstore import Exchange, WarcStore
from harvester import signals as harvest_signals


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
    def __init__(self, crawler: Crawler, store: WarcStore) -> None:
        self.crawler = crawler
        self.store = store

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
        # Payloads already in the directory's CDXJ index become revisit records, not new copies.
        known = known_payloads(directory) if directory and not single else {}
        store = WarcStore(directory or ".", prefix=settings.get("WARC_PREFIX", "harvest"),
                          max_size=settings.getint("WARC_MAX_SIZE"), info=info, single_file=single,
                          known_digests=known)
        recorder = cls(crawler, store)
        crawler.signals.connect(recorder.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        return recorder

    def response_downloaded(self, response: Response, request: Request, spider) -> None:
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
            request_body=request.body or b"")
        pointer = self.store.write_exchange(exchange)
        request.meta["warc"] = pointer.as_dict()
        self.crawler.stats.inc_value(f"warc/records/{pointer.record_type}")
        self.crawler.signals.send_catch_log(harvest_signals.warc_record_written,
                                            pointer=pointer, request=request, response=response)

    def spider_closed(self, spider) -> None:
        """Close the file cleanly (Scrapy calls this on SIGINT/SIGTERM too) and re-index."""
        self.store.close()
        if self.store.files and self.store.single_file is None:
            write_index(self.store.directory)
