"""Downloader middleware: answer requests from recorded WARC files instead of the network.

With REPLAY_WARCS set (files, or directories of them), the files are indexed once
(CDXJ, archive/cdxj.py) and every request is looked up by URL: the newest capture
becomes the Response, the newest among every spelling of the URL that the dupefilter
treats as the same (its canonical form), so replay never depends on which spelling a
crawl happened to fetch. A revisit is served with the content it stands for, resolved by
archive/snapshot.py: a 304 refresh (server-not-modified) as the full capture it refers
to, status and headers included; a deduplicated body (identical-payload-digest) with
its own headers and the first copy's payload. The record's pointer goes in
`request.meta["warc"]`; a miss is a 404. A whole crawl runs with the network unused.
"""
from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request, Response

from archive.cdxj import CdxjIndex, IndexEntry, expand_warc_paths
from archive.snapshot import SnapshotError, read_snapshot
from harvester.urls import canonicalize_url

DROPPED_HEADERS = ("content-encoding", "transfer-encoding", "content-length")  # body is decoded


class WarcReplayMiddleware:
    def __init__(self, crawler: Crawler, paths: list[str]) -> None:
        self.crawler = crawler
        self.index = CdxjIndex.build(expand_warc_paths(paths))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "WarcReplayMiddleware":
        paths = crawler.settings.getlist("REPLAY_WARCS")
        if not paths:
            raise NotConfigured
        return cls(crawler, paths)

    def newest(self, url: str) -> IndexEntry | None:
        """The newest capture of `url` or of any URL the crawler treats as the same
        (tracking parameters and the like: harvester.urls.canonicalize_url).

        Not the newest of the exact spelling first: one article reaches a crawl under
        whichever feed's spelling comes first, so a refresh may record its 304 under
        another spelling than the 200 it refers to, and replay must not depend on that order.
        """
        same = [e for e in self.index.lookup_same(url, canonicalize_url) if e.is_capture]
        return same[-1] if same else None

    def process_request(self, request: Request) -> Response:
        entry = self.newest(request.url)
        self.crawler.stats.inc_value("replay/hit" if entry else "replay/miss")
        if entry is None:
            return Response(request.url, status=404, request=request)
        try:
            snapshot = read_snapshot(self.index.path_of(entry), entry.offset, entry.record_id or None,
                                     index=self.index)
        except SnapshotError:
            self.crawler.stats.inc_value("replay/unresolved")
            return Response(request.url, status=404, request=request)
        request.meta["warc"] = {"warc_file": str(self.index.path_of(entry)), "warc_offset": entry.offset,
                                "warc_record_id": entry.record_id}
        headers = [(k, v) for k, v in snapshot.headers if k.lower() not in DROPPED_HEADERS]
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "text/html")
        response_cls = HtmlResponse if "html" in content_type.lower() else Response
        return response_cls(entry.url, status=snapshot.http_status or 200, headers=headers,
                            body=snapshot.payload, request=request)
