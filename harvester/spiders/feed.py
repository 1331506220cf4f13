"""The `feed` spider: RSS 2.0, RSS 1.0 (RDF) and Atom feeds, one article request per entry.

Built on Scrapy's XMLFeedSpider with the `xml` iterator; the node XPath matches RSS
`item` and Atom `entry` by local name, so one spider reads every dialect (a feed
bridge's feed of a WeChat account is plain RSS or Atom).
"""
from __future__ import annotations

from typing import Any, AsyncIterator, Iterable

import scrapy
from scrapy.http import Response, TextResponse, XmlResponse
from scrapy.selector import Selector
from scrapy.spiders import XMLFeedSpider

from harvester.spiders.article import _split_urls
from harvester.spiders.base import ArticlePageMixin, LinkFilter

ENTRY = "*[local-name()='item' or local-name()='entry']"


def entry_link(node: Selector) -> str | None:
    """The article link of an RSS item or Atom entry."""
    for xpath in ("./*[local-name()='link'][not(@rel) or @rel='alternate'][@href]/@href",
                  "./*[local-name()='link'][not(@href)]/text()",
                  "./*[local-name()='guid'][not(@isPermaLink='false')]/text()",
                  "./*[local-name()='link'][@href]/@href"):
        value = node.xpath(xpath).get()
        if value and value.strip().startswith(("http://", "https://", "/")):
            return value.strip()
    return None


class FeedSpider(ArticlePageMixin, XMLFeedSpider):
    """Args: `urls` (feed URLs), `allow`/`deny` (lists of regexes), `source`."""

    name = "feed"
    iterator = "xml"
    itertag = ENTRY

    def __init__(self, urls: str | list[str] | None = None, allow: Iterable[str] = (),
                 deny: Iterable[str] = (), source: str = "feed", *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_urls = _split_urls(urls)
        self.links = LinkFilter(allow, deny)
        self.init_article_state(source)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            # Feeds are fetched every run (dont_filter), even when resuming from JOBDIR.
            yield scrapy.Request(url, callback=self._parse, errback=self.failed, dont_filter=True)

    def adapt_response(self, response: Response) -> Response:
        # Feeds served as text/plain or application/octet-stream are feeds all the same.
        if not isinstance(response, TextResponse):
            return XmlResponse(response.url, status=response.status, headers=response.headers,
                               body=response.body, request=response.request)
        return response

    def parse_node(self, response: Response, selector: Selector) -> Iterable[scrapy.Request]:
        link = entry_link(selector)
        if not link:
            self.crawler.stats.inc_value("harvest/feed/entry_without_link")
            return
        url = response.urljoin(link)
        if self.links(url):
            yield self.article_request(url)
        else:
            self.crawler.stats.inc_value("harvest/links/denied")
