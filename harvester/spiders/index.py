"""The `index` spider: listing pages of a news portal, followed through pagination.

A CrawlSpider with two rules: links matching `allow` (and not `deny`) are articles,
parsed by the shared callback and not followed further; links matching `follow`
(section pages, `?page=2`, `list_3.html`) are listings, followed up to DEPTH_LIMIT.
Without `follow` patterns, the listing's own "next page" links are followed instead:
`rel="next"` (on `<a>` or `<link>`) and links reading 下一页, 下页 or 下一頁, so a plain
paginated section needs no pattern at all.
"""
from __future__ import annotations

from typing import Any, AsyncIterator, Iterable

import scrapy
from scrapy.http import Request, Response
from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import CrawlSpider, Rule

from harvester.spiders.article import _split_urls
from harvester.spiders.base import ARTICLE_META, ArticlePageMixin, patterns


# What a "next page" link reads once arrows, brackets and spaces are dropped (any case).
NEXT_PAGE_WORDS = ("下一页", "下页", "下一頁", "next", "nextpage")
_DROPPED = " >»›→<«‹←[]【】()（）|"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _reads(expr: str) -> str:
    """XPath: the text of `expr`, without arrows/brackets/spaces and lower-cased, is a next-page word."""
    cleaned = f"translate(translate({expr}, '{_DROPPED}', ''), '{_UPPER}', '{_UPPER.lower()}')"
    return " or ".join(f"{cleaned} = '{word}'" for word in NEXT_PAGE_WORDS)


_REL_NEXT = "contains(concat(' ', normalize-space(@rel), ' '), ' next ')"
# One region per link: LinkExtractor takes the selected element itself when it is a link.
NEXT_PAGE_XPATHS = (
    f"//a[{_REL_NEXT}]",
    f"//link[{_REL_NEXT}]",
    f"//a[{_reads('normalize-space(.)')} or {_reads('@title')}]",
)


def next_page_links(deny: Iterable[str] = ()) -> LinkExtractor:
    """Links to a listing's next page (rel=next, 下一页, 下页), `deny` excluded."""
    return LinkExtractor(restrict_xpaths=NEXT_PAGE_XPATHS, tags=("a", "link"), attrs=("href",),
                         deny=list(deny))


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
        else:
            rules.append(Rule(next_page_links(deny), follow=True))
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
