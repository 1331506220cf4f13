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

from archive.store import Archive
from archive.warcstore import iter_responses, payload_resolver
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


def replay(paths: Iterable[str], archive: Archive, source: str = "replay",
           on_progress: Callable[[ReplaySummary], None] | None = None) -> ReplaySummary:
    """Extract every HTML 200 response of `paths` into `archive`, one crawl row for the run."""
    summary = ReplaySummary()
    crawl_id = archive.start_crawl(source)
    error = None
    try:
        for path in paths:
            for record in iter_responses(path, resolve=payload_resolver(Path(path).parent)):
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
        counts = dict(summary.outcomes, fetched=summary.responses,
                      stored=summary.outcomes["new"] + summary.outcomes["changed"],
                      errors=summary.outcomes.pop("error", 0))
        archive.finish_crawl(crawl_id, counts, error=error)
    return summary
