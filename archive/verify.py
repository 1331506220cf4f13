"""`harvest verify [--repair]`: the WARC files are whole and every archive row's pointer holds.

Two checks, files first:

- every WARC file (those of the WARC directory, and any a row points at elsewhere) is
  read to its end; a cut or unreadable record is reported with its file and offset
  (archive/tails.py). A file a crawl is still writing (its writer holds a flock) is
  left for later. With `repair`, a torn file is cut back to its last whole record,
  the cut bytes are kept beside it (`FILE.torn-<offset>`), the rows whose records
  were cut off are marked in `lost_records`, and the file is indexed again;
- every row of `articles` and `captures` must point at its record (id, URL, payload
  digest, warcio's block and payload digest checks), and a revisit must resolve to
  the full capture it stands for. Rows marked lost are reported as such, not again
  as problems.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from archive.cdxj import CdxjIndex, in_use, update_index, warc_files
from archive.snapshot import SnapshotError, read_record, resolve_revisit, resolve_warc_path
from archive.tails import cut_tail, scan


@dataclass
class VerifyReport:
    checked: int = 0  # pointers checked
    files: int = 0  # WARC files read to their end
    problems: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)  # rows whose record was cut off (now or before)
    busy: list[str] = field(default_factory=list)  # files being written, not checked

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Row:
    kind: str  # article | capture
    key: str  # article id or capture record id
    url: str | None
    warc_file: str
    warc_offset: int
    warc_record_id: str
    payload_digest: str | None


def check_record(path: Path, offset: int, record_id: str, url: str | None,
                 payload_digest: str | None = None, index: CdxjIndex | None = None) -> str | None:
    """The problem with the record at (path, offset), or None when it is what the row says."""
    try:
        record = read_record(path, offset, check_digests=True)
    except SnapshotError as exc:
        return str(exc).splitlines()[0]
    if record.record_id != record_id:
        return f"{path}@{offset}: record {record.record_id} is not {record_id}"
    if url and record.target_uri != url:
        return f"{path}@{offset}: record is for {record.target_uri}, row says {url}"
    if payload_digest and record.payload_digest != payload_digest:
        return f"{path}@{offset}: payload digest {record.payload_digest} is not {payload_digest}"
    if record.digest_problems:
        return f"{path}@{offset}: {'; '.join(record.digest_problems)}"
    if record.is_revisit:
        try:
            resolve_revisit(record, index)
        except SnapshotError as exc:
            return str(exc).splitlines()[0]
    return None


def _rows(db_path: str | Path) -> tuple[list[Row], set[tuple[str, int]]]:
    """Every pointer row, and the (warc_file, warc_offset) pointers marked lost."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        rows = [Row("article", str(r["id"]), r["url"], r["warc_file"], int(r["warc_offset"]),
                    r["warc_record_id"], None)
                for r in conn.execute("SELECT id, url, warc_file, warc_offset, warc_record_id FROM articles "
                                      "WHERE warc_file IS NOT NULL")]
        rows += [Row("capture", r["warc_record_id"], r["url"], r["warc_file"], int(r["warc_offset"]),
                     r["warc_record_id"], r["payload_digest"])
                 for r in conn.execute("SELECT * FROM captures")]
        try:
            lost = {(f, int(o)) for f, o in conn.execute("SELECT warc_file, warc_offset FROM lost_records")}
        except sqlite3.OperationalError:  # an archive from before migration 0005
            lost = set()
    finally:
        conn.close()
    return rows, lost


def _resolved(warc_dir: Path, warc_file: str) -> Path | None:
    try:
        return resolve_warc_path(warc_dir, warc_file).resolve()
    except SnapshotError:
        return None


def _repair(path: Path, tail, rows: list[Row], paths: dict[str, Path | None], warc_dir: Path,
            db_path: str | Path, report: VerifyReport) -> None:
    """Cut a torn file back, keep its tail, mark the rows that pointed into it, re-index it."""
    from archive.store import Archive

    kept = cut_tail(tail)
    cut_off = [r for r in rows if r.warc_offset >= tail.whole_end and paths[r.warc_file] == path]
    pointers = {(r.warc_file, r.warc_offset): {"warc_file": r.warc_file, "warc_offset": r.warc_offset,
                                               "warc_record_id": r.warc_record_id} for r in cut_off}
    if pointers:
        with Archive(db_path) as archive:
            archive.mark_lost(list(pointers.values()), torn_file=str(kept))
    report.repaired.append(f"{path}: cut at {tail.whole_end} ({tail.problem}); "
                           f"{tail.size - tail.whole_end} bytes kept in {kept.name}; {len(cut_off)} rows lost")
    report.lost += [f"{r.kind} {r.key}: its record at {path.name}@{r.warc_offset} was cut off (kept in {kept.name})"
                    for r in cut_off]
    if path.parent.resolve() == warc_dir.resolve():
        update_index(warc_dir, [path])


def verify(db_path: str | Path, warc_dir: str | Path, repair: bool = False) -> VerifyReport:
    """Check (and with `repair`, cut back torn tails of) the WARC files, then every pointer."""
    report = VerifyReport()
    warc_dir = Path(warc_dir)
    rows, lost = _rows(db_path)
    paths = {f: _resolved(warc_dir, f) for f in {r.warc_file for r in rows}}
    files = {p.resolve() for p in warc_files(warc_dir)} if warc_dir.is_dir() else set()
    files |= {p for p in paths.values() if p is not None}
    for path in sorted(files):
        if in_use(path):
            report.busy.append(str(path))
            continue
        report.files += 1
        tail = scan(path)
        if not tail.torn:
            continue
        if repair:
            _repair(path, tail, rows, paths, warc_dir, db_path, report)
        else:
            report.problems.append(f"TORN {tail.line()}")
    if report.repaired:
        _, lost = _rows(db_path)

    index = CdxjIndex.load(warc_dir)
    outside: dict[Path, CdxjIndex] = {}  # files a row points at outside the WARC directory
    for row in rows:
        if (row.warc_file, row.warc_offset) in lost:
            if not any(line.startswith(f"{row.kind} {row.key}:") for line in report.lost):
                report.lost.append(f"{row.kind} {row.key}: its record at {row.warc_file}@{row.warc_offset} "
                                   "was cut off a torn WARC (marked lost)")
            continue
        report.checked += 1
        try:
            path = resolve_warc_path(warc_dir, row.warc_file)
        except SnapshotError as missing:
            report.problems.append(f"MISMATCH {row.kind} {row.key}: {missing}")
            continue
        row_index = index
        if path.resolve().parent != warc_dir.resolve():
            row_index = outside.setdefault(path, CdxjIndex.build([path]))
        problem = check_record(path, row.warc_offset, row.warc_record_id, row.url, row.payload_digest, row_index)
        if problem:
            report.problems.append(f"MISMATCH {row.kind} {row.key}: {problem}")
    return report
