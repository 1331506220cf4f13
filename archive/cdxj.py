"""A CDXJ index of the WARC directory (webrecorder's cdxj-indexer), for lookups by URL.

`index.cdxj` sits next to the WARC files, sorted by SURT key as pywb expects, with the
record id and date added to the usual fields so that a later crawl can write revisit
records referring to the first full copy of a payload.
"""
from __future__ import annotations

import bisect
import json
import os
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cdxj_indexer.main import CDXJIndexer, write_cdx_index

INDEX_NAME = "index.cdxj"
EXTRA_FIELDS = "warc-record-id,warc-date"


@dataclass(frozen=True)
class IndexEntry:
    urlkey: str
    timestamp: str
    url: str
    mime: str
    status: str
    digest: str
    filename: str
    offset: int
    length: int
    record_id: str
    warc_date: str

    @property
    def is_revisit(self) -> bool:
        return self.mime == "warc/revisit"


def index_path(warc_dir: str | os.PathLike) -> Path:
    return Path(warc_dir) / INDEX_NAME


def write_index(warc_dir: str | os.PathLike) -> Path:
    """(Re)build `index.cdxj` over every WARC file of `warc_dir`; returns its path."""
    warc_dir = Path(warc_dir)
    out = index_path(warc_dir)
    inputs = sorted(str(p) for p in warc_dir.glob("*.warc.gz"))
    tmp = out.with_suffix(".cdxj.tmp")
    if inputs:
        write_cdx_index(str(tmp), inputs, {"sort": True, "dir_root": str(warc_dir),
                                           "fields": EXTRA_FIELDS})
    else:
        tmp.write_text("")
    tmp.replace(out)  # readers never see a half-written index
    return out


def _parse(line: str) -> IndexEntry:
    urlkey, timestamp, blob = line.rstrip("\n").split(" ", 2)
    data = json.loads(blob)
    return IndexEntry(urlkey=urlkey, timestamp=timestamp, url=data.get("url", ""),
                      mime=data.get("mime", ""), status=data.get("status", ""),
                      digest=data.get("digest", ""), filename=data.get("filename", ""),
                      offset=int(data.get("offset", 0)), length=int(data.get("length", 0)),
                      record_id=data.get("warc-record-id", ""), warc_date=data.get("warc-date", ""))


def url_key(url: str) -> str:
    return CDXJIndexer(None, []).get_url_key(url)


class CdxjIndex:
    """A sorted CDXJ index in memory: lookups by URL, and payloads by digest for revisits."""

    def __init__(self, lines: list[str], root: Path) -> None:
        self.lines = sorted(line for line in lines if line.strip())
        self.keys = [line.split(" ", 1)[0] for line in self.lines]
        self.root = root  # filenames in the index are relative to it

    @classmethod
    def load(cls, warc_dir: str | os.PathLike) -> "CdxjIndex":
        path = index_path(warc_dir)
        lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
        return cls(lines, Path(warc_dir))

    @classmethod
    def build(cls, warc_files: list[str | os.PathLike]) -> "CdxjIndex":
        """Index WARC files wherever they are (e.g. the files given to `crawl --replay`)."""
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / INDEX_NAME
            write_cdx_index(str(out), [str(Path(p).resolve()) for p in warc_files],
                            {"sort": True, "dir_root": "/", "fields": EXTRA_FIELDS})
            return cls(out.read_text(encoding="utf-8").splitlines(), Path("/"))

    def lookup(self, url: str) -> list[IndexEntry]:
        """Every capture of `url`, oldest first (binary search on the SURT key)."""
        key = url_key(url)
        start, end = bisect.bisect_left(self.keys, key), bisect.bisect_right(self.keys, key)
        return [_parse(line) for line in self.lines[start:end]]

    @cached_property
    def full_copies(self) -> dict[str, IndexEntry]:
        """payload digest -> its earliest full (non-revisit) record: what revisits refer to."""
        first: dict[str, IndexEntry] = {}
        for entry in map(_parse, self.lines):
            if entry.is_revisit or not entry.digest or not entry.record_id:
                continue
            seen = first.get(entry.digest)
            if seen is None or entry.warc_date < seen.warc_date:
                first[entry.digest] = entry
        return first

    def full_copy(self, digest: str) -> IndexEntry | None:
        return self.full_copies.get(digest)

    def path_of(self, entry: IndexEntry) -> Path:
        return self.root / entry.filename


def lookup(warc_dir: str | os.PathLike, url: str) -> list[IndexEntry]:
    """Every capture of `url` in the index of `warc_dir`, oldest first."""
    return CdxjIndex.load(warc_dir).lookup(url)


def known_payloads(warc_dir: str | os.PathLike) -> dict[str, tuple[str, str, str]]:
    """payload digest -> (record id, url, WARC date) of its first full record in `warc_dir`."""
    return {digest: (e.record_id, e.url, e.warc_date)
            for digest, e in CdxjIndex.load(warc_dir).full_copies.items()}
