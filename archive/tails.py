"""Torn WARC tails: find where a file stops being whole records, and cut it back there.

A crawl killed while writing, or a disk that filled up, can leave a WARC file whose
last record is cut short. warcio reads such a tail without complaint (a truncated
gzip member just ends early), so this module checks the framing itself: every gzip
member must decompress to its end with a good CRC, and the bytes must parse as WARC
records whose blocks are exactly `Content-Length` long. The first offset where that
fails is where the whole records end.

`cut_tail` truncates a torn file there and keeps the cut bytes beside it
(`FILE.torn-<offset>`), so nothing is thrown away.
"""
from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 16
GZIP_MAGIC = b"\x1f\x8b"


class TornRecord(ValueError):
    """The bytes from some offset on are not a whole record."""


@dataclass(frozen=True)
class TailReport:
    """How a WARC file ends: `whole_end` is the end of its last whole record."""

    path: Path
    size: int
    whole_end: int
    records: int
    problem: str | None = None

    @property
    def torn(self) -> bool:
        return self.whole_end < self.size

    def line(self) -> str:
        return f"{self.path}@{self.whole_end}: {self.problem} ({self.size - self.whole_end} bytes after the last whole record)"


def _block_length(head: bytes) -> int:
    """Content-Length of a WARC record header (the bytes before its CRLF CRLF)."""
    if not head.startswith(b"WARC/"):
        raise TornRecord("no WARC/ record header")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    raise TornRecord("a record without Content-Length")


def _parse_records(data: bytes) -> tuple[int, int]:
    """(records, bytes used) of the whole WARC records at the start of `data`."""
    used = count = 0
    while used < len(data):
        head_end = data.find(b"\r\n\r\n", used)
        if head_end < 0:
            break
        end = head_end + 4 + _block_length(data[used:head_end]) + 4
        if end > len(data):
            break
        if data[end - 4:end] != b"\r\n\r\n":
            raise TornRecord("a record block not followed by CRLF CRLF")
        used, count = end, count + 1
    return count, used


def _scan_gzip(handle, size: int) -> tuple[int, int, str | None]:
    """Walk the gzip members: (records, end of the last whole record, problem)."""
    records, whole_end, pending = 0, 0, b""
    member_start = 0
    handle.seek(0)
    while member_start < size:
        handle.seek(member_start)
        inflater = zlib.decompressobj(wbits=31)
        out = []
        consumed = 0
        try:
            while not inflater.eof:
                chunk = handle.read(CHUNK)
                if not chunk:
                    return records, whole_end, "cut record (a gzip member ends before its end)"
                out.append(inflater.decompress(chunk))
                consumed += len(chunk) - len(inflater.unused_data)
        except zlib.error as exc:
            return records, whole_end, f"unreadable record ({exc})"
        pending += b"".join(out)
        member_start += consumed
        try:
            count, used = _parse_records(pending)
        except (TornRecord, ValueError) as exc:
            return records, whole_end, f"unreadable record ({exc})"
        records += count
        pending = pending[used:]
        if not pending:
            whole_end = member_start
    if pending:
        return records, whole_end, "cut record (its block is shorter than its Content-Length)"
    return records, whole_end, None


def _scan_plain(handle, size: int) -> tuple[int, int, str | None]:
    """Walk an uncompressed WARC record by record: (records, whole end, problem)."""
    records = offset = 0
    while offset < size:
        handle.seek(offset)
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = handle.read(CHUNK)
            if not chunk:
                return records, offset, "cut record (its header is incomplete)"
            head += chunk
        head_end = head.index(b"\r\n\r\n")
        try:
            end = offset + head_end + 4 + _block_length(head[:head_end]) + 4
        except (TornRecord, ValueError) as exc:
            return records, offset, f"unreadable record ({exc})"
        if end > size:
            return records, offset, "cut record (its block is shorter than its Content-Length)"
        handle.seek(end - 4)
        if handle.read(4) != b"\r\n\r\n":
            return records, offset, "unreadable record (a record block not followed by CRLF CRLF)"
        records, offset = records + 1, end
    return records, offset, None


def scan(path: str | os.PathLike) -> TailReport:
    """Read `path` to its end and say where its whole records end."""
    path = Path(path)
    size = path.stat().st_size
    with open(path, "rb") as handle:
        compressed = handle.read(2) == GZIP_MAGIC
        records, whole_end, problem = (_scan_gzip if compressed else _scan_plain)(handle, size)
    return TailReport(path=path, size=size, whole_end=whole_end, records=records, problem=problem)


def cut_tail(report: TailReport) -> Path:
    """Truncate a torn file to its last whole record; the cut bytes go to FILE.torn-<offset>."""
    path = report.path
    kept = path.with_name(f"{path.name}.torn-{report.whole_end}")
    serial = 1
    while kept.exists():
        serial += 1
        kept = path.with_name(f"{path.name}.torn-{report.whole_end}-{serial}")
    with open(path, "r+b") as handle:
        handle.seek(report.whole_end)
        tail = handle.read()
        with open(kept, "wb") as out:
            out.write(tail)
            out.flush()
            os.fsync(out.fileno())
        handle.truncate(report.whole_end)
        handle.flush()
        os.fsync(handle.fileno())
    return kept
