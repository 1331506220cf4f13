"""Progress of a `harvest crawl`: one display for the whole process, however many crawlers.

`harvest crawl a b` runs one Scrapy crawler per source in one process; each gets a
`Progress` extension, and they all report to the process's one `ProgressBoard`, which
sums their stats. On a terminal the board redraws one line in place; anywhere else (a
pipe, a log file, CI, the scheduler's per-source logs) it writes a timestamped line every
HARVEST_PROGRESS_INTERVAL seconds: fetched, stored, rate, queue.
"""
from __future__ import annotations

import sys
import time
from collections import deque
from datetime import datetime
from typing import ClassVar, TextIO

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from harvester.stats import outcomes

try:  # Scrapy >= 2.14 picks asyncio's or Twisted's loop itself
    from scrapy.utils.asyncio import create_looping_call
except ImportError:  # Scrapy 2.13: always on a Twisted reactor
    from twisted.internet.task import LoopingCall as create_looping_call

TTY_INTERVAL = 0.2  # seconds between redraws of the terminal line


def timestamp() -> str:
    """Local time with its UTC offset, to the second: the prefix of every log-style line."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def queued(crawler: Crawler) -> int:
    """Requests waiting in the crawler's scheduler plus those being downloaded (0 before start)."""
    try:
        engine = crawler.engine
    except RuntimeError:  # Scrapy >= 2.19 raises instead of answering None before the crawl starts
        return 0
    if engine is None:
        return 0
    slot = getattr(engine, "_slot", None)
    scheduler = getattr(engine, "scheduler", None) or getattr(slot, "scheduler", None)
    try:
        waiting = len(scheduler) if scheduler is not None else 0
    except TypeError:  # a scheduler without __len__ (the BaseScheduler interface does not require it)
        waiting = 0
    return waiting + len(getattr(engine.downloader, "active", ()))


class ProgressBoard:
    """The crawlers of this process, summed into one progress display."""

    current: ClassVar["ProgressBoard | None"] = None

    def __init__(self, stream: TextIO, interval: float) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.interval = TTY_INTERVAL if self.tty else interval
        self.crawlers: list[Crawler] = []
        self.open: set[int] = set()  # id() of crawlers whose spider is running
        self.samples: deque[tuple[float, int]] = deque()
        self.task = None
        self.finished = False

    @classmethod
    def shared(cls, stream: TextIO, interval: float) -> "ProgressBoard":
        """The board of the crawl being set up; a new one once the previous crawl has ended."""
        if cls.current is None or cls.current.finished:
            cls.current = cls(stream, interval)
        return cls.current

    def add(self, crawler: Crawler) -> None:
        self.crawlers.append(crawler)

    def spider_opened(self, crawler: Crawler) -> None:
        self.open.add(id(crawler))
        if self.task is None:
            self.samples.append((time.monotonic(), 0))  # the first line's rate counts from the start
            self.task = create_looping_call(self.tick)
            self.task.start(self.interval, now=False)

    def spider_closed(self, crawler: Crawler) -> None:
        self.open.discard(id(crawler))
        if self.open or self.finished:
            return
        self.finished = True
        if self.task is not None and self.task.running:
            self.task.stop()
        self.tick()  # the final state: on a terminal it stays on screen, the summary goes below
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()

    # -- what the line says ------------------------------------------------------------
    def totals(self) -> tuple[int, dict[str, int], int]:
        fetched, counts, queue = 0, {}, 0
        for crawler in self.crawlers:
            if crawler.stats is None:
                continue
            fetched += crawler.stats.get_value("response_received_count", 0)
            for name, n in outcomes(crawler.stats).items():
                counts[name] = counts.get(name, 0) + n
            queue += queued(crawler)
        return fetched, counts, queue

    def rate(self, fetched: int, now: float) -> float:
        """Pages fetched per second over the last ~10 s (or one interval, when longer)."""
        self.samples.append((now, fetched))
        window = max(10.0, self.interval)
        while len(self.samples) > 2 and now - self.samples[1][0] >= window:
            self.samples.popleft()
        first_time, first_count = self.samples[0]
        return (fetched - first_count) / (now - first_time) if now > first_time else 0.0

    def line(self, now: float | None = None) -> str:
        fetched, counts, queue = self.totals()
        rate = self.rate(fetched, time.monotonic() if now is None else now)
        stored = counts.get("new", 0) + counts.get("changed", 0)
        parts = [f"fetched {fetched}", f"stored {stored}"]
        parts += [f"{name} {n}" for name, n in counts.items() if n and name not in ("new", "changed")]
        parts += [f"{rate:.1f} pages/s", f"queue {queue}"]
        return "harvest: " + " · ".join(parts)

    def tick(self) -> None:
        if self.tty:
            self.stream.write("\r" + self.line() + "\x1b[K")
        else:
            self.stream.write(f"{timestamp()} {self.line()}\n")
        self.stream.flush()


class Progress:
    """Scrapy extension (HARVEST_PROGRESS): joins this crawler to the process's ProgressBoard."""

    def __init__(self, crawler: Crawler, board: ProgressBoard) -> None:
        self.crawler = crawler
        self.board = board

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "Progress":
        if not crawler.settings.getbool("HARVEST_PROGRESS"):
            raise NotConfigured
        board = ProgressBoard.shared(sys.stderr, crawler.settings.getfloat("HARVEST_PROGRESS_INTERVAL", 10.0))
        board.add(crawler)
        extension = cls(crawler, board)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider) -> None:
        self.board.spider_opened(self.crawler)

    def spider_closed(self, spider) -> None:
        self.board.spider_closed(self.crawler)
