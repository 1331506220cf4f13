"""Read one archived record back out of a WARC, by the archive's pointer: the one reader.

The archive stores (warc_file, warc_offset, warc_record_id) for every article and
capture; this is the inverse: seek to the offset, read the single record there with
warcio's streaming `ArchiveIterator` (one gzip member per record, so no index is
needed), and check it is the record the archive meant.

A revisit record has no payload of its own. `read_snapshot` resolves it, through
the CDXJ index of the WARC directory (archive/cdxj.py), to the full capture it
stands for, so that a 304 refresh or a deduplicated body reads back as the
content the server sent. Snapshots (Datasette), `crawl --replay`, the revisit
resolver of `harvest replay` and the incremental middleware's validators all
read here; `harvest verify` reads here with digest checking on.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from warcio.archiveiterator import ArchiveIterator

if TYPE_CHECKING:
    from .cdxj import CdxjIndex

EMPTY_PAYLOAD_DIGEST = "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"  # sha1 of b"", as warcio writes it
MAX_REVISIT_HOPS = 4  # a revisit of a revisit of ...: never loop on a broken chain


class SnapshotError(LookupError):
    """The pointer does not lead to a readable record (or a revisit to its content)."""


@dataclass
class Record:
    """One WARC record as read back: WARC fields, HTTP message (if any), decoded payload."""

    path: Path
    offset: int
    record_type: str
    record_id: str | None
    target_uri: str | None
    warc_date: str | None
    payload_digest: str | None
    http_status: int | None
    http_headers: list[tuple[str, str]] | None  # None: the block holds no HTTP message
    content_type: str | None
    payload: bytes
    profile: str | None = None
    refers_to: str | None = None
    refers_to_uri: str | None = None
    refers_to_date: str | None = None
    digest_problems: list[str] = field(default_factory=list)

    @property
    def is_revisit(self) -> bool:
        return self.record_type == "revisit"

    def header(self, name: str) -> str | None:
        """An HTTP response header of this record (first of its name), or None."""
        low = name.lower()
        return next((v for k, v in self.http_headers or () if k.lower() == low), None)


@dataclass
class Snapshot:
    """What a pointer stands for: its payload with the HTTP status and headers to serve it."""

    payload: bytes
    content_type: str | None
    http_status: int | None
    target_uri: str | None
    record_id: str | None  # the record the pointer named (a revisit stays named)
    headers: list[tuple[str, str]] = field(default_factory=list)
    resolved_from: str | None = None  # record id of the full capture a revisit resolved to


def resolve_warc_path(warc_dir: str | Path, warc_file: str) -> Path:
    """Where a pointer's WARC is: relative to warc_dir, or the path as recorded.

    The crawler stores paths relative to the WARC directory; `harvest replay`
    stores the path it was given. The same rule as `harvest verify`. Pointing at
    a file that is not a WARC gets nothing out: `read_record` insists on a
    WARC record with the expected id.
    """
    recorded = Path(warc_file)
    in_dir = Path(warc_dir) / warc_file
    if not recorded.is_absolute() and in_dir.exists():
        return in_dir
    if recorded.exists():
        return recorded
    raise SnapshotError(f"{warc_file}: no such WARC file (in {warc_dir} or as given)")


def record_from_warcio(record, path: Path, offset: int) -> Record:
    """Our `Record` from a warcio record positioned at its content (payload read here)."""
    rec = record.rec_headers
    http = record.http_headers if record.http_headers else None
    status = http.get_statuscode() if http is not None and http.statusline else None
    content_type = (http.get_header("Content-Type") if http is not None else None) or \
        (rec.get_header("Content-Type") if record.rec_type in ("resource", "response") else None)
    return Record(
        path=path, offset=offset, record_type=record.rec_type,
        record_id=rec.get_header("WARC-Record-ID"), target_uri=rec.get_header("WARC-Target-URI"),
        warc_date=rec.get_header("WARC-Date"), payload_digest=rec.get_header("WARC-Payload-Digest"),
        http_status=int(status) if status and status.isdigit() else None,
        http_headers=list(http.headers) if http is not None else None,
        content_type=content_type,
        payload=record.content_stream().read(),
        profile=rec.get_header("WARC-Profile"), refers_to=rec.get_header("WARC-Refers-To"),
        refers_to_uri=rec.get_header("WARC-Refers-To-Target-URI"),
        refers_to_date=rec.get_header("WARC-Refers-To-Date"))


def read_record(path: str | Path, offset: int, record_id: str | None = None, *,
                check_digests: bool = False) -> Record:
    """The record at `offset` of `path`, its payload decoded of transfer/content encoding.

    With `check_digests`, warcio recomputes the block and payload digests while
    reading; what disagrees is in `digest_problems`.
    """
    path = Path(path)
    try:
        with open(path, "rb") as stream:
            stream.seek(offset)
            iterator = ArchiveIterator(stream, check_digests=check_digests)
            for warc_record in iterator:
                found_id = warc_record.rec_headers.get_header("WARC-Record-ID")
                if record_id and found_id != record_id:
                    raise SnapshotError(f"{path}@{offset}: record {found_id} is not {record_id}")
                record = record_from_warcio(warc_record, path, offset)
                if check_digests:
                    iterator.read_to_end(warc_record)
                    record.digest_problems = list(warc_record.digest_checker.problems)
                return record
    except OSError as error:
        raise SnapshotError(f"{path}: {error.strerror or error}") from error
    except SnapshotError:
        raise
    except Exception as error:  # warcio raises assorted errors on broken input
        message = str(error).splitlines()[0] if str(error) else error.__class__.__name__
        raise SnapshotError(f"{path}@{offset}: not a readable WARC record ({message})") from error
    raise SnapshotError(f"{path}@{offset}: no record there")


def resolve_revisit(record: Record, index: "CdxjIndex | None") -> Record:
    """The full capture a revisit stands for (the record itself when it is not a revisit).

    Found through the CDXJ index: by WARC-Refers-To, else by payload digest, else as
    the newest full capture of WARC-Refers-To-Target-URI up to the revisit's date.
    """
    hops = 0
    while record.is_revisit:
        if index is None:
            raise SnapshotError(f"{record.path}@{record.offset}: a revisit, and no CDXJ index to resolve it")
        entry = index.full_capture_for(record)
        if entry is None:
            raise SnapshotError(f"{record.path}@{record.offset}: the capture this revisit refers to "
                                f"({record.refers_to or record.payload_digest or record.target_uri}) is not indexed")
        hops += 1
        if hops > MAX_REVISIT_HOPS:
            raise SnapshotError(f"{record.path}@{record.offset}: revisit chain longer than {MAX_REVISIT_HOPS}")
        record = read_record(index.path_of(entry), entry.offset, entry.record_id or None)
    return record


def read_snapshot(path: str | Path, offset: int, record_id: str | None = None, *,
                  index: "CdxjIndex | None" = None, warc_dir: str | Path | None = None) -> Snapshot:
    """What the record at `offset` stands for: its payload, or a revisit's resolved one.

    `index` (or the index of `warc_dir`) resolves revisits; a revisit with neither
    is a SnapshotError. A revisit keeps its own HTTP status and headers when it has
    them (identical-payload-digest); one without (server-not-modified) is served
    with those of the capture it refers to.
    """
    record = read_record(path, offset, record_id)
    if record.record_type not in ("response", "resource", "revisit"):
        raise SnapshotError(f"{path}@{offset}: a {record.record_type} record has no payload")
    full = record
    if record.is_revisit:
        if index is None and warc_dir is not None:
            from .cdxj import CdxjIndex

            index = CdxjIndex.load(warc_dir)
        full = resolve_revisit(record, index)
    own = record.http_headers is not None and record.http_status is not None
    headers = record.http_headers if own else full.http_headers
    return Snapshot(
        payload=full.payload,
        content_type=(record.content_type if own else None) or full.content_type,
        http_status=record.http_status if own else full.http_status,
        target_uri=record.target_uri,
        record_id=record.record_id,
        headers=list(headers or []),
        resolved_from=full.record_id if full is not record else None,
    )
