"""Extraction during a crawl: pages go to worker processes, the reactor keeps fetching.

`CrawlExtraction.of(crawler)` is the crawl's one extraction service. The spiders'
`parse_article` awaits `extract(response)`; the page travels to a worker of a
`harvester.workers.WorkerPool` as bytes, URL and headers and comes back as a plain
dict (`harvester.extraction.run_job`), so nothing CPU-heavy runs on the reactor
thread. With HARVEST_EXTRACT_WORKERS = 0 pages are extracted in place, as before.

Backpressure: at most HARVEST_EXTRACT_BACKLOG article pages are being downloaded
or wait for extraction (plus those on their way between the two). `BackpressureMiddleware` (a downloader middleware) holds
article requests back while the backlog is full; a held request keeps its
downloader slot, so the downloader stops taking new requests and memory stays flat
however fast the network is. Politeness (delays, AutoThrottle, per-domain
concurrency) is applied after this middleware, unchanged.

Settings:
  HARVEST_EXTRACT_WORKERS  worker processes; unset = one per core, 0 = in the reactor thread
  HARVEST_EXTRACT_BACKLOG  article pages being downloaded or waiting for extraction before
                           fetching pauses; 0 = CONCURRENT_REQUESTS + 2 per worker
  HARVEST_EXTRACT_DEPTH    pages sent to a worker ahead of its results (default 2; 1 = one
                           page at a time, the worker idle while its result is taken in)
"""
from __future__ import annotations

import logging
import weakref
from collections import deque
from datetime import datetime, timezone
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

from harvester import stats as harvest_stats
from harvester.extraction import PageJob, make_pool, outcome, run_job, worker_count
from harvester.spiders.base import ARTICLE_META
from harvester.threads import deferred_of

logger = logging.getLogger(__name__)

PLACED = "harvest_backlog_place"  # request.meta: this request holds a place in the backlog
_SERVICES: "weakref.WeakKeyDictionary[Crawler, CrawlExtraction]" = weakref.WeakKeyDictionary()


class CrawlExtraction:
    """A crawl's extraction: a worker pool (or none), the backlog count and its waiters."""

    def __init__(self, crawler: Crawler, workers: int, backlog: int, depth: int = 2) -> None:
        self.crawler = crawler
        self.workers = workers
        self.backlog = backlog
        self.waiting = 0  # pages submitted, result not yet back
        self.in_flight = 0  # article requests let through, response not yet back
        self._pool = make_pool(workers, depth=depth) if workers else None
        self._room: deque[Deferred] = deque()
        crawler.signals.connect(self.close, signal=signals.engine_stopped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        if workers:
            logger.info("extraction: %d worker process%s, backlog %d pages",
                        workers, "" if workers == 1 else "es", backlog)

    @classmethod
    def of(cls, crawler: Crawler) -> "CrawlExtraction":
        """The crawler's service, built from its settings on first use."""
        service = _SERVICES.get(crawler)
        if service is None:
            settings = crawler.settings
            workers = worker_count(settings.get("HARVEST_EXTRACT_WORKERS"))
            backlog = (settings.getint("HARVEST_EXTRACT_BACKLOG")
                       or settings.getint("CONCURRENT_REQUESTS") + 2 * max(1, workers))
            depth = settings.getint("HARVEST_EXTRACT_DEPTH", 2)
            service = _SERVICES[crawler] = cls(crawler, workers, backlog, depth)
        return service

    # -- extraction ---------------------------------------------------------
    async def extract(self, response: Response) -> dict[str, Any]:
        """The page's result ({"article": ...} or {"error": ...}, see harvester.extraction)
        plus "fetched_at", the time the response was handed over, to the second."""
        fetched_at = datetime.now(timezone.utc)
        job = PageJob.of(response.body, response.url, response.headers, status=response.status,
                         fetched_at=fetched_at)
        if self._pool is None:
            result = run_job(job)
        else:
            self.waiting += 1
            self.crawler.stats.max_value("harvest/extract/backlog_max", self.waiting)
            try:
                result = await maybe_deferred_to_future(self._submit(job))
            finally:
                self.waiting -= 1
                self._wake()
        return {**result, "fetched_at": fetched_at.isoformat(timespec="seconds")}

    def _submit(self, job: PageJob) -> Deferred:
        return deferred_of(self._pool.submit(run_job, job), outcome)

    # -- backpressure --------------------------------------------------------
    # A page counts against the backlog while its request is being downloaded
    # (`in_flight`: from the gate until its response or failure passes the gate again)
    # and while it waits for or is in extraction (`waiting`). A place is never held
    # outside the downloader (a retry or redirect goes back through the gate), so
    # held requests always get through once extraction moves on. Held requests are
    # let through one per free place, in order, each with its place taken for it.

    def _free(self) -> bool:
        return self.waiting + self.in_flight < self.backlog

    async def admit(self) -> None:
        """Wait (holding the request's downloader slot) until the page has a place."""
        if self._pool is None:
            return
        if self._free() and not self._room:
            self.in_flight += 1
            return
        place: Deferred = Deferred()
        self._room.append(place)
        self.crawler.stats.inc_value("harvest/extract/paused")
        await maybe_deferred_to_future(place)

    def arrived(self, meta: dict) -> None:
        """A request back from the downloader (response or failure) gives back its place."""
        if meta.pop(PLACED, False):
            self.in_flight -= 1
            self._wake()

    def _wake(self) -> None:
        while self._room and self._free():
            self.in_flight += 1
            self._room.popleft().callback(None)

    def spider_closed(self) -> None:
        """Where the crawl's CPU went, into the stats Scrapy is about to dump."""
        harvest_stats.record_cpu(self.crawler.stats, self._pool.cpu_seconds() if self._pool else 0.0)

    def close(self) -> Deferred | None:
        """Stop the workers; requests still held back are let go (the engine is stopping).

        The pool is stopped on a thread: a worker still importing its modules (a crawl
        answered by 304s never needed it) takes seconds to stop, and a reactor blocked that
        long makes Scrapy's own shutdown timers fire on top of the events they guard
        (AlreadyCalledError from the HTTP handler's connection-closing timeout).
        The engine waits for the returned Deferred.
        """
        self.backlog = self.waiting + self.in_flight + len(self._room) + 1
        self._wake()
        pool, self._pool = self._pool, None
        if pool is None:
            return None
        if pool.deaths:
            self.crawler.stats.set_value("harvest/extract/worker_deaths", pool.deaths)
        from twisted.internet.threads import deferToThread

        return deferToThread(pool.close, cancel=True)


class BackpressureMiddleware:
    """Downloader middleware: hold article requests while the extraction backlog is full.

    It sits late in the chain (after robots.txt, the incremental skip and politeness
    have decided) and early on the way back (before retries, redirects and backoffs
    turn a response into a new request), so a place is taken just before the
    download and given back as soon as it ends.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.service = CrawlExtraction.of(crawler)  # workers start now, warming up while Scrapy does

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "BackpressureMiddleware":
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        if request.meta.get(ARTICLE_META) and self.service.workers:
            await self.service.admit()
            request.meta[PLACED] = True
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        self.service.arrived(request.meta)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self.service.arrived(request.meta)
        return None
