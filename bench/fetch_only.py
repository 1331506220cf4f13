"""`python -m bench.fetch_only URL_FILE CONCURRENCY`: Scrapy fetching the URLs and nothing else.

The floor of a crawl's cost: plain Scrapy (its default settings, no project code, no
robots.txt, politeness off) downloading every URL of the file with a callback that
does nothing. bench/crawl.py times it against `harvest crawl` on the same pages.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, AsyncIterator

import scrapy
from scrapy.crawler import CrawlerProcess


class FetchOnly(scrapy.Spider):
    name = "fetch_only"

    def __init__(self, urls: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = urls

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response: scrapy.http.Response, **kwargs: Any) -> None:
        return None


def main() -> None:
    urls = Path(sys.argv[1]).read_text().split()
    concurrency = int(sys.argv[2])
    process = CrawlerProcess({
        "LOG_LEVEL": "ERROR", "ROBOTSTXT_OBEY": False, "TELNETCONSOLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "COOKIES_ENABLED": False,
        "CONCURRENT_REQUESTS": concurrency, "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
    })
    process.crawl(FetchOnly, urls=urls)
    process.start()


if __name__ == "__main__":
    main()
