"""The crawl's outcome counters in Scrapy's stats: one list of names, one key scheme.

Spiders, the pipeline and the incremental middleware count with `count()`; the
pipeline's `crawls` row, the progress line and the CLI summary read with `outcomes()`.
"""
from __future__ import annotations

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
