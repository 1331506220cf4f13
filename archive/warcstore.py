"""The WARC store: every HTTP exchange as request/response (or revisit) records.

warcio does the record building, digests and gzip members; this module adds what it
leaves to its callers: size-based rotation with the usual prefix-timestamp-serial
names, a warcinfo record opening each file, revisit records, and the pointer (file,
offset, length, record id) that the archive keeps. It knows nothing of Scrapy:
callers hand it plain bytes and header lists.

Revisits follow WARC 1.1 (section 6.7):

- a 200 whose non-empty body is already stored is an `identical-payload-digest`
  revisit naming the first full copy; an empty payload is never deduplicated;
- a 304 answering a conditional request is a `server-not-modified` revisit naming
  the last full capture of the URL (WARC-Refers-To, -Target-URI, -Date, and that
  capture's payload digest). Its block holds no HTTP message, so replay tools
  (pywb, ReplayWeb.page) serve the capture it refers to; the server's 304 status
  line and headers are kept in a `metadata` record concurrent to it.

Each record goes to disk in one write, and a file is fsynced when it is closed or
rotated; a write that fails (a full disk) is cut back off the file and raised as
`WarcWriteError`. While a file is open its writer holds an exclusive flock on it,
which tells the indexer (archive/cdxj.py) that it is still being written.
"""
from __future__ import annotations

import base64
import fcntl
import gzip
import hashlib
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

if TYPE_CHECKING:
    from archive.cdxj import CdxjIndex
    from archive.snapshot import Record

HeaderList = Sequence[tuple[str, str]]
DEFAULT_MAX_SIZE = 100 * 1024 * 1024  # bytes per file before rotating


NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
IDENTICAL_PAYLOAD_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
CONDITIONAL_HEADERS = ("if-none-match", "if-modified-since")


class WarcError(ValueError):
    """A WARC file or pointer that cannot be read as promised."""


class WarcWriteError(OSError):
    """A record could not be written (a full disk, a file-size limit); the file is left whole."""


@dataclass(frozen=True)
class Reference:
    """An earlier capture a revisit names: its record id, URL, WARC date and payload digest."""

    record_id: str | None
    target_uri: str
    warc_date: str
    payload_digest: str | None = None


@dataclass(frozen=True)
class Exchange:
    """One fetch as the server sent it: what `WarcStore.write_exchange` records."""

    url: str
    method: str
    request_headers: HeaderList
    status: int
    reason: str
    protocol: str
    response_headers: HeaderList
    body: bytes  # payload before any content-decoding
    fetched_at: datetime
    ip_address: str | None = None
    request_body: bytes = b""
    # The capture a conditional request was made against (its validators), if the caller knows it.
    refers_to: Reference | None = None

    @property
    def conditional(self) -> bool:
        return any(name.lower() in CONDITIONAL_HEADERS for name, _ in self.request_headers)


@dataclass(frozen=True)
class Pointer:
    """Where a response (or revisit) record lives: what archive rows point at."""

    warc_file: str
    warc_offset: int
    warc_length: int
    warc_record_id: str
    record_type: str
    payload_digest: str
    url: str
    status: int
    fetched_at: str
    content_type: str

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def sha1_payload_digest(body: bytes) -> str:
    """The `WARC-Payload-Digest` value warcio writes, computed without a writer."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


EMPTY_DIGEST = sha1_payload_digest(b"")


class WarcStore:
    """A rotating WARC writer for one crawl (one process, one writer at a time)."""

    def __init__(self, directory: str | os.PathLike, prefix: str = "harvest",
                 max_size: int = DEFAULT_MAX_SIZE, info: dict | None = None,
                 known_digests: dict[str, tuple[str, str, str]] | None = None,
                 single_file: str | os.PathLike | None = None) -> None:
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_size = max_size
        self.info = info or {}
        # payload digest -> (record id, target uri, warc date) of the first full copy
        self.known_digests: dict[str, tuple[str, str, str]] = dict(known_digests or {})
        # url -> the last full 200 capture of it written here: what a later 304 refers to
        self.last_capture: dict[str, Reference] = {}
        self.single_file = Path(single_file) if single_file else None
        self._serial = 0
        self._file = None
        self._writer: WARCWriter | None = None
        self._path: Path | None = None
        self.files: list[Path] = []

    # -- file management -------------------------------------------------
    def _next_path(self) -> Path:
        if self.single_file is not None:
            return self.single_file
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")[:17]
        self._serial += 1
        return self.directory / f"{self.prefix}-{stamp}-{self._serial:05d}-{socket.gethostname()}.warc.gz"

    def _open(self) -> WARCWriter:
        if self._writer is not None and (self.single_file is not None or self._file.tell() < self.max_size):
            return self._writer
        self.close()
        path = self._next_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "ab", buffering=0)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise WarcWriteError(f"{path}: another process is writing this WARC file") from None
        self._file = handle
        self._writer = WARCWriter(BytesIO(), gzip=True, warc_version="1.1")  # builds records only
        self._path = path
        self.files.append(path)
        if self._file.tell() == 0:
            info = {"software": "news-harvester", "format": "WARC File Format 1.1",
                    "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
                    "hostname": socket.gethostname(), **self.info}
            self._write(self._writer.create_warcinfo_record(path.name, info))
        return self._writer

    def close(self) -> None:
        """Flush, fsync and close the current file; the next write opens a new one."""
        if self._file is not None:
            try:
                os.fsync(self._file.fileno())
            except OSError:
                pass  # a file we could not sync is still whole up to its last record
            self._file.close()  # drops the flock too
        self._file = self._writer = self._path = None

    def __enter__(self) -> "WarcStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing ---------------------------------------------------------
    def _write(self, record) -> tuple[str, int, int]:
        """Append one record as one gzip member in one write; cut it back off if that fails."""
        buffer = BytesIO()
        WARCWriter(buffer, gzip=True, warc_version="1.1").write_record(record)
        data = memoryview(buffer.getbuffer())
        offset = self._file.tell()
        try:
            while data:
                data = data[self._file.write(data):]
        except OSError as exc:
            path = self._path
            try:
                self._file.truncate(offset)
                self._file.seek(offset)
            except OSError:
                pass
            self.close()
            raise WarcWriteError(f"{path}: cannot write a WARC record ({exc.strerror or exc})") from None
        return self._relative(self._path), offset, self._file.tell() - offset

    def _relative(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.directory))
        except ValueError:
            return str(path)

    def write_exchange(self, ex: Exchange) -> Pointer:
        """Write the response (or a revisit) and its request; return the response's pointer."""
        writer = self._open()
        warc_date = datetime_to_iso_date(ex.fetched_at.astimezone(timezone.utc).replace(tzinfo=None),
                                         use_micros=True)
        http_headers = StatusAndHeaders(f"{ex.status} {ex.reason}".strip(), list(ex.response_headers),
                                        protocol=ex.protocol or "HTTP/1.1")
        warc_headers = {"WARC-Date": warc_date}
        if ex.ip_address:
            warc_headers["WARC-IP-Address"] = ex.ip_address
        digest = sha1_payload_digest(ex.body)
        metadata = None
        if ex.status == 304 and ex.conditional:
            response, digest = self._not_modified(writer, ex, warc_headers)
            metadata = self._http_metadata(writer, ex, warc_date, response)
        else:
            seen = self.known_digests.get(digest) if self._dedupable(ex) else None
            if seen is not None:
                refers_id, refers_uri, refers_date = seen
                response = writer.create_warc_record(ex.url, "revisit", http_headers=http_headers,
                                                     warc_headers_dict=dict(warc_headers))
                _add_revisit_headers(response, IDENTICAL_PAYLOAD_PROFILE,
                                     Reference(refers_id, refers_uri, refers_date, digest))
            else:
                response = writer.create_warc_record(ex.url, "response", payload=BytesIO(ex.body),
                                                     length=len(ex.body), http_headers=http_headers,
                                                     warc_headers_dict=warc_headers)
        record_id = response.rec_headers.get_header("WARC-Record-ID")
        warc_file, offset, length = self._write(response)
        if self._dedupable(ex):
            if response.rec_type == "response":
                self.known_digests.setdefault(digest, (record_id, ex.url, warc_date))
            first_id, first_uri, first_date = self.known_digests[digest]
            self.last_capture[ex.url] = Reference(first_id, first_uri, first_date, digest)
        if metadata is not None:
            self._write(metadata)

        path_and_query = _path_and_query(ex.url)
        request_headers = list(ex.request_headers)
        if not any(name.lower() == "host" for name, _ in request_headers):
            request_headers.insert(0, ("Host", _host(ex.url)))
        request = writer.create_warc_record(
            ex.url, "request", payload=BytesIO(ex.request_body), length=len(ex.request_body),
            http_headers=StatusAndHeaders(f"{ex.method} {path_and_query} {ex.protocol or 'HTTP/1.1'}",
                                          request_headers, is_http_request=True),
            warc_headers_dict={"WARC-Date": warc_date, "WARC-Concurrent-To": record_id})
        self._write(request)
        content_type = next((v for k, v in ex.response_headers if k.lower() == "content-type"), "")
        return Pointer(warc_file=warc_file, warc_offset=offset, warc_length=length,
                       warc_record_id=record_id, record_type=response.rec_type,
                       payload_digest=digest or "", url=ex.url, status=ex.status,
                       fetched_at=warc_date, content_type=content_type)

    @staticmethod
    def _dedupable(ex: Exchange) -> bool:
        """Only a 200 with a body is deduplicated (or deduplicated against)."""
        return ex.status == 200 and bool(ex.body)

    def _not_modified(self, writer: WARCWriter, ex: Exchange, warc_headers: dict) -> tuple:
        """A server-not-modified revisit naming the last full capture of the URL, if known.

        The caller's reference (from the archive) is preferred; its digest is mapped to
        the first full copy of that payload so replay tools find a record with a body.
        """
        reference = ex.refers_to or self.last_capture.get(ex.url)
        if reference is not None and reference.payload_digest in self.known_digests:
            first_id, first_uri, first_date = self.known_digests[reference.payload_digest]
            reference = Reference(first_id, first_uri, first_date, reference.payload_digest)
        revisit = writer.create_warc_record(ex.url, "revisit", warc_headers_dict=dict(warc_headers))
        _add_revisit_headers(revisit, NOT_MODIFIED_PROFILE, reference)
        digest = reference.payload_digest if reference is not None else None
        return revisit, digest

    @staticmethod
    def _http_metadata(writer: WARCWriter, ex: Exchange, warc_date: str, revisit) -> object:
        """The server's own 304 status line and headers, as warc-fields beside the revisit."""
        lines = [f"http-status-line: {ex.protocol or 'HTTP/1.1'} {ex.status} {ex.reason}".rstrip()]
        lines += [f"http-header: {name}: {value}" for name, value in ex.response_headers]
        block = ("\r\n".join(lines) + "\r\n").encode("utf-8")
        return writer.create_warc_record(
            ex.url, "metadata", payload=BytesIO(block), length=len(block),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Date": warc_date,
                               "WARC-Concurrent-To": revisit.rec_headers.get_header("WARC-Record-ID")})


def _add_revisit_headers(record, profile: str, reference: Reference | None) -> None:
    """WARC-Profile and, when the earlier capture is known, the WARC-Refers-To* fields."""
    headers = record.rec_headers
    headers.add_header("WARC-Profile", profile)
    if reference is None:
        return
    if reference.record_id:
        headers.add_header("WARC-Refers-To", reference.record_id)
    headers.add_header("WARC-Refers-To-Target-URI", reference.target_uri)
    headers.add_header("WARC-Refers-To-Date", reference.warc_date)
    if reference.payload_digest:
        headers.add_header("WARC-Payload-Digest", reference.payload_digest)


def _path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _host(url: str) -> str:
    return urlsplit(url).netloc


# -- reading -------------------------------------------------------------
@dataclass
class ResponseRecord:
    """A response read back from a WARC: enough to rebuild a Page and a pointer."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes  # payload with transfer- and content-encoding removed
    fetched_at: datetime
    warc_file: str
    warc_offset: int
    warc_length: int
    warc_record_id: str
    payload_digest: str
    record_type: str


def iter_responses(path: str | os.PathLike, start_offset: int = 0,
                   index: "CdxjIndex | None" = None) -> Iterator[ResponseRecord]:
    """Stream the captures (responses and resolved revisits) of a WARC file.

    A revisit is served with the payload of the capture it stands for: found in this
    file when it came earlier, else through `index` (archive/cdxj.py); one that cannot
    be resolved is skipped. A revisit without its own HTTP message (a 304's
    server-not-modified) takes the status and headers of that capture too.
    """
    from archive.snapshot import SnapshotError, record_from_warcio, resolve_revisit

    path = Path(path)
    seen: dict[str, Record] = {}  # record id / payload digest -> full record of this file
    try:
        with open(path, "rb") as handle:
            _check_magic(path, handle)
            handle.seek(start_offset)
            iterator = ArchiveIterator(handle)
            for warc_record in iterator:
                if warc_record.rec_type not in ("response", "revisit"):
                    continue
                if warc_record.rec_type == "response" and warc_record.http_headers is None:
                    continue
                record = record_from_warcio(warc_record, path, 0)  # reads the payload first:
                iterator.read_to_end(warc_record)  # asking for the offset earlier would skip it
                offset = record.offset = start_offset + iterator.get_record_offset()
                full = record
                if record.is_revisit:
                    full = seen.get(record.refers_to or "") or seen.get(record.payload_digest or "")
                    if full is None:
                        try:
                            full = resolve_revisit(record, index)
                        except SnapshotError:
                            continue  # the full copy is elsewhere and unknown: nothing to re-extract
                else:
                    seen[record.record_id or ""] = record
                    if record.http_status == 200 and record.payload and record.payload_digest:
                        seen.setdefault(record.payload_digest, record)
                own = record.http_headers is not None and record.http_status is not None
                yield ResponseRecord(
                    url=record.target_uri or "", status=(record if own else full).http_status or 0,
                    headers=list((record if own else full).http_headers or []), body=full.payload,
                    fetched_at=_parse_warc_date(record.warc_date),
                    warc_file=str(path), warc_offset=offset,
                    warc_length=iterator.get_record_length(),
                    warc_record_id=record.record_id or "",
                    payload_digest=record.payload_digest or "", record_type=record.record_type)
    except OSError as exc:
        raise WarcError(f"{path}: {exc.strerror or exc}") from None
    except WarcError:
        raise
    except Exception as exc:
        raise WarcError(f"{path}: not a readable WARC file ({exc})") from None


def _check_magic(path: Path, handle) -> None:
    """Refuse early what is not a WARC at all (warcio would only print warnings)."""
    head = handle.read(2)
    handle.seek(0)
    if head == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=handle) as unzipped:
                head = unzipped.read(5)
        except (OSError, EOFError) as exc:
            raise WarcError(f"{path}: not a readable gzip file ({exc})") from None
        handle.seek(0)
    else:
        head = handle.read(5)
        handle.seek(0)
    if head != b"WARC/":
        raise WarcError(f"{path}: not a WARC file (no WARC/ header at the start)")


def _parse_warc_date(value: str | None) -> datetime:
    if not value:
        return datetime.now(timezone.utc)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
