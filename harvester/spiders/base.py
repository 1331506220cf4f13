"""What every spider does with an article page, whatever found the link.

`ArticleSpider`, the feed, sitemap and index spiders all end in `ArticlePageMixin.parse_article`
(response -> Page -> extract -> ExtractedPage), so a page is stored the same way however
its URL arrived. Article requests carry `meta["harvest_article"]`; the incremental and
politeness middlewares act on those and leave feeds, sitemaps and listings alone.
"""
from __future__ import annotations

import re
from typing import Any, AsyncIterator, Iterable

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure

from harvester import stats as harvest_stats
from harvester.items import ExtractedPage

ARTICLE_META = "harvest_article"


def article_item(response: Response, source: str, result: dict[str, Any]) -> ExtractedPage:
    """The item the archive pipeline stores, from a page's extraction result.

    `result` is `harvester.extraction.run_job`'s {"article": Article.to_dict()} (its
    canonical_url already in harvester.urls form).
    """
    article = result["article"]
    return ExtractedPage(url=response.url, article=article, warc=response.meta.get("warc"),
                         fetched_at=result.get("fetched_at", ""), source=source,
                         prepared=result.get("prepared"))


def patterns(value: str | Iterable[str] | None) -> list[str]:
    """Regexes from a list, or from a whitespace-separated string (`scrapy crawl -a allow=...`, Scrapyd)."""
    if not value:
        return []
    if isinstance(value, str):
        return value.split()
    return list(value)


class LinkFilter:
    """allow/deny regexes of a source, applied to candidate article links."""

    def __init__(self, allow: Iterable[str] = (), deny: Iterable[str] = ()) -> None:
        self.allow = [re.compile(p) for p in patterns(allow)]
        self.deny = [re.compile(p) for p in patterns(deny)]

    def __call__(self, url: str) -> bool:
        if self.allow and not any(p.search(url) for p in self.allow):
            return False
        return not any(p.search(url) for p in self.deny)


class ArticlePageMixin:
    """parse_article / failed callbacks and the article request builder, shared by all spiders."""

    source: str = "urls"
    crawler: Any

    def init_article_state(self, source: str) -> None:
        self.source = source
        self.failures: list[tuple[str, str]] = []  # (url, one-line reason), for the CLI

    def article_request(self, url: str, **kwargs: Any) -> scrapy.Request:
        meta = {**kwargs.pop("meta", {}), ARTICLE_META: True}
        return scrapy.Request(url, callback=self.parse_article, errback=self.failed, meta=meta, **kwargs)

    async def parse_article(self, response: Response, **kwargs: Any) -> AsyncIterator[ExtractedPage]:
        """Extract off the reactor (harvester.crawl_extraction); errors are counted, not raised."""
        from harvester.crawl_extraction import CrawlExtraction

        result = await CrawlExtraction.of(self.crawler).extract(response)
        if "error" in result:
            harvest_stats.count(self.crawler.stats, "error")
            self.failures.append((response.url, result["error"]))
            return
        yield article_item(response, self.source, result)

    def failed(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        # Skips decided on purpose (already archived, 304 unchanged, page limit) are not failures.
        if failure.check(IgnoreRequest) and getattr(failure.value, "harvest_skip", False):
            return
        harvest_stats.count(self.crawler.stats, "error")
        response = getattr(failure.value, "response", None)
        # Some download errors carry no message (ResponseDataLossError): their type says it.
        reason = f"HTTP {response.status}" if response is not None else \
            failure.getErrorMessage() or failure.type.__name__
        self.failures.append((request.url if request else "?", reason.splitlines()[0] if reason else "failed"))
