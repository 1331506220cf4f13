"""The `index` spider: listing pages of a news portal, followed through pagination.

A CrawlSpider with two rules: links matching `allow` (and not `deny`) are articles,
parsed by the shared callback and not followed further; links matching `follow`
(section pages, `?page=2`, `list_3.html`) are listings, followed up to DEPTH_LIMIT.
"""
from __future__ import annotations

from typing import Any, AsyncIterator, Iterable

import scrapy
from scrapy.http import Request, Response
from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import CrawlSpider, Rule

from harvester.spiders.article import _split_urls
from harvester.spiders.base import ARTICLE_META, ArticlePageMixin, patterns


class IndexSpider(ArticlePageMixin, CrawlSpider):
    """Args: `urls` (listing pages), `allow`/`deny`/`follow` (regexes), `source`."""

    name = "index"

    def __init__(self, urls: str | list[str] | None = None, allow: Iterable[str] = (),
                 deny: Iterable[str] = (), follow: Iterable[str] = (), source: str = "index",
                 *args: Any, **kwargs: Any) -> None:
        self.start_urls = _split_urls(urls)
        allow, deny, follow = patterns(allow), patterns(deny), patterns(follow)
        rules = [Rule(LinkExtractor(allow=allow, deny=deny), callback="parse_article",
                      errback="failed", follow=False, process_request="mark_article")]
        if follow:
            rules.append(Rule(LinkExtractor(allow=follow, deny=deny), follow=True))
        self.rules = rules  # CrawlSpider.__init__ compiles them
        super().__init__(*args, **kwargs)
        self.init_article_state(source)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            # The listing's first page is read every run, even when resuming from JOBDIR.
            yield scrapy.Request(url, callback=self._parse, errback=self.failed, dont_filter=True)

    def mark_article(self, request: Request, response: Response) -> Request:
        request.meta[ARTICLE_META] = True
        return request
