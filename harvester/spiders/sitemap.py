"""The `sitemap` spider: sitemaps, sitemap indexes, news sitemaps and robots.txt Sitemap: lines.

Scrapy's SitemapSpider does the parsing (gzip, indexes, robots.txt); `allow` becomes its
sitemap_rules, `deny` a sitemap_filter, and article requests get the shared callback,
errback and article mark.
"""
from __future__ import annotations

from typing import Any, Iterable

import scrapy
from scrapy.http import Response
from scrapy.spiders import SitemapSpider as ScrapySitemapSpider

from harvester.spiders.article import _split_urls
from harvester.spiders.base import ARTICLE_META, ArticlePageMixin, LinkFilter, patterns


class SitemapSpider(ArticlePageMixin, ScrapySitemapSpider):
    """Args: `urls` (sitemap or robots.txt URLs), `allow`/`deny` (regexes), `source`."""

    name = "sitemap"

    def __init__(self, urls: str | list[str] | None = None, allow: Iterable[str] = (),
                 deny: Iterable[str] = (), source: str = "sitemap", *args: Any, **kwargs: Any) -> None:
        allow = patterns(allow)
        # Set before SitemapSpider.__init__, which compiles the rules.
        self.sitemap_urls = _split_urls(urls)
        self.sitemap_rules = [(pattern, "parse_article") for pattern in allow] or [("", "parse_article")]
        super().__init__(*args, **kwargs)
        self.links = LinkFilter((), deny)
        self.init_article_state(source)

    def sitemap_filter(self, entries: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
        for entry in entries:
            if self.links(entry.get("loc", "")):
                yield entry
            else:
                self.crawler.stats.inc_value("harvest/links/denied")

    def _parse_sitemap(self, response: Response) -> Iterable[scrapy.Request]:
        # SitemapSpider builds article requests bare; give them the errback and the mark.
        for request in super()._parse_sitemap(response):
            if request.callback == self.parse_article:
                request = request.replace(errback=self.failed, meta={**request.meta, ARTICLE_META: True})
            yield request
