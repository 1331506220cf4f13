"""Run a Scrapy crawl in this process and report what happened.

The CLI, the scheduler and `harvest record` call `run_crawl`; it builds the settings
from harvester.settings plus overrides, so `scrapy crawl article` and `harvest crawl`
behave alike.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

OUTCOME_KEYS = ("new", "changed", "unchanged", "deleted", "blocked", "not_article", "error")


@dataclass
class CrawlSummary:
    fetched: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)
    warc_files: list[str] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return self.outcomes.get("new", 0) + self.outcomes.get("changed", 0)

    def line(self) -> str:
        o = self.outcomes
        return (f"fetched {self.fetched}, articles stored {self.stored} "
                f"(new {o.get('new', 0)}, changed {o.get('changed', 0)}), unchanged {o.get('unchanged', 0)}, "
                f"deleted {o.get('deleted', 0)}, blocked {o.get('blocked', 0)}, "
                f"not articles {o.get('not_article', 0)}, errors {o.get('error', 0)}")


def project_settings(overrides: dict[str, Any] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("harvester.settings", priority="project")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def run_crawl(urls: Iterable[str], *, db_path: str | None, warc_dir: str | None,
              source: str = "urls", progress: bool = False,
              settings: dict[str, Any] | None = None) -> CrawlSummary:
    """Crawl `urls` with the article spider; blocks until the crawl ends."""
    from harvester.spiders.article import ArticleSpider

    overrides = {"ARCHIVE_DB": db_path or "", "WARC_DIR": warc_dir or "",
                 "HARVEST_PROGRESS": progress, **(settings or {})}
    process = CrawlerProcess(project_settings(overrides), install_root_handler=False)
    crawler = process.create_crawler(ArticleSpider)
    process.crawl(crawler, urls=list(urls), source=source)
    process.start()
    stats = crawler.stats
    summary = CrawlSummary(
        fetched=stats.get_value("response_received_count", 0),
        outcomes={k: stats.get_value(f"harvest/outcome/{k}", 0) for k in OUTCOME_KEYS},
        failures=list(getattr(crawler.spider, "failures", [])))
    return summary
