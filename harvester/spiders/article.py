"""The `article` spider: fetch the given article URLs, follow nothing else."""
from __future__ import annotations

from pathlib import Path
from typing import Any, AsyncIterator, Iterable

import scrapy
from scrapy.http import Response

from harvester.items import ExtractedPage
from harvester.spiders.base import ArticlePageMixin


def _split_urls(value: str | Iterable[str] | None) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [u for u in value.replace(",", " ").split() if u]
    return [u for u in value if u]


class ArticleSpider(ArticlePageMixin, scrapy.Spider):
    """Args: `urls` (space/comma separated, or a list), `url_file` (one URL a line), `source`."""

    name = "article"

    def __init__(self, urls: str | list[str] | None = None, url_file: str | None = None,
                 source: str = "urls", *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_urls = _split_urls(urls)
        if url_file:
            lines = Path(url_file).read_text(encoding="utf-8").splitlines()
            self.start_urls += [line.strip() for line in lines if line.strip() and not line.startswith("#")]
        self.init_article_state(source)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            yield self.article_request(url)

    def parse(self, response: Response, **kwargs: Any) -> Iterable[ExtractedPage]:
        """Scrapy's default callback (e.g. `scrapy parse`): the article path."""
        return self.parse_article(response, **kwargs)
