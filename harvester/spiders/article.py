"""The `article` spider: fetch the given article URLs, follow nothing else."""
from __future__ import annotations

from pathlib import Path
from typing import Any, AsyncIterator, Iterable

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from harvester.extract import extract
from harvester.extract.errors import ExtractionError
from harvester.items import ExtractedPage
from harvester.page import Page


def _split_urls(value: str | Iterable[str] | None) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [u for u in value.replace(",", " ").split() if u]
    return [u for u in value if u]


class ArticleSpider(scrapy.Spider):
    """Args: `urls` (space/comma separated, or a list), `url_file` (one URL a line), `source`."""

    name = "article"

    def __init__(self, urls: str | list[str] | None = None, url_file: str | None = None,
                 source: str = "urls", *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_urls = _split_urls(urls)
        if url_file:
            lines = Path(url_file).read_text(encoding="utf-8").splitlines()
            self.start_urls += [line.strip() for line in lines if line.strip() and not line.startswith("#")]
        self.source = source
        self.failures: list[tuple[str, str]] = []  # (url, one-line reason), for the CLI

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse, errback=self.failed, dont_filter=False)

    def parse(self, response: Response, **kwargs: Any):
        page = Page.from_headers(response.body, response.url, response.headers, status=response.status)
        try:
            article = extract(page)
        except ExtractionError as exc:
            self.crawler.stats.inc_value("harvest/outcome/error")
            self.failures.append((response.url, str(exc)))
            return
        yield ExtractedPage(url=response.url, article=article.to_dict(),
                            warc=response.meta.get("warc"),
                            fetched_at=page.fetched_at.isoformat(timespec="seconds"),
                            source=self.source)

    def failed(self, failure: Failure) -> None:
        self.crawler.stats.inc_value("harvest/outcome/error")
        request = getattr(failure, "request", None)
        response = getattr(failure.value, "response", None)
        reason = f"HTTP {response.status}" if response is not None else failure.getErrorMessage()
        self.failures.append((request.url if request else "?", reason.splitlines()[0] if reason else "failed"))
