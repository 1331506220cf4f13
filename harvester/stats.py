"""The crawl's outcome counters in Scrapy's stats: one list of names, one key scheme.

Spiders, the pipeline and the incremental middleware count with `count()`; the
pipeline's `crawls` row, the progress line and the CLI summary read with `outcomes()`.
`record_cpu()` adds where the crawl's CPU went (make bench prints it).
"""
from __future__ import annotations

import resource
import time

OUTCOMES = ("new", "changed", "unchanged", "deleted", "blocked", "not_article", "error")
SKIPPED = ("archived", "limit")  # article requests never sent: already archived, over max_pages


def count(stats, outcome: str) -> None:
    stats.inc_value(f"harvest/outcome/{outcome}")


def count_skipped(stats, reason: str) -> None:
    stats.inc_value(f"harvest/skipped/{reason}")


def outcomes(stats) -> dict[str, int]:
    return {name: stats.get_value(f"harvest/outcome/{name}", 0) for name in OUTCOMES}


def skipped(stats) -> int:
    return sum(stats.get_value(f"harvest/skipped/{reason}", 0) for reason in SKIPPED)


def record_cpu(stats, workers: float) -> None:
    """CPU seconds by where they ran, at the spider's close (called on the reactor thread):
    the crawl process (every thread of it), its reactor thread alone, the extraction workers.
    The archive writer thread and WARC writing count their own (harvest/archive/cpu_seconds,
    warc/cpu_seconds); both run inside the crawl process."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    stats.set_value("harvest/cpu/process_seconds", round(usage.ru_utime + usage.ru_stime, 3))
    stats.set_value("harvest/cpu/reactor_thread_seconds", round(time.thread_time(), 3))
    stats.set_value("harvest/cpu/workers_seconds", round(workers, 3))
