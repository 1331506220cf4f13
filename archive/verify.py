"""`harvest verify`: every archive row's WARC pointer must resolve, and its digests match.

Rows are derived from WARC records; this re-reads each pointed-to record with warcio's
digest checking on and reports each mismatch as one line naming the row and the file.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.snapshot import SnapshotError, resolve_warc_path


@dataclass
class VerifyReport:
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_record(path: Path, offset: int, record_id: str, url: str | None,
                 payload_digest: str | None = None) -> str | None:
    """The problem with the record at (path, offset), or None when it is what the row says."""
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            iterator = ArchiveIterator(handle, check_digests=True)
            record = next(iter(iterator), None)
            if record is None:
                return f"{path}@{offset}: no record there"
            found_id = record.rec_headers.get_header("WARC-Record-ID")
            target = record.rec_headers.get_header("WARC-Target-URI")
            header_digest = record.rec_headers.get_header("WARC-Payload-Digest")
            record.content_stream().read()
            iterator.read_to_end(record)
            checker = record.digest_checker
    except Exception as exc:  # warcio raises many types for broken bytes
        return f"{path}@{offset}: unreadable record ({exc.__class__.__name__}: {exc})".splitlines()[0]
    if found_id != record_id:
        return f"{path}@{offset}: record {found_id} is not {record_id}"
    if url and target != url:
        return f"{path}@{offset}: record is for {target}, row says {url}"
    if payload_digest and header_digest != payload_digest:
        return f"{path}@{offset}: payload digest {header_digest} is not {payload_digest}"
    if checker.problems:
        return f"{path}@{offset}: {'; '.join(checker.problems)}"
    return None


def verify(db_path: str | Path, warc_dir: str | Path) -> VerifyReport:
    report = VerifyReport()
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        rows = [("article", r["id"], r["url"], r["warc_file"], r["warc_offset"], r["warc_record_id"], None)
                for r in conn.execute("select id, url, warc_file, warc_offset, warc_record_id from articles "
                                      "where warc_file is not null")]
        rows += [("capture", r["warc_record_id"], r["url"], r["warc_file"], r["warc_offset"],
                  r["warc_record_id"], r["payload_digest"])
                 for r in conn.execute("select * from captures")]
    finally:
        conn.close()
    for kind, key, url, warc_file, offset, record_id, digest in rows:
        report.checked += 1
        try:
            path = resolve_warc_path(warc_dir, warc_file)
        except SnapshotError as missing:
            report.problems.append(f"{kind} {key}: {missing}")
            continue
        problem = check_record(path, int(offset), record_id, url, digest)
        if problem:
            report.problems.append(f"{kind} {key}: {problem}")
    return report
