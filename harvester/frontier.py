"""A crawl shared by several workers through Redis: scrapy-redis, plus leases.

scrapy-redis provides the shared request queue (a sorted set, score = -priority) and
the shared dupefilter (a set of fingerprints). What an archive needs on top of it is
built here, and only that:

- **Leases.** scrapy-redis deletes a request when a worker pops it, so a worker that
  dies loses every request it held. Here a pop moves the request, in one Lua script,
  into the worker's lease hash. The lease is acknowledged (deleted) when the engine is
  done with the request: its response went through the callback and every item it
  gave is through the pipeline (stored, counted), or its failure went through the
  errback, or it was handed on (a redirect, a retry, a backoff) as a new request,
  which is pushed and acknowledged in one Lua step. The dupefilter check and the push
  are one step too, so a fingerprint is never marked seen without its request queued.
- **Heartbeats.** Each worker keeps a key that expires after 3/4 of
  HARVEST_FRONTIER_LEASE_TIMEOUT and refreshes it four times per timeout. Every worker
  checks the others as often: a worker whose key has expired is dead, and its leases go
  back on the queue (one Lua script, so two workers never requeue them twice). A dead
  worker's requests are therefore back within HARVEST_FRONTIER_LEASE_TIMEOUT seconds.
- **Our fingerprints.** The dupefilter keys on harvester.urls' canonical fingerprint,
  like the single-process crawl, not on scrapy-redis' own.
- **Seeds pushed once.** Every worker may push the start requests; they go through the
  dupefilter even when marked `dont_filter` (feeds are), so pushing them again adds
  nothing within a run.
- **What is archived, for everyone.** When a worker has stored an article, the
  article's canonical URL goes into a hash shared by all crawls on the server, with the
  response's validators (ETag, Last-Modified) and its capture. Every worker's
  incremental middleware consults it (`SharedArchiveIndex`): an article archived by any
  worker is not fetched again, and a refresh asks with the validators another worker saw.
- **When to stop.** A worker stops when the queue is empty and no worker holds a lease
  (a lease may still yield new requests, or come back when its worker dies), or after
  HARVEST_FRONTIER_IDLE seconds of idling when that is set. The last worker out of a
  finished run clears the dupefilter, so the next run reads the feeds again.
- **Losing Redis.** A worker whose Redis call fails stops at once and acknowledges
  nothing more; what it held stays leased and goes back when Redis is up again and the
  worker's heartbeat has expired (docs/scale-out.md: persistence).

Redis keys, under `<HARVEST_FRONTIER_PREFIX>:<crawl name>` (the source name, or
"urls" for a crawl of loose URLs):

    :requests      zset    scrapy-redis' queue
    :dupefilter    set     fingerprints seen in this run
    :workers       set     worker ids
    :alive:<id>    string  a worker's heartbeat (expires)
    :leases:<id>   hash    lease id -> "<score>:<request>", popped and not yet done
    :lease-ids     counter

and `<HARVEST_FRONTIER_PREFIX>:archived` (hash: canonical URL -> JSON of validators and
capture), shared by every crawl on the server and kept across runs.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from functools import cached_property
from typing import Any

from redis.exceptions import RedisError
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from harvester.sources import check_frontier_url
from harvester.urls import canonicalize_url

logger = logging.getLogger(__name__)

LEASE_META = "frontier_lease"


def ping(url: str, timeout: float = 5.0) -> None:
    """Raise redis-py's error unless the Redis server at `url` answers."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()


def frontier_settings(url: str, name: str, prefix: str = "harvest") -> dict[str, Any]:
    """The Scrapy settings that make a crawl named `name` one worker of the frontier at `url`."""
    base = f"{prefix}:{name}"
    return {
        "HARVEST_FRONTIER": check_frontier_url(url),
        "HARVEST_FRONTIER_NAME": base,
        "REDIS_URL": url,
        "SCHEDULER": "harvester.frontier.FrontierScheduler",
        "SCHEDULER_QUEUE_CLASS": "harvester.frontier.LeasedQueue",
        "SCHEDULER_QUEUE_KEY": f"{base}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{base}:dupefilter",
        "DUPEFILTER_CLASS": "harvester.frontier.CanonicalDupeFilter",
        "SCHEDULER_PERSIST": True,  # one worker ending must never flush the shared queue
    }


# Pop the best request into the worker's lease hash. KEYS: queue, leases, lease-ids.
POP_LEASE = """
local found = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #found == 0 then return false end
redis.call('ZREM', KEYS[1], found[1])
local id = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[2], id, found[2] .. ':' .. found[1])
return {id, found[1]}
"""

# Queue a request unless its fingerprint is known, and drop the lease of the request it
# continues, in one step: a worker killed in between must not leave a fingerprint marked
# seen whose request never reached the queue. KEYS: queue, dupefilter, leases.
# ARGV: score, request, fingerprint ("" = do not filter), lease ("" = none). 1 if queued.
PUSH = """
if ARGV[3] ~= '' and redis.call('SADD', KEYS[2], ARGV[3]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
if ARGV[4] ~= '' then redis.call('HDEL', KEYS[3], ARGV[4]) end
return 1
"""

# Put a lease hash's requests back on the queue and drop it. Shared by REAP and RETIRE.
_REQUEUE = """
local function requeue(queue, leases)
  local held = redis.call('HGETALL', leases)
  for i = 2, #held, 2 do
    local value = held[i]
    local colon = string.find(value, ':', 1, true)
    redis.call('ZADD', queue, tonumber(string.sub(value, 1, colon - 1)), string.sub(value, colon + 1))
  end
  redis.call('DEL', leases)
  return #held / 2
end
"""

# Requeue the leases of every worker whose heartbeat expired. KEYS: workers, queue.
# ARGV: key base, own id. Returns the number of requests put back.
REAP = _REQUEUE + """
local count = 0
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if worker ~= ARGV[2] and redis.call('EXISTS', ARGV[1] .. ':alive:' .. worker) == 0 then
    count = count + requeue(KEYS[2], ARGV[1] .. ':leases:' .. worker)
    redis.call('SREM', KEYS[1], worker)
  end
end
return count
"""

# A worker leaves: its leases (none after a clean finish) go back; if it was the last
# worker of a finished run and the queue is empty, the run's dupefilter goes too.
# KEYS: workers, queue, dupefilter. ARGV: key base, own id, "1" if finished.
RETIRE = _REQUEUE + """
local count = requeue(KEYS[2], ARGV[1] .. ':leases:' .. ARGV[2])
redis.call('SREM', KEYS[1], ARGV[2])
redis.call('DEL', ARGV[1] .. ':alive:' .. ARGV[2])
if ARGV[3] == '1' and redis.call('SCARD', KEYS[1]) == 0 and redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[3])
  return {count, 1}
end
return {count, 0}
"""

# Leases held by any registered worker. KEYS: workers. ARGV: key base.
LEASED = """
local count = 0
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  count = count + redis.call('HLEN', ARGV[1] .. ':leases:' .. worker)
end
return count
"""


class LeasedQueue(PriorityQueue):
    """scrapy-redis' priority queue whose pop leases instead of deleting.

    The scheduler sets `base` (the key prefix) and `worker` (this worker's id) after
    building it.
    """

    base: str
    worker: str

    @cached_property
    def scripts(self) -> dict[str, Any]:
        """The Lua scripts, registered once (redis-py runs them by SHA, loading them when needed)."""
        return {name: self.server.register_script(body) for name, body in
                (("push", PUSH), ("pop", POP_LEASE), ("reap", REAP), ("retire", RETIRE), ("leased", LEASED))}

    @property
    def leases_key(self) -> str:
        return f"{self.base}:leases:{self.worker}"

    @property
    def workers_key(self) -> str:
        return f"{self.base}:workers"

    def push(self, request: Request, ack: str | None = None, fingerprint: str = "",
             dupefilter_key: str = "") -> bool:
        """Queue `request` unless `fingerprint` is already in the dupefilter; False if it was.

        If it continues a leased request (`ack`: a redirect, a retry), that lease goes in
        the same step.
        """
        return bool(self.scripts["push"](
            keys=[self.key, dupefilter_key or f"{self.base}:dupefilter", self.leases_key],
            args=[-request.priority, self._encode_request(request), fingerprint, ack or ""]))

    def pop(self, timeout: int = 0) -> Request | None:
        found = self.scripts["pop"](keys=[self.key, self.leases_key, f"{self.base}:lease-ids"])
        if not found:
            return None
        lease, data = found
        request = self._decode_request(data)
        request.meta[LEASE_META] = lease.decode() if isinstance(lease, bytes) else str(lease)
        return request

    def ack(self, lease: str) -> None:
        self.server.hdel(self.leases_key, lease)

    def beat(self, ttl_ms: int) -> None:
        """Say this worker is alive (and registered: another may have given it up for dead)."""
        pipe = self.server.pipeline(transaction=True)
        pipe.sadd(self.workers_key, self.worker)
        pipe.set(f"{self.base}:alive:{self.worker}", os.getpid(), px=ttl_ms)
        pipe.execute()

    def reap(self) -> int:
        """Requeue the leases of dead workers; how many requests went back."""
        return int(self.scripts["reap"](keys=[self.workers_key, self.key], args=[self.base, self.worker]))

    def leased(self) -> int:
        """Requests leased by any worker of this crawl right now."""
        return int(self.scripts["leased"](keys=[self.workers_key], args=[self.base]))

    def retire(self, dupefilter_key: str, finished: bool) -> tuple[int, bool]:
        """Leave the crawl; (requests put back, whether this ended the run)."""
        count, ended = self.scripts["retire"](keys=[self.workers_key, self.key, dupefilter_key],
                                                 args=[self.base, self.worker, "1" if finished else "0"])
        return int(count), bool(ended)


class CanonicalDupeFilter(RFPDupeFilter):
    """scrapy-redis' shared dupefilter, keyed on the crawler's fingerprinter (canonical URLs)."""

    fingerprinter: Any = None

    @classmethod
    def from_spider(cls, spider) -> "CanonicalDupeFilter":
        dupefilter = super().from_spider(spider)
        dupefilter.fingerprinter = spider.crawler.request_fingerprinter
        return dupefilter

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()


class _AckOnRemove(set):
    """The engine's set of requests in progress, telling the scheduler when one is done.

    Scrapy removes a scheduled request from this set only after everything it caused
    has run: the callback and the item pipeline for every item it yielded, or the
    errback, or the scheduling of the request a middleware returned instead. Scrapy has
    no signal for that moment, and it is exactly when a lease may be acknowledged.
    """

    def __init__(self, items: set, done) -> None:
        super().__init__(items)
        self.done = done

    def remove(self, request: Request) -> None:
        super().remove(request)
        self.done(request)


class FrontierScheduler(Scheduler):
    """scrapy-redis' scheduler with leases, heartbeats, seeds pushed once and the exit rule."""

    crawler: Crawler
    worker_id: str

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "FrontierScheduler":
        scheduler = super().from_crawler(crawler)
        settings = crawler.settings
        scheduler.crawler = crawler
        scheduler.base = settings.get("HARVEST_FRONTIER_NAME")
        scheduler.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        timeout = settings.getfloat("HARVEST_FRONTIER_LEASE_TIMEOUT", 30.0)
        scheduler.ttl_ms = max(1, int(timeout * 750))
        scheduler.interval = timeout / 4
        scheduler.idle_limit = settings.getfloat("HARVEST_FRONTIER_IDLE", 0.0)
        scheduler.idle_since = None
        scheduler.heartbeat = None
        scheduler.lost = None  # why Redis is unusable, once it is
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(scheduler.item_scraped, signal=signals.item_scraped)
        scheduler.archived_key = archived_key(settings)
        return scheduler

    def open(self, spider) -> None:
        super().open(spider)
        self.queue.base = self.base
        self.queue.worker = self.worker_id
        self.queue.beat(self.ttl_ms)
        slot = self.crawler.engine._slot
        slot.inprogress = _AckOnRemove(slot.inprogress, self.request_done)
        self.heartbeat = task.LoopingCall(self.tick)
        self.heartbeat.start(self.interval, now=True)
        logger.info("frontier %s: worker %s joined (%d requests queued, %d leased)",
                    self.base, self.worker_id, len(self.queue), self.queue.leased())

    def close(self, reason: str) -> None:
        if self.heartbeat is not None and self.heartbeat.running:
            self.heartbeat.stop()
        if self.lost is not None:
            return
        try:
            requeued, ended = self.queue.retire(self.df.key, reason == "finished")
        except RedisError as exc:
            logger.error("frontier %s: could not leave cleanly (%s); others will take back its leases",
                         self.base, exc)
            return
        if requeued:
            logger.info("frontier %s: %d unfinished requests put back", self.base, requeued)
        if ended:
            logger.info("frontier %s: run finished, dupefilter cleared", self.base)

    # -- the engine's side

    def enqueue_request(self, request: Request) -> bool:
        if self.lost is not None:
            return False  # its parent keeps its lease, so it comes again
        lease = request.meta.pop(LEASE_META, None)
        # A start request is pushed by every worker: filter it even if dont_filter (feeds are).
        # Its retries and redirects carry a lease and keep their dont_filter.
        seed = request.meta.get("is_start_request") and lease is None
        fingerprint = self.df.request_fingerprint(request) if (not request.dont_filter or seed) else ""
        try:
            queued = self.queue.push(request, ack=lease, fingerprint=fingerprint, dupefilter_key=self.df.key)
        except RedisError as exc:
            self.lose(exc)
            return False
        if not queued:
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self.lost is not None:
            return None
        try:
            request = self.queue.pop()
        except RedisError as exc:
            self.lose(exc)
            return None
        if request is not None:
            self.idle_since = None
            if self.stats:
                self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        if self.lost is not None:
            return False
        try:
            return len(self.queue) > 0
        except RedisError as exc:
            self.lose(exc)
            return False

    def request_done(self, request: Request) -> None:
        lease = request.meta.get(LEASE_META)
        if lease is None or self.lost is not None:
            return  # without Redis the lease stays, and goes back once this worker is seen dead
        try:
            self.queue.ack(lease)
        except RedisError as exc:
            self.lose(exc)

    def lose(self, exc: Exception) -> None:
        """Redis is gone: acknowledge nothing more, queue nothing more, stop this worker.

        What it leased stays leased; when Redis is back, another worker finds this one's
        heartbeat expired and puts those requests back. With Redis' append-only file a
        crash loses at most the last writes, and those in order, so nothing is lost.
        """
        if self.lost is not None:
            return
        self.lost = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        logger.error("frontier %s: lost the Redis server (%s); stopping this worker", self.base, self.lost)
        failures = getattr(self.spider, "failures", None)
        if failures is not None:
            failures.append((self.base, f"lost the frontier's Redis server: {self.lost}"))
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="frontier_lost"))

    def item_scraped(self, item: Any, response: Any, spider) -> None:
        """An article is stored: tell every worker, with what a refresh needs to ask conditionally."""
        if getattr(item, "status", None) == "article" and self.lost is None:
            try:
                remember_archived(self.server, self.archived_key, item, response)
            except RedisError as exc:
                self.lose(exc)

    # -- liveness

    def tick(self) -> None:
        """Heartbeat first (a slow worker must not requeue its own leases), then reap the dead."""
        if self.lost is not None:
            return
        try:
            self.queue.beat(self.ttl_ms)
            requeued = self.queue.reap()
        except RedisError as exc:
            self.lose(exc)
            return
        if requeued:
            logger.warning("frontier %s: put back %d requests of dead workers", self.base, requeued)
            if self.stats:
                self.stats.inc_value("harvest/frontier/requeued", requeued)

    def spider_idle(self, spider) -> None:
        """Keep the worker while the crawl may still grow; let it go when it cannot."""
        self.tick()
        if self.lost is not None:
            return
        try:
            queued, leased = len(self.queue), self.queue.leased()
        except RedisError as exc:
            self.lose(exc)
            return
        if queued:
            raise DontCloseSpider
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if self.idle_limit and now - self.idle_since >= self.idle_limit:
            logger.info("frontier %s: idle for %.0fs, leaving", self.base, now - self.idle_since)
            return
        if leased:
            raise DontCloseSpider


def archived_key(settings) -> str:
    return f"{settings.get('HARVEST_FRONTIER_PREFIX') or 'harvest'}:archived"


def remember_archived(server, key: str, item: Any, response: Any) -> None:
    """Record a stored article (an ExtractedPage) in the shared `archived` hash."""
    canonical = canonicalize_url(item.article.get("canonical_url") or item.url)
    headers = getattr(response, "headers", None) or {}
    validators = {name: headers.get(name).decode("latin-1") for name in ("ETag", "Last-Modified")
                  if headers.get(name)}
    pointer = item.warc or {}
    capture = None
    if pointer.get("record_type") == "response" and pointer.get("status") == 200:
        capture = {k: pointer.get(k) for k in ("warc_record_id", "url", "fetched_at", "payload_digest")}
    server.hset(key, canonical, json.dumps({"validators": validators, "capture": capture}))


class SharedArchiveIndex:
    """A worker's own archive index (harvester.incremental.ArchiveIndex) plus what any worker archived."""

    def __init__(self, local: Any, settings) -> None:
        import redis

        self.local = local
        self.server = redis.Redis.from_url(settings.get("HARVEST_FRONTIER"))
        self.key = archived_key(settings)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.local, name)

    def has(self, canonical: str) -> bool:
        if self.local.has(canonical):
            return True
        try:
            return bool(self.server.hexists(self.key, canonical))
        except RedisError:  # the scheduler stops the worker; this request stays leased
            return False

    def validators(self, url: str, canonical: str) -> tuple[dict[str, str], dict[str, Any] | None]:
        """The validators of the newest capture, this worker's own or the one another worker noted."""
        found = self.local.validators(url, canonical)
        try:
            raw = self.server.hget(self.key, canonical)
        except RedisError:
            return found
        if not raw:
            return found
        entry = json.loads(raw)
        shared = (entry.get("validators") or {}, entry.get("capture"))
        if not shared[0]:
            return found
        if found[0] and _fetched_at(found[1]) >= _fetched_at(shared[1]):
            return found
        return shared


def _fetched_at(capture: dict[str, Any] | None) -> str:
    return (capture or {}).get("fetched_at") or ""
