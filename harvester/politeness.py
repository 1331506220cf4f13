"""Downloader middleware: back off when a site says "too much" and try again later.

A 429, a 503 or an anti-crawl verification page (WeChat's 环境异常 / 完成验证后即可继续访问,
judged by the extractor's own `marker_status` on the one list of blocked markers in
boilerplate_rules.toml) means the domain is being pushed too
hard. The middleware then doubles the domain's download delay (at least Retry-After,
at most HARVEST_BACKOFF_MAX_DELAY) and puts the request back at lower priority, so it
is fetched later and slower rather than immediately again as RetryMiddleware would.
After HARVEST_BACKOFF_RETRIES tries the response goes on: an HTTP error becomes a
failure, a verification page reaches the extractor as `blocked`, and neither is ever
stored as an article. AutoThrottle brings the delay down again on healthy responses.
In a crawl shared by several workers, the cluster middlewares at the end of this file
make the delay, the concurrency, the backoffs and robots.txt hold for all of them.

It sits at 570: after decompression and redirects (so it sees the real page), before
RetryMiddleware (550), which would otherwise retry 429/503 at full speed.
"""
from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any

from redis.exceptions import RedisError
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response, TextResponse
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler

from harvester import signals as harvest_signals
from harvester.incremental import HarvestSkip

logger = logging.getLogger(__name__)

BACKOFF_STATUSES = (429, 503)
VERIFY_URL_MARKERS = ("/mp/verifycode", "wappoc_appmsgcaptcha", "/mp/readtemplate?t=pages/verify")
MAX_PROBED_BYTES = 300_000  # verification pages are small; articles are not re-parsed here


def retry_after_seconds(value: bytes | str | None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


@lru_cache(maxsize=1)
def blocked_probes() -> tuple[bytes, ...]:
    """Cheap byte probes before parsing, from the one list of blocked markers (the rules
    file's `[status] blocked_markers`, which the extractor uses too): a page containing
    none of them, in UTF-8 or GB18030, lower-cased, cannot be a verification page."""
    from harvester.extract.rules import load_rules

    probes = set()
    for marker in load_rules().status.blocked_markers:
        for encoding in ("utf-8", "gb18030"):
            probes.add(marker.lower().encode(encoding))
    return tuple(sorted(probes))


def is_blocked_page(response: Response) -> bool:
    """A verification / anti-crawl page, judged like the extractor judges it."""
    if any(m in response.url for m in VERIFY_URL_MARKERS):
        return True
    if not isinstance(response, TextResponse) or response.status != 200:
        return False
    body = response.body
    if len(body) > MAX_PROBED_BYTES:
        return False
    lowered = body.lower()  # ASCII only: CJK bytes are left alone
    if not any(p in lowered for p in blocked_probes()):
        return False
    from harvester.extract.dom import Doc
    from harvester.extract.encoding import decode
    from harvester.extract.errors import ExtractionError
    from harvester.extract.rules import load_rules
    from harvester.extract.status import marker_status

    try:
        text, _ = decode(body, response.headers.get(b"Content-Type", b"").decode("latin-1"))
        verdict = marker_status(Doc.parse(text, response.url), load_rules())
        return verdict is not None and verdict.status == "blocked"
    except ExtractionError:
        return False


class PolitenessMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.max_retries = settings.getint("HARVEST_BACKOFF_RETRIES", 3)
        self.max_delay = settings.getfloat("HARVEST_BACKOFF_MAX_DELAY", 300.0)
        self.min_delay = settings.getfloat("HARVEST_BACKOFF_MIN_DELAY", 5.0)
        self.detect_blocked = settings.getbool("HARVEST_BACKOFF_ON_BLOCKED", True)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "PolitenessMiddleware":
        if not crawler.settings.getbool("HARVEST_BACKOFF_ENABLED", True):
            raise NotConfigured
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status in BACKOFF_STATUSES:
            reason = str(response.status)
        elif self.detect_blocked and request.meta.get("harvest_article") and is_blocked_page(response):
            reason = "blocked"
        else:
            return response
        stats = self.crawler.stats
        stats.inc_value(f"harvest/backoff/{reason}")
        retry_after = retry_after_seconds(response.headers.get(b"Retry-After"))
        delay = self.slow_down(request, retry_after)
        # In a shared crawl every worker slows down too (ClusterPolitenessMiddleware).
        self.crawler.signals.send_catch_log(harvest_signals.domain_backed_off, request=request,
                                            delay=max(delay, self.min_delay, retry_after or 0.0))
        tries = request.meta.get("harvest_backoff", 0)
        if tries >= self.max_retries:
            stats.inc_value(f"harvest/backoff/gave_up/{reason}")
            logger.warning("giving up on %s after %d backoffs (%s)", request.url, tries, reason)
            request.meta["dont_retry"] = True  # RetryMiddleware must not hammer it again now
            return response
        logger.info("backing off %s (%s): domain delay now %.1fs, try %d of %d",
                    request.url, reason, delay, tries + 1, self.max_retries)
        retry = request.replace(dont_filter=True, priority=request.priority - 10)
        retry.meta["harvest_backoff"] = tries + 1
        retry.meta.pop("warc", None)
        return retry

    def slow_down(self, request: Request, retry_after: float | None) -> float:
        """Raise the download delay of the request's slot (its domain); return the new delay."""
        try:
            downloader = self.crawler.engine.downloader
        except (AttributeError, RuntimeError):  # no engine yet (a component test)
            return 0.0
        key = downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is None:
            return 0.0
        delay = max(slot.delay * 2, self.min_delay, retry_after or 0.0)
        slot.delay = min(delay, self.max_delay)
        return slot.delay


# -- Politeness for a crawl shared by several workers (harvester.frontier) --------------------
#
# Each process's downloader spaces and caps requests per domain on its own; several
# workers would multiply both. In a shared crawl the per-domain delay and concurrency
# hold for the whole cluster instead: before a request goes out its worker takes a token
# from the domain's bucket in Redis (one Lua script, Redis' own clock), and gives its
# concurrency slot back when the request leaves the downloader (the whole answer is in,
# or the download failed). Backoffs and robots.txt are shared too.

# KEYS: the domain's bucket (hash), its open requests (zset: token -> expiry ms).
# ARGV: delay ms, concurrency, burst, hold ms (a dead worker's slot expires), token.
# Returns 0 when the request may go, else milliseconds to wait before asking again.
TAKE_TOKEN = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local delay, concurrency, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= concurrency then
  return 20
end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts', 'backoff', 'backoff_until')
local backoff_until = tonumber(state[4]) or 0
if backoff_until > now then delay = math.max(delay, tonumber(state[3]) or 0) end
local tokens = tonumber(state[1]) or burst
local last = tonumber(state[2]) or now
if delay > 0 then tokens = math.min(burst, tokens + (now - last) / delay) else tokens = burst end
if tokens < 1 then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
  return math.max(1, math.ceil((1 - tokens) * delay))
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.max(60000, delay * 10, backoff_until - now))
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[5])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[4]))
return 0
"""

# KEYS: the domain's bucket. ARGV: delay ms, how long it holds (ms). A longer backoff wins.
BACK_OFF = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'backoff', 'backoff_until')
if (tonumber(state[2]) or 0) > now and (tonumber(state[1]) or 0) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'backoff', ARGV[1], 'backoff_until', now + tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + 60000)
return 1
"""

TOKEN_META = "harvest_cluster_token"

# KEYS: the shared robots.txt body, its fetching lock. ARGV: lock ms. The body if another
# worker stored it; else 1 if this worker took the lock (it fetches), 0 if another holds it.
# One step: as two commands, a body stored and its lock dropped between this worker's
# GET and SET NX let it take the lock and fetch robots.txt a second time.
CLAIM_ROBOTS = """
local body = redis.call('GET', KEYS[1])
if body then return {body} end
if redis.call('SET', KEYS[2], 1, 'NX', 'PX', tonumber(ARGV[1])) then return 1 end
return 0
"""


class ClusterPolitenessMiddleware:
    """Per-domain delay and concurrency for all workers of a shared crawl, from Redis.

    HARVEST_CLUSTER_DELAY seconds between requests to one domain (a token bucket of
    HARVEST_CLUSTER_BURST tokens) and at most HARVEST_CLUSTER_CONCURRENCY requests open to
    it, counted over every worker; `with_frontier` sets both from the crawl's
    DOWNLOAD_DELAY and CONCURRENT_REQUESTS_PER_DOMAIN and leaves the local downloader
    without a delay of its own. A backoff (429, 503, verification page) anywhere raises
    the domain's delay for everyone for HARVEST_CLUSTER_BACKOFF_SPAN times its length.

    It sits at 960, the last process_request before the download (after robots.txt and
    the incremental skips, so nothing takes a token that is not sent).
    """

    def __init__(self, crawler: Crawler, server, prefix: str) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.server = server
        self.prefix = prefix
        self.delay_ms = int(settings.getfloat("HARVEST_CLUSTER_DELAY", 0.0) * 1000)
        self.concurrency = max(1, settings.getint("HARVEST_CLUSTER_CONCURRENCY", 1))
        self.burst = max(1, settings.getint("HARVEST_CLUSTER_BURST", 1))
        self.hold_ms = int((settings.getfloat("DOWNLOAD_TIMEOUT", 180) + 30) * 1000)
        self.backoff_span = settings.getfloat("HARVEST_CLUSTER_BACKOFF_SPAN", 10.0)
        self.take = server.register_script(TAKE_TOKEN)
        self.back_off = server.register_script(BACK_OFF)
        self.waiting: dict[str, Any] = {}  # domain -> DeferredLock: one poller per domain per worker
        # Slot names must differ between workers, on any machine: id(self) alone repeats where
        # address randomisation is off, and two workers' slots would count as one.
        self.worker = uuid.uuid4().hex
        self.tokens = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ClusterPolitenessMiddleware":
        settings = crawler.settings
        if not settings.get("HARVEST_FRONTIER"):
            raise NotConfigured
        import redis

        server = redis.Redis.from_url(settings.get("HARVEST_FRONTIER"))
        middleware = cls(crawler, server, settings.get("HARVEST_FRONTIER_PREFIX") or "harvest")
        crawler.signals.connect(middleware.domain_backed_off, signal=harvest_signals.domain_backed_off)
        crawler.signals.connect(middleware.request_left_downloader, signal=signals.request_left_downloader)
        return middleware

    def _keys(self, request: Request) -> list[str]:
        domain = urlparse_cached(request).hostname or ""
        return [f"{self.prefix}:domain:{domain}", f"{self.prefix}:domain:{domain}:open"]

    async def process_request(self, request: Request) -> None:
        from twisted.internet import reactor
        from twisted.internet.defer import DeferredLock
        from twisted.internet.task import deferLater

        keys = self._keys(request)
        lock = self.waiting.setdefault(keys[0], DeferredLock())
        await maybe_deferred_to_future(lock.acquire())
        try:
            self.tokens += 1
            token = f"{self.worker}:{self.tokens}"
            while True:
                try:
                    wait_ms = self.take(keys=keys, args=[self.delay_ms, self.concurrency, self.burst,
                                                         self.hold_ms, token])
                except RedisError as exc:
                    # The frontier is gone too: the request stays leased and comes back; not an error.
                    raise HarvestSkip(f"no politeness token without Redis: {exc}") from None
                if not wait_ms:
                    break
                await maybe_deferred_to_future(deferLater(reactor, int(wait_ms) / 1000))
        finally:
            lock.release()
        request.meta[TOKEN_META] = token
        self.crawler.stats.inc_value("harvest/cluster/tokens")
        return None

    def _give_back(self, request: Request) -> None:
        token = request.meta.pop(TOKEN_META, None)
        if token is not None:
            try:
                self.server.zrem(self._keys(request)[1], token)
            except RedisError:  # the slot expires by itself (hold time)
                logger.warning("could not give back the politeness slot of %s", request.url)

    def request_left_downloader(self, request: Request, spider: Any = None) -> None:
        """The answer is in, or the download failed: the slot goes back.

        Not in process_response: a middleware above this one that raises there (the WARC
        guard on a full disk) would skip it, and the slot would stay taken until it expires.
        """
        self._give_back(request)

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._give_back(request)  # a request that took a token and never reached the downloader
        return None

    def domain_backed_off(self, request: Request, delay: float) -> None:
        """Another 429 / verification page: the whole cluster waits `delay` between requests."""
        delay_ms = int(delay * 1000)
        try:
            if self.back_off(keys=self._keys(request)[:1], args=[delay_ms, int(delay_ms * self.backoff_span)]):
                self.crawler.stats.inc_value("harvest/cluster/backoff")
        except RedisError:
            logger.warning("could not share the backoff of %s", request.url)


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware; in a shared crawl one worker fetches, all read it from Redis.

    The body is kept for HARVEST_ROBOTS_TTL seconds under `<prefix>:robots:<scheme>://<host>`;
    a worker that finds no body takes the `...:fetching` lock (in the same step) and fetches
    it while the others wait for it (at most HARVEST_ROBOTS_WAIT seconds, then they fetch it
    themselves). Without a frontier it is Scrapy's middleware unchanged.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        url = crawler.settings.get("HARVEST_FRONTIER")
        self.server = None
        if url:
            import redis

            self.server = redis.Redis.from_url(url)
            self.claim_script = self.server.register_script(CLAIM_ROBOTS)
        self.prefix = crawler.settings.get("HARVEST_FRONTIER_PREFIX") or "harvest"
        self.ttl = crawler.settings.getint("HARVEST_ROBOTS_TTL", 86400)
        self.wait = crawler.settings.getfloat("HARVEST_ROBOTS_WAIT", 60.0)

    def _key(self, request: Request) -> str:
        url = urlparse_cached(request)
        return f"{self.prefix}:robots:{url.scheme}://{url.netloc}"

    async def robot_parser(self, request: Request):
        netloc = urlparse_cached(request).netloc
        if self.server is not None and netloc not in self._parsers:
            body = await self._shared_body(request)
            if body is not None and netloc not in self._parsers:
                self._parsers[netloc] = build_from_crawler(self._parserimpl, self.crawler, body)
                self._stats.inc_value("robotstxt/shared")
        return await super().robot_parser(request)

    async def _shared_body(self, request: Request) -> bytes | None:
        """The body another worker fetched, waiting for it if one is fetching; None: fetch it here."""
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        deadline = time.monotonic() + self.wait
        while True:
            try:
                claim = self.claim(request)
            except RedisError:
                return None
            if claim is not False:
                return claim
            if time.monotonic() > deadline:
                return None
            await maybe_deferred_to_future(deferLater(reactor, 0.05))

    def claim(self, request: Request) -> bytes | None | bool:
        """The shared body; None: this worker took the lock and fetches it; False: wait."""
        key = self._key(request)
        found = self.claim_script(keys=[key, f"{key}:fetching"], args=[int(self.wait * 1000)])
        if isinstance(found, list):
            return found[0]
        return None if found else False

    def share(self, request: Request, response: Response) -> None:
        """Store the fetched robots.txt for the other workers (not a server error) and drop the lock."""
        key = self._key(request)
        pipe = self.server.pipeline(transaction=True)
        if response.status < 500:
            pipe.set(key, response.body, ex=self.ttl)
        pipe.delete(f"{key}:fetching")
        pipe.execute()

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if self.server is not None:
            try:
                self.share(request, response)
            except RedisError:
                logger.warning("could not share %s/robots.txt", netloc)
        await super()._parse_robots(response, netloc, request)
