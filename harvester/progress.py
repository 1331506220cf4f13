"""Scrapy extension: a one-line progress display on stderr while `harvest crawl` runs."""
from __future__ import annotations

import sys
import time

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from harvester.stats import outcomes



class Progress:
    def __init__(self, crawler: Crawler, stream=sys.stderr) -> None:
        self.stats = crawler.stats
        self.stream = stream
        self.last = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "Progress":
        if not crawler.settings.getbool("HARVEST_PROGRESS"):
            raise NotConfigured
        progress = cls(crawler)
        for signal in (signals.response_received, signals.item_scraped, signals.item_dropped):
            crawler.signals.connect(progress.update, signal=signal)
        crawler.signals.connect(progress.finish, signal=signals.spider_closed)
        return progress

    def line(self) -> str:
        fetched = self.stats.get_value("response_received_count", 0)
        parts = [f"fetched {fetched}"] + [f"{name} {n}" for name, n in outcomes(self.stats).items()]
        return "harvest: " + " · ".join(parts)

    def update(self, *args, **kwargs) -> None:
        now = time.monotonic()
        if now - self.last >= 0.2:
            self.last = now
            if self.stream.isatty():
                self.stream.write("\r" + self.line())
            else:
                self.stream.write(self.line() + "\n")
            self.stream.flush()

    def finish(self, spider) -> None:
        if self.stream.isatty():
            self.stream.write("\n")
        self.stream.flush()
