"""Downloader middleware: answer requests from recorded WARC files instead of the network.

With REPLAY_WARCS set, every request is looked up by URL in an index of the files'
response records; a hit becomes the Response (with the record's pointer in
`request.meta["warc"]`), a miss a 404, so a crawl runs whole with the network unused.
"""
from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request, Response
from w3lib.url import canonicalize_url

from archive.warcstore import iter_responses


class WarcReplayMiddleware:
    def __init__(self, crawler: Crawler, paths: list[str]) -> None:
        self.crawler = crawler
        self.index: dict[str, tuple[str, int]] = {}
        self.paths = paths
        for path in paths:
            for record in iter_responses(path):
                if record.record_type == "response":
                        self.index.setdefault(canonicalize_url(record.url), (path, record.warc_offset))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "WarcReplayMiddleware":
        paths = crawler.settings.getlist("REPLAY_WARCS")
        if not paths:
            raise NotConfigured
        return cls(crawler, paths)

    def process_request(self, request: Request) -> Response:
        hit = self.index.get(canonicalize_url(request.url))
        self.crawler.stats.inc_value("replay/hit" if hit else "replay/miss")
        if hit is None:
            return Response(request.url, status=404, request=request)
        path, offset = hit
        record = next(r for r in iter_responses_at(path, offset))
        request.meta["warc"] = {"warc_file": record.warc_file, "warc_offset": record.warc_offset,
                                "warc_record_id": record.warc_record_id}
        headers = [(k, v) for k, v in record.headers
                   if k.lower() not in ("content-encoding", "transfer-encoding", "content-length")]
        response_cls = HtmlResponse if "html" in dict((k.lower(), v) for k, v in headers).get(
            "content-type", "text/html") else Response
        return response_cls(record.url, status=record.status, headers=headers, body=record.body,
                            request=request)


def iter_responses_at(path: str, offset: int):
    """Responses of `path` starting at the record at `offset`."""
    return iter_responses(path, start_offset=offset)
