"""Extraction as a job for worker processes: bytes, URL and headers in, a plain dict out.

The one pure `extract()` stays the function every path calls. This module only packs
a fetched page into picklable arguments (`PageJob`) and the Article back into the
contract dict, so the crawl, `harvest replay` and `harvest eval` can run it in a
`harvester.workers.WorkerPool`, or in this process when workers = 0.

A job's result is `{"article": Article.to_dict()}` (for an article, with "prepared":
its `archive.prepare.prepare()`, what the archive's writer would otherwise work out
itself) or, for a page extraction refuses (ExtractionError) or a worker that died
twice on it, `{"error": "..."}`.
Any other exception is a bug and reaches the caller as itself.
"""
from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator, Sequence

from harvester.workers import WorkerDied, WorkerPool, default_workers

# What a worker imports before its first page, so its start-up overlaps the caller's.
PRELOAD = ("harvester.extract", "archive.prepare")


@dataclass(frozen=True)
class PageJob:
    """One fetched page, as picklable data (a `Page` minus nothing)."""

    body: bytes
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    status: int = 200
    fetched_at: str = ""  # ISO 8601; "" = now

    @classmethod
    def of(cls, body: bytes, url: str, headers: Any = None, status: int = 200,
           fetched_at: datetime | None = None) -> "PageJob":
        """From any header mapping (Scrapy's, warcio's list, a dict), as `Page.from_headers` reads it."""
        from harvester.page import Page

        page = Page.from_headers(body, url, headers, status=status, fetched_at=fetched_at)
        return cls(body=body, url=url, headers=tuple(page.headers.items()), status=status,
                   fetched_at=page.fetched_at.isoformat())

    def page(self) -> Any:
        from harvester.page import Page

        when = datetime.fromisoformat(self.fetched_at) if self.fetched_at else None
        return Page.from_headers(self.body, self.url, dict(self.headers), status=self.status,
                                 fetched_at=when)


def run_job(job: PageJob) -> dict[str, Any]:
    """Extract one page (in a worker or here): {"article": {...}} or {"error": "..."}."""
    from harvester.extract import extract
    from harvester.extract.errors import ExtractionError

    from archive.prepare import prepare

    try:
        article = extract(job.page()).to_dict()
    except ExtractionError as exc:
        return {"error": str(exc)}
    if article.get("status") != "article":
        return {"article": article}
    return {"article": article, "prepared": prepare(article)}


class InlinePool:
    """The WorkerPool interface, run in the calling thread (workers = 0)."""

    size = 0
    deaths = 0

    def submit(self, function: Callable[..., Any], *args: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(function(*args))
        except Exception as exc:
            future.set_exception(exc)
        return future

    def map(self, function: Callable[..., Any], items: Iterable[Any], *,
            window: int | None = None) -> Iterator[Future]:
        for item in items:
            yield self.submit(function, item)

    def pids(self) -> list[int]:
        return []

    def cpu_seconds(self) -> float:
        return 0.0  # the work ran in the caller's own thread, counted there

    def close(self, *, cancel: bool = False) -> None:
        pass

    def __enter__(self) -> "InlinePool":
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def worker_count(setting: Any) -> int:
    """HARVEST_EXTRACT_WORKERS as a number: None or "" = one per core, 0 = in this process."""
    if setting in (None, "", "auto"):
        return default_workers()
    return max(0, int(setting))


def make_pool(workers: Any = None, preload: Sequence[str] = PRELOAD, *,
              depth: int = 2) -> WorkerPool | InlinePool:
    """A pool of `worker_count(workers)` extraction workers, or an InlinePool for 0;
    `depth` pages are sent to a worker ahead of its results."""
    count = worker_count(workers)
    return WorkerPool(count, preload=preload, depth=depth) if count else InlinePool()


def outcome(future: Future) -> dict[str, Any]:
    """A finished job's dict; a worker that died twice on the page becomes its error."""
    try:
        return future.result()
    except WorkerDied as exc:
        return {"error": str(exc)}


def extract_all(pool: WorkerPool | InlinePool, jobs: Iterable[PageJob]) -> Iterator[dict[str, Any]]:
    """Results of `jobs` in order, a few pages ahead on every worker."""
    for future in pool.map(run_job, jobs):
        yield outcome(future)
