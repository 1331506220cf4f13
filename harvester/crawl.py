"""Run a Scrapy crawl in this process and report what happened.

The CLI, the scheduler and `harvest record` call `run_crawl`; it builds the settings
from harvester.settings plus overrides, so `scrapy crawl article` and `harvest crawl`
behave alike.
"""
from __future__ import annotations

import os
import shutil
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from harvester import stats as harvest_stats

if TYPE_CHECKING:
    from harvester.sources import Source



@dataclass
class CrawlSummary:
    fetched: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)
    warc_files: list[str] = field(default_factory=list)
    skipped: int = 0  # article requests not sent: already archived, or over max_pages
    stopped: str | None = None  # why a crawl stopped itself before its end (a WARC it could not write)

    @property
    def stored(self) -> int:
        return self.outcomes.get("new", 0) + self.outcomes.get("changed", 0)

    def line(self) -> str:
        o = self.outcomes
        return (f"fetched {self.fetched}, articles stored {self.stored} "
                f"(new {o.get('new', 0)}, changed {o.get('changed', 0)}), unchanged {o.get('unchanged', 0)}, "
                f"deleted {o.get('deleted', 0)}, blocked {o.get('blocked', 0)}, "
                f"not articles {o.get('not_article', 0)}, errors {o.get('error', 0)}"
                + (f", skipped {self.skipped} (already archived or over max_pages)" if self.skipped else ""))


def project_settings(overrides: dict[str, Any] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("harvester.settings", priority="project")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def run_crawl(urls: Iterable[str], *, db_path: str | None, warc_dir: str | None,
              source: str = "urls", progress: bool = False,
              settings: dict[str, Any] | None = None) -> CrawlSummary:
    """Crawl `urls` with the article spider; blocks until the crawl ends.

    A crawl that cannot start (bad setting, broken component) is reported in
    `summary.failures`, like an unreachable URL.
    """
    return run_sources([], db_path=db_path, warc_dir=warc_dir, urls=urls, urls_source=source,
                       progress=progress, settings=settings)


# -- named sources (harvester.sources): the right spider, a lock, a JOBDIR ------------------

SPIDER_CLASSES = {
    "urls": "harvester.spiders.article.ArticleSpider",
    "feed": "harvester.spiders.feed.FeedSpider",
    "sitemap": "harvester.spiders.sitemap.SitemapSpider",
    "index": "harvester.spiders.index.IndexSpider",
}
EX_TEMPFAIL = 75  # exit status of `harvest crawl` when a source is already being crawled


class SourceBusy(RuntimeError):
    """Another process is crawling this source right now."""


class FrontierUnavailable(RuntimeError):
    """The Redis server of a shared frontier does not answer."""


def state_dir(db_path: str | None, configured: str = "") -> Path:
    """Where lock files and JOBDIRs live: HARVEST_STATE_DIR, else next to the archive."""
    if configured:
        return Path(configured)
    return Path(f"{db_path or 'archive.db'}.state")


@contextmanager
def source_lock(directory: Path, name: str) -> Iterator[None]:
    """Hold `<state>/locks/NAME.lock` (fcntl, released by the kernel even on a crash)."""
    import fcntl

    lock_dir = directory / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    handle = open(lock_dir / f"{name}.lock", "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SourceBusy(f"{name}: a crawl of this source is already running") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()


def is_locked(directory: Path, name: str) -> bool:
    """Is some process crawling `name` now? (a probe: take and drop the lock)."""
    try:
        with source_lock(directory, name):
            return False
    except SourceBusy:
        return True


def prepare_jobdir(directory: Path, name: str) -> Path:
    """JOBDIR of a source; a leftover from a crash (no spider.state written) is dropped.

    Scrapy writes spider.state only when it closes the spider (finished, or stopped by
    Ctrl-C/SIGTERM): then the queue and requests.seen are whole and the crawl resumes.
    After a hard kill they may be torn, so the crawl starts over; the incremental
    middleware still skips every article stored before the kill.
    """
    jobdir = directory / "jobs" / name
    if jobdir.exists() and not (jobdir / "spider.state").exists():
        shutil.rmtree(jobdir, ignore_errors=True)
    return jobdir


def _crawl_failed(failure: Any, failures: list[tuple[str, str]], name: str) -> None:
    """A crawler that died outside any request: report it instead of "Unhandled error in Deferred"."""
    message = failure.getErrorMessage().splitlines()[0] if failure.getErrorMessage() else "failed"
    failures.append((name, f"crawl failed: {failure.type.__name__}: {message}"))


def spider_arguments(source: "Source") -> dict[str, Any]:
    args: dict[str, Any] = {"urls": list(source.start), "source": source.name}
    if source.kind in ("feed", "sitemap", "index"):
        args.update(allow=list(source.allow), deny=list(source.deny))
    if source.kind == "index":
        args["follow"] = list(source.follow)
    if source.max_pages:
        args["max_pages"] = source.max_pages
    return args


def with_frontier(overrides: dict[str, Any], name: str) -> dict[str, Any]:
    """With HARVEST_FRONTIER set (--frontier, or `frontier` in the sources file), the crawl
    named `name` becomes one worker of that shared Redis frontier (harvester.frontier)."""
    url = overrides.get("HARVEST_FRONTIER")
    if not url:
        return overrides
    from harvester.frontier import frontier_settings, ping

    try:
        ping(url)
    except Exception as exc:  # redis-py's connection errors; say so before any crawler starts
        raise FrontierUnavailable(f"frontier {url}: {str(exc).splitlines()[0] if str(exc) else exc!r}") from None
    effective = project_settings(overrides)
    cluster = {
        # Politeness moves to Redis (harvester.politeness.ClusterPolitenessMiddleware): the
        # crawl's delay and per-domain concurrency hold over all workers, and the local
        # downloader adds no delay of its own (AutoThrottle is per process, so it is off).
        "HARVEST_CLUSTER_DELAY": effective.getfloat("DOWNLOAD_DELAY"),
        "HARVEST_CLUSTER_CONCURRENCY": effective.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
    }
    return {**overrides, **cluster,
            **frontier_settings(url, name, overrides.get("HARVEST_FRONTIER_PREFIX") or "harvest")}


def run_sources(sources: Sequence["Source"], *, db_path: str | None, warc_dir: str | None,
                urls: Iterable[str] = (), urls_source: str = "urls", refresh: bool = False,
                progress: bool = False, settings: dict[str, Any] | None = None) -> CrawlSummary:
    """Crawl named sources (plus loose article `urls`) in this process, each with its spider.

    Per crawler: the source's politeness settings (command-line `settings` win), a WARC
    prefix naming the source, the source's lock (SourceBusy if held) and, unless
    HARVEST_RESUME is off, a JOBDIR that is kept when the crawl is interrupted and
    removed when it finishes, so the next run either resumes or starts clean.
    """
    from scrapy.crawler import Crawler
    from scrapy.utils.misc import load_object

    base = {"ARCHIVE_DB": db_path or "", "WARC_DIR": warc_dir or "", "HARVEST_PROGRESS": progress,
            "HARVEST_REFRESH": refresh}
    process_settings = project_settings({**base, **(settings or {})})
    states = state_dir(db_path, process_settings.get("HARVEST_STATE_DIR", ""))
    resume = process_settings.getbool("HARVEST_RESUME", True) and bool(db_path)
    prefix = process_settings.get("WARC_PREFIX", "harvest")
    process = CrawlerProcess(process_settings)  # its root log handler obeys LOG_LEVEL (-v)
    crawlers: list[tuple[Any, Path | None]] = []
    failures: list[tuple[str, str]] = []  # crawls that could not even start (archive locked, bad setting)
    with ExitStack() as locks:
        for source in sources:
            locks.enter_context(source_lock(states, source.name))
            overrides = with_frontier({**base, "WARC_PREFIX": f"{prefix}-{source.name}",
                                       **source.scrapy_settings(), **(settings or {})}, source.name)
            shared = bool(overrides.get("HARVEST_FRONTIER"))  # Redis holds the state, not a JOBDIR
            jobdir = prepare_jobdir(states, source.name) if resume and not shared else None
            if jobdir is not None:
                overrides["JOBDIR"] = str(jobdir)
            # init_reactor: the first crawler installs it (a no-op for the others).
            crawler = Crawler(load_object(SPIDER_CLASSES[source.kind]), project_settings(overrides),
                              init_reactor=True)
            deferred = process.crawl(crawler, **spider_arguments(source))
            deferred.addErrback(_crawl_failed, failures, source.name)
            crawlers.append((crawler, jobdir))
        loose = list(urls)
        if loose:
            from harvester.spiders.article import ArticleSpider

            crawler = Crawler(ArticleSpider, project_settings(with_frontier({**base, **(settings or {})}, urls_source)),
                              init_reactor=True)
            deferred = process.crawl(crawler, urls=loose, source=urls_source)
            deferred.addErrback(_crawl_failed, failures, urls_source)
            crawlers.append((crawler, None))
        process.start()

    summary = CrawlSummary(failures=failures)
    for crawler, jobdir in crawlers:
        stats = crawler.stats
        summary.fetched += stats.get_value("response_received_count", 0)
        for key, n in harvest_stats.outcomes(stats).items():
            summary.outcomes[key] = summary.outcomes.get(key, 0) + n
        summary.skipped += harvest_stats.skipped(stats)
        summary.failures.extend(getattr(crawler.spider, "failures", []))
        if stats.get_value("finish_reason") == "frontier_lost":  # its leases go back once Redis is up
            summary.stopped = "lost the frontier's Redis server; this worker stopped early"
        if stats.get_value("warc/write_error"):  # a full disk: the crawl stopped itself
            summary.stopped = f"{stats.get_value('warc/write_error')}; crawl stopped, the next run resumes it"
            summary.failures.append((getattr(crawler.spider, "source", "crawl"), summary.stopped))
        if jobdir is not None and stats.get_value("finish_reason") == "finished":
            shutil.rmtree(jobdir, ignore_errors=True)  # done: the next run starts clean
    return summary
