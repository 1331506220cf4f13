"""Downloader middleware: back off when a site says "too much" and try again later.

A 429, a 503 or an anti-crawl verification page (WeChat's 环境异常 / 完成验证后即可继续访问,
classified by the extractor's own `page_status`) means the domain is being pushed too
hard. The middleware then doubles the domain's download delay (at least Retry-After,
at most HARVEST_BACKOFF_MAX_DELAY) and puts the request back at lower priority, so it
is fetched later and slower rather than immediately again as RetryMiddleware would.
After HARVEST_BACKOFF_RETRIES tries the response goes on: an HTTP error becomes a
failure, a verification page reaches the extractor as `blocked`, and neither is ever
stored as an article. AutoThrottle brings the delay down again on healthy responses.

It sits at 570: after decompression and redirects (so it sees the real page), before
RetryMiddleware (550), which would otherwise retry 429/503 at full speed.
"""
from __future__ import annotations

import logging
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response, TextResponse

logger = logging.getLogger(__name__)

BACKOFF_STATUSES = (429, 503)
# Cheap byte probes before parsing: a page without any of these cannot be a verification page.
_PROBES = tuple(m.encode("utf-8") for m in ("环境异常", "访问过于频繁", "完成验证", "验证", "操作频繁",
                                            "captcha", "CAPTCHA", "unusual traffic", "Access Denied",
                                            "access denied", "robot"))
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


def is_blocked_page(response: Response) -> bool:
    """A verification / anti-crawl page, judged like the extractor judges it."""
    if any(m in response.url for m in VERIFY_URL_MARKERS):
        return True
    if not isinstance(response, TextResponse) or response.status != 200:
        return False
    body = response.body
    if len(body) > MAX_PROBED_BYTES or not any(p in body for p in _PROBES):
        return False
    from harvester.extract.dom import Doc
    from harvester.extract.encoding import decode
    from harvester.extract.errors import ExtractionError
    from harvester.extract.status import page_status

    try:
        text, _ = decode(body, response.headers.get(b"Content-Type", b"").decode("latin-1"))
        return page_status(Doc.parse(text, response.url)) == "blocked"
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
        delay = self.slow_down(request, retry_after_seconds(response.headers.get(b"Retry-After")))
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
