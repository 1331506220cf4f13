"""Downloader middleware: answer requests from recorded WARC files instead of the network.

With REPLAY_WARCS set, the files are indexed once (CDXJ, archive.cdxj) and every request
is looked up by URL: the newest capture becomes the Response (a revisit served with the
payload it refers to), with the record's pointer in `request.meta["warc"]`; a miss is a
404. A whole crawl runs with the network unused.
"""
from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request, Response

from archive.cdxj import CdxjIndex, IndexEntry
from archive.warcstore import iter_responses

DROPPED_HEADERS = ("content-encoding", "transfer-encoding", "content-length")  # body is decoded


class WarcReplayMiddleware:
    def __init__(self, crawler: Crawler, paths: list[str]) -> None:
        self.crawler = crawler
        self.index = CdxjIndex.build(paths)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "WarcReplayMiddleware":
        paths = crawler.settings.getlist("REPLAY_WARCS")
        if not paths:
            raise NotConfigured
        return cls(crawler, paths)

    def _newest(self, url: str) -> IndexEntry | None:
        captures = [e for e in self.index.lookup(url) if e.mime != "warc/request"]
        return captures[-1] if captures else None

    def process_request(self, request: Request) -> Response:
        entry = self._newest(request.url)
        self.crawler.stats.inc_value("replay/hit" if entry else "replay/miss")
        if entry is None:
            return Response(request.url, status=404, request=request)
        source = self.index.full_copy(entry.digest) if entry.is_revisit else entry
        if source is None:
            return Response(request.url, status=404, request=request)
        record = next(iter_responses(self.index.path_of(source), start_offset=source.offset))
        request.meta["warc"] = {"warc_file": str(self.index.path_of(entry)), "warc_offset": entry.offset,
                                "warc_record_id": entry.record_id}
        headers = [(k, v) for k, v in record.headers if k.lower() not in DROPPED_HEADERS]
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "text/html")
        response_cls = HtmlResponse if "html" in content_type.lower() else Response
        return response_cls(entry.url, status=int(entry.status or record.status), headers=headers,
                            body=record.body, request=request)
