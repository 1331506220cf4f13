"""Re-run extraction over recorded WARC responses into the archive, with no network.

WARC files are the ground truth; archive rows are derived from them. Replaying the same
files twice changes nothing (content hashes match); after an extractor change only the
articles whose result changed get a new version.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from archive.cdxj import CdxjIndex
from archive.store import Archive
from archive.warcstore import iter_responses
from harvester.extract import extract
from harvester.extract.errors import ExtractionError
from harvester.page import Page


@dataclass
class ReplaySummary:
    responses: int = 0
    outcomes: Counter = field(default_factory=Counter)

    def line(self) -> str:
        o = self.outcomes
        return (f"responses {self.responses}, new {o['new']}, changed {o['changed']}, "
                f"unchanged {o['unchanged']}, deleted {o['deleted']}, blocked {o['blocked']}, "
                f"not articles {o['not_article']}, skipped {o['skipped']}, errors {o['error']}")


def _is_html(headers: list[tuple[str, str]]) -> bool:
    content_type = next((v for k, v in headers if k.lower() == "content-type"), "text/html")
    return "html" in content_type.lower() or not content_type


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


def replay(paths: Iterable[str], archive: Archive, source: str = "replay",
           on_progress: Callable[[ReplaySummary], None] | None = None) -> ReplaySummary:
    """Extract every HTML 200 response of `paths` into `archive`, one crawl row for the run."""
    summary = ReplaySummary()
    crawl_id = archive.start_crawl(source)
    error = None
    paths = list(paths)
    index = LazyIndex(paths)
    try:
        for path in paths:
            for record in iter_responses(path, index=index):
                summary.responses += 1
                if record.status != 200 or not _is_html(record.headers) or record.url.endswith("/robots.txt"):
                    summary.outcomes["skipped"] += 1
                    continue
                page = Page.from_headers(record.body, record.url, record.headers,
                                         status=record.status, fetched_at=record.fetched_at)
                try:
                    article = extract(page)
                except ExtractionError:
                    summary.outcomes["error"] += 1
                    continue
                if article.status != "article":
                    summary.outcomes[article.status] += 1
                    continue
                pointer = {"warc_file": str(Path(record.warc_file).resolve()), "warc_offset": record.warc_offset,
                           "warc_record_id": record.warc_record_id}
                outcome = archive.store_article(article.to_dict(), pointer=pointer, crawl_id=crawl_id,
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
