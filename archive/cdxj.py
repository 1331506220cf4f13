"""A CDXJ index of the WARC directory (webrecorder's cdxj-indexer), for lookups by URL.

`index.cdxj` sits next to the WARC files, sorted by SURT key as pywb expects, with the
record id and date added to the usual fields so that a later crawl can write revisit
records referring to the first full copy of a payload, and so that any revisit can be
resolved to the full capture it stands for (`CdxjIndex.full_capture_for`).

The index grows incrementally: at the end of a crawl `update_index` indexes only the
WARC files that crawl wrote (plus files left unindexed by a crawl that died, once no
writer holds them) and merges their lines into the sorted index. Updates take an
exclusive flock on `index.cdxj.lock` and replace the index through a unique temporary
file and a rename, so two crawls sharing a directory never lose each other's lines and
readers never see a half-written index.
"""
from __future__ import annotations

import bisect
import contextlib
import fcntl
import heapq
import json
import os
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from cdxj_indexer.main import CDXJIndexer

if TYPE_CHECKING:
    from .snapshot import Record

INDEX_NAME = "index.cdxj"
LOCK_NAME = "index.cdxj.lock"
EXTRA_FIELDS = "warc-record-id,warc-date"
WARC_PATTERNS = ("*.warc.gz", "*.warc")
EMPTY_DIGEST = "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"  # the payload digest of b""


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

    @property
    def is_capture(self) -> bool:
        """A response or revisit (what replay serves), not a request."""
        return self.mime != "warc/request"

    @property
    def is_full(self) -> bool:
        """A record holding a whole payload (what revisits resolve to)."""
        return self.is_capture and not self.is_revisit


def index_path(warc_dir: str | os.PathLike) -> Path:
    return Path(warc_dir) / INDEX_NAME


def warc_files(directory: str | os.PathLike) -> list[Path]:
    """The WARC files of a directory, in name (= time) order."""
    directory = Path(directory)
    return sorted({p for pattern in WARC_PATTERNS for p in directory.glob(pattern) if p.is_file()})


def expand_warc_paths(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """WARC files named directly, or every WARC file of a named directory (in name order)."""
    files: list[Path] = []
    for path in map(Path, paths):
        files.extend(warc_files(path) if path.is_dir() else [path])
    return list(dict.fromkeys(files))


def _parse(line: str) -> IndexEntry:
    urlkey, timestamp, blob = line.rstrip("\n").split(" ", 2)
    data = json.loads(blob)
    return IndexEntry(urlkey=urlkey, timestamp=timestamp, url=data.get("url", ""),
                      mime=data.get("mime", ""), status=data.get("status", ""),
                      digest=data.get("digest", ""), filename=data.get("filename", ""),
                      offset=int(data.get("offset", 0)), length=int(data.get("length", 0)),
                      record_id=data.get("warc-record-id", ""), warc_date=data.get("warc-date", ""))


def date_key(warc_date: str) -> str:
    """A WARC-Date as a string that sorts in time order whatever its precision."""
    stamp, _, fraction = warc_date.rstrip("Z").partition(".")
    return f"{stamp}.{fraction.ljust(6, '0')}"


def _filename(line: str) -> str:
    return json.loads(line.split(" ", 2)[2]).get("filename", "")


_KEYS = CDXJIndexer(None, [])


def url_key(url: str) -> str:
    return _KEYS.get_url_key(url)


class _Lines:
    """A write()-only sink for cdxj-indexer: keeps the lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, text: str) -> None:
        self.lines.append(text)


def index_lines(path: Path, root: Path) -> list[str]:
    """The CDXJ lines of one WARC file, filenames relative to `root` (unsorted).

    A file cut short (a crawl killed mid-record) gives the lines of its whole
    records; `harvest verify --repair` deals with the tail.
    """
    indexer = CDXJIndexer(None, [], dir_root=str(root), fields=EXTRA_FIELDS)
    sink = _Lines()
    try:
        with open(path, "rb") as handle:
            indexer.process_one(handle, sink, str(path))
    except Exception:  # warcio's many errors on a torn tail: keep what was read
        pass
    return sink.lines


def in_use(path: Path) -> bool:
    """Is a writer holding this WARC file (WarcStore keeps an exclusive flock while open)?"""
    try:
        with open(path, "rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
    except OSError:
        return False
    return False


@contextlib.contextmanager
def index_lock(warc_dir: str | os.PathLike) -> Iterator[None]:
    """Exclusive lock of the directory's index (flock: the kernel drops it if we die)."""
    path = Path(warc_dir) / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomically(out: Path, lines: Iterable[str]) -> None:
    """Write through a unique temp file in the same directory, fsync, rename over `out`."""
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.writelines(lines)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def indexed_names(warc_dir: str | os.PathLike) -> set[str]:
    """The WARC file names (relative to the directory) that the index has lines for."""
    out = index_path(warc_dir)
    if not out.is_file():
        return set()
    with open(out, encoding="utf-8") as handle:
        return {_filename(line) for line in handle if line.strip()}


def unindexed_files(warc_dir: str | os.PathLike) -> list[Path]:
    """WARC files of the directory the index does not know and no writer holds:
    left by a crawl that died before indexing them (or closed a moment ago)."""
    warc_dir = Path(warc_dir)
    known = indexed_names(warc_dir)
    return [p for p in warc_files(warc_dir) if _relative(p, warc_dir) not in known and not in_use(p)]


def update_index(warc_dir: str | os.PathLike, written: Iterable[str | os.PathLike] = ()) -> Path:
    """Merge the lines of the WARC files `written` into `warc_dir/index.cdxj`; returns its path.

    Files of the directory that the index does not mention yet and that no writer
    holds (left by a crawl that was killed) are indexed too. Lines of a re-indexed
    file replace its old ones, so indexing a file twice is harmless.
    """
    warc_dir = Path(warc_dir)
    out = index_path(warc_dir)
    with index_lock(warc_dir):
        for stale in warc_dir.glob(f".{INDEX_NAME}.*.tmp"):  # left by a crawl killed mid-update
            stale.unlink(missing_ok=True)
        existing = out.read_text(encoding="utf-8").splitlines(keepends=True) if out.is_file() else []
        known = {_filename(line) for line in existing if line.strip()}
        todo = {Path(p).resolve() for p in written}
        todo |= {p.resolve() for p in warc_files(warc_dir)
                 if _relative(p, warc_dir) not in known and not in_use(p)}  # as unindexed_files()
        names = {_relative(p, warc_dir) for p in todo}
        fresh = sorted(line for p in todo if p.is_file() for line in index_lines(p, warc_dir.resolve()))
        kept = (line for line in existing if line.strip() and _filename(line) not in names)
        _write_atomically(out, heapq.merge(kept, fresh))
    return out


def write_index(warc_dir: str | os.PathLike) -> Path:
    """(Re)build `index.cdxj` over every WARC file of `warc_dir` (e.g. after moving files in)."""
    warc_dir = Path(warc_dir)
    with index_lock(warc_dir):
        root = warc_dir.resolve()
        lines = sorted(line for p in warc_files(warc_dir) for line in index_lines(p.resolve(), root))
        _write_atomically(index_path(warc_dir), lines)
    return index_path(warc_dir)


def _relative(path: Path, root: Path) -> str:
    return os.path.relpath(Path(path).resolve(), Path(root).resolve()).replace(os.sep, "/")


class CdxjIndex:
    """A sorted CDXJ index in memory: lookups by URL, by record id, and payloads by digest."""

    def __init__(self, lines: list[str], root: Path) -> None:
        self.lines = sorted(line for line in lines if line.strip())
        self.keys = [line.split(" ", 1)[0] for line in self.lines]
        self.root = root  # filenames in the index are relative to it

    _cache: dict[Path, tuple[tuple[int, int], "CdxjIndex"]] = {}

    @classmethod
    def load(cls, warc_dir: str | os.PathLike) -> "CdxjIndex":
        """The index of `warc_dir` (kept in memory while the file is unchanged)."""
        path = index_path(warc_dir)
        try:
            stat = path.stat()
        except OSError:
            return cls([], Path(warc_dir))
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = cls._cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        index = cls(path.read_text(encoding="utf-8").splitlines(), Path(warc_dir))
        cls._cache = {path: (stamp, index)}  # one directory at a time is what callers use
        return index

    @classmethod
    def build(cls, warc_files: Iterable[str | os.PathLike]) -> "CdxjIndex":
        """Index WARC files wherever they are (e.g. the files given to `crawl --replay`).

        Revisits in them may refer to records of other files of their directories:
        those directories' own indexes are merged in for the files not given.
        """
        root = Path("/")
        given = list(dict.fromkeys(Path(p).resolve() for p in warc_files))
        given_set = set(given)
        lines = [line for p in given for line in index_lines(p, root)]
        for directory in dict.fromkeys(p.parent for p in given):
            dir_index = index_path(directory)
            if not dir_index.is_file():
                continue
            for line in dir_index.read_text(encoding="utf-8").splitlines(keepends=True):
                if not line.strip():
                    continue
                key, stamp, blob = line.split(" ", 2)
                data = json.loads(blob)
                absolute = (directory / data.get("filename", "")).resolve()
                if absolute in given_set:
                    continue
                data["filename"] = os.path.relpath(absolute, root)
                lines.append(f"{key} {stamp} {json.dumps(data)}\n")
        return cls(lines, root)

    def lookup(self, url: str) -> list[IndexEntry]:
        """Every capture of `url`, oldest first (binary search on the SURT key)."""
        key = url_key(url)
        start, end = bisect.bisect_left(self.keys, key), bisect.bisect_right(self.keys, key)
        entries = [_parse(line) for line in self.lines[start:end]]
        return sorted(entries, key=lambda e: date_key(e.warc_date) if e.warc_date else e.timestamp)

    def lookup_variants(self, url: str) -> list[IndexEntry]:
        """Every capture of `url` with any query string (same SURT path), oldest first."""
        path_key = url_key(url).split("?", 1)[0]
        start = bisect.bisect_left(self.keys, path_key)
        end = bisect.bisect_right(self.keys, path_key + "?\uffff")
        entries = [_parse(line) for line in self.lines[start:end]
                   if line.startswith((path_key + " ", path_key + "?"))]
        return sorted(entries, key=lambda e: date_key(e.warc_date) if e.warc_date else e.timestamp)

    def lookup_same(self, url: str, canonical: Callable[[str], str]) -> list[IndexEntry]:
        """Every entry of a URL that `canonical` maps where it maps `url`, oldest first.

        The crawler dedupes on a canonical form (harvester.urls), so one article is captured
        under whichever spelling a crawl met first; its captures are those of every spelling.
        """
        key = canonical(url)
        found = {(e.filename, e.offset): e for spelling in dict.fromkeys((url, key))
                 for e in self.lookup_variants(spelling) if canonical(e.url) == key}
        return sorted(found.values(), key=lambda e: date_key(e.warc_date) if e.warc_date else e.timestamp)

    def newest(self, url: str) -> IndexEntry | None:
        """The newest capture (response or revisit) of `url`."""
        captures = [e for e in self.lookup(url) if e.is_capture]
        return captures[-1] if captures else None

    @cached_property
    def entries(self) -> list[IndexEntry]:
        return [_parse(line) for line in self.lines]

    @cached_property
    def by_record_id(self) -> dict[str, IndexEntry]:
        return {e.record_id: e for e in self.entries if e.record_id}

    @cached_property
    def full_copies(self) -> dict[str, IndexEntry]:
        """payload digest -> its earliest full record of a 200 with a body: what revisits refer to.

        An empty payload is never a full copy: nothing is deduplicated against it.
        """
        first: dict[str, IndexEntry] = {}
        for entry in self.entries:
            if not entry.is_full or entry.status != "200" or not entry.record_id:
                continue
            if not entry.digest or entry.digest == EMPTY_DIGEST:
                continue
            seen = first.get(entry.digest)
            if seen is None or date_key(entry.warc_date) < date_key(seen.warc_date):
                first[entry.digest] = entry
        return first

    def full_copy(self, digest: str) -> IndexEntry | None:
        return self.full_copies.get(digest)

    def full_capture(self, *, url: str, before: str, refers_to: str | None = None,
                     digest: str | None = None) -> IndexEntry | None:
        """The full record a revisit stands for: by WARC-Refers-To, by payload digest,
        or as the newest full capture of `url` at or before `before` (a WARC date)."""
        if refers_to:
            entry = self.by_record_id.get(refers_to)
            if entry is not None and entry.is_capture:
                return entry
        if digest and digest != EMPTY_DIGEST:
            entry = self.full_copy(digest)
            if entry is not None:
                return entry
        limit = date_key(before or "9999")
        full = [e for e in self.lookup(url) if e.is_full and date_key(e.warc_date) <= limit]
        return full[-1] if full else None

    def full_capture_for(self, revisit: "Record") -> IndexEntry | None:
        """`full_capture` of a revisit record read back (archive/snapshot.py)."""
        return self.full_capture(url=revisit.refers_to_uri or revisit.target_uri or "",
                                 before=revisit.refers_to_date or revisit.warc_date or "",
                                 refers_to=revisit.refers_to, digest=revisit.payload_digest)

    def resolve(self, entry: IndexEntry) -> IndexEntry | None:
        """An index entry itself, or for a revisit the full capture it stands for."""
        if not entry.is_revisit:
            return entry
        return self.full_capture(url=entry.url, before=entry.warc_date, digest=entry.digest)

    def newest_full(self, url: str) -> IndexEntry | None:
        """The content the newest capture of `url` stands for (a revisit resolved)."""
        entry = self.newest(url)
        return self.resolve(entry) if entry is not None else None

    def path_of(self, entry: IndexEntry) -> Path:
        return self.root / entry.filename
