"""A probe for tests/test_frontier.py, loaded into a real worker with `-s EXTENSIONS=...`.

When Scrapy announces an item as scraped (after every pipeline is done with it), the
article must already be committed to the worker's shard and its request must still
be leased in Redis: a lease is acknowledged only once the outcome is recorded. Each
observation is one line in LEASE_PROBE_FILE.
"""
from __future__ import annotations

import os
import sqlite3

import redis
from scrapy import signals

from harvester.frontier import LEASE_META


class LeaseProbe:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.out = crawler.settings.get("LEASE_PROBE_FILE")
        self.db = crawler.settings.get("ARCHIVE_DB")
        self.server = redis.Redis.from_url(crawler.settings.get("HARVEST_FRONTIER"))

    @classmethod
    def from_crawler(cls, crawler) -> "LeaseProbe":
        probe = cls(crawler)
        crawler.signals.connect(probe.item_scraped, signal=signals.item_scraped)
        return probe

    def item_scraped(self, item, response, spider) -> None:
        lease = response.meta.get(LEASE_META)
        held = any(self.server.hexists(key, lease)
                   for key in self.server.scan_iter(f"*:leases:*:{os.getpid()}:*")) if lease else False
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            committed = conn.execute("SELECT count(*) FROM articles WHERE canonical_url = ?",
                                     (item.article.get("canonical_url"),)).fetchone()[0] > 0
        finally:
            conn.close()
        with open(self.out, "a", encoding="utf-8") as handle:
            handle.write(f"{item.url} committed={committed} leased={held}\n")
