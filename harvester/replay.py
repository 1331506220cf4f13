"""Re-run extraction over recorded WARC responses into the archive, with no network.

WARC files are the ground truth; archive rows are derived from them. Replaying the same
files twice changes nothing (content hashes match); after an extractor change only the
articles whose result changed get a new version.
"""
from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from archive.cdxj import CdxjIndex
from archive.store import Archive
from archive.warcstore import ResponseRecord, iter_responses
from harvester.extract.sniff import may_be_html
from harvester.extraction import PageJob, extract_all, make_pool


@dataclass
class ReplaySummary:
    responses: int = 0
    outcomes: Counter = field(default_factory=Counter)

    def line(self) -> str:
        o = self.outcomes
        return (f"responses {self.responses}, new {o['new']}, changed {o['changed']}, "
                f"unchanged {o['unchanged']}, deleted {o['deleted']}, blocked {o['blocked']}, "
                f"not articles {o['not_article']}, skipped {o['skipped']}, errors {o['error']}")


def _is_html(headers: list[tuple[str, str]], body: bytes = b"") -> bool:
    """An HTML type, no type, or a page under another label whose bytes are HTML (octet-stream articles)."""
    content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
    return may_be_html(body, content_type)


class LazyIndex:
    """The CDXJ index of the replayed files (and their directories), built on first use:
    only a revisit whose full capture lies in another file needs it."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        self._index: CdxjIndex | None = None

    def __getattr__(self, name: str):
        if self._index is None:
            self._index = CdxjIndex.build(self.paths)
        return getattr(self._index, name)


def _replayable(record: ResponseRecord) -> bool:
    return record.status == 200 and _is_html(record.headers, record.body) and not record.url.endswith("/robots.txt")


def replay(paths: Iterable[str], archive: Archive, source: str = "replay",
           on_progress: Callable[[ReplaySummary], None] | None = None,
           workers: int | None = None) -> ReplaySummary:
    """Extract every HTML 200 response of `paths` into `archive`, one crawl row for the run.

    Pages are extracted by `workers` processes (default one per core, 0 = here) a few
    ahead of the archive, which stores them in WARC order.
    """
    summary = ReplaySummary()
    crawl_id = archive.start_crawl(source)
    error = None
    paths = list(paths)
    index = LazyIndex(paths)
    records: deque[ResponseRecord] = deque()  # sent to extraction, result not yet stored

    def jobs() -> Iterator[PageJob]:
        for path in paths:
            for record in iter_responses(path, index=index):
                summary.responses += 1
                if not _replayable(record):
                    summary.outcomes["skipped"] += 1
                    continue
                records.append(record)
                yield PageJob.of(record.body, record.url, record.headers, status=record.status,
                                 fetched_at=record.fetched_at)

    try:
        with make_pool(workers) as pool:
            for result in extract_all(pool, jobs()):
                record = records.popleft()
                article = result.get("article")
                if article is None:
                    summary.outcomes["error"] += 1
                    continue
                if article["status"] != "article":
                    summary.outcomes[article["status"]] += 1
                    continue
                pointer = {"warc_file": str(Path(record.warc_file).resolve()), "warc_offset": record.warc_offset,
                           "warc_record_id": record.warc_record_id}
                outcome = archive.store_article(result.get("prepared") or article, pointer=pointer,
                                                crawl_id=crawl_id,
                                                crawled_at=record.fetched_at.isoformat(timespec="seconds"))
                summary.outcomes[outcome] += 1
                if on_progress:
                    on_progress(summary)
    except Exception as exc:
        error = str(exc)
        raise
    finally:
        counts = {k: v for k, v in summary.outcomes.items() if k != "error"}
        counts.update(fetched=summary.responses, errors=summary.outcomes["error"],
                      stored=summary.outcomes["new"] + summary.outcomes["changed"])
        archive.finish_crawl(crawl_id, counts, error=error)
    return summary
