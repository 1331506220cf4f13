"""A CDXJ index of the WARC directory (webrecorder's cdxj-indexer), for lookups by URL.

`index.cdxj` sits next to the WARC files, sorted by SURT key as pywb expects, with the
record id and date added to the usual fields so that a later crawl can write revisit
records referring to the first full copy of a payload.
"""
from __future__ import annotations

import bisect
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

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


def iter_index(warc_dir: str | os.PathLike) -> Iterator[IndexEntry]:
    path = index_path(warc_dir)
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield _parse(line)


def url_key(url: str) -> str:
    return CDXJIndexer(None, []).get_url_key(url)


def lookup(warc_dir: str | os.PathLike, url: str) -> list[IndexEntry]:
    """Every capture of `url` in the index, oldest first (binary search on the SURT key)."""
    path = index_path(warc_dir)
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    key = url_key(url)
    keys = [line.split(" ", 1)[0] for line in lines]
    start = bisect.bisect_left(keys, key)
    end = bisect.bisect_right(keys, key)
    return [_parse(line) for line in lines[start:end]]


def known_payloads(warc_dir: str | os.PathLike) -> dict[str, tuple[str, str, str]]:
    """payload digest -> (record id, url, WARC date) of its first full response record."""
    first: dict[str, tuple[str, str, str]] = {}
    for entry in iter_index(warc_dir):
        if entry.is_revisit or not entry.digest or not entry.record_id:
            continue
        seen = first.get(entry.digest)
        if seen is None or entry.warc_date < seen[2]:
            first[entry.digest] = (entry.record_id, entry.url, entry.warc_date)
    return first
