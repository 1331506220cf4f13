"""The WARC store: every HTTP exchange as request/response (or revisit) records.

warcio does the record building, digests and gzip members; this module adds what it
leaves to its callers: size-based rotation with the usual prefix-timestamp-serial
names, a warcinfo record opening each file, revisit records for payloads already
stored, and the pointer (file, offset, length, record id) that the archive keeps.
It knows nothing of Scrapy: callers hand it plain bytes and header lists.
"""
from __future__ import annotations

import gzip
import hashlib
import base64
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from typing import Callable, Iterator, Sequence
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

HeaderList = Sequence[tuple[str, str]]
DEFAULT_MAX_SIZE = 100 * 1024 * 1024  # bytes per file before rotating


class WarcError(ValueError):
    """A WARC file or pointer that cannot be read as promised."""


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
        self._file = open(path, "ab")
        self._writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
        self._path = path
        self.files.append(path)
        if self._file.tell() == 0:
            info = {"software": "news-harvester", "format": "WARC File Format 1.1",
                    "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
                    "hostname": socket.gethostname(), **self.info}
            self._writer.write_record(self._writer.create_warcinfo_record(path.name, info))
        return self._writer

    def close(self) -> None:
        """Flush and close the current file; the next write opens a new one."""
        if self._file is not None:
            self._file.close()
        self._file = self._writer = self._path = None

    def __enter__(self) -> "WarcStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing ---------------------------------------------------------
    def _write(self, record) -> tuple[str, int, int]:
        writer = self._open()
        offset = self._file.tell()
        writer.write_record(record)
        self._file.flush()
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
        seen = self.known_digests.get(digest)
        if seen is not None:
            refers_id, refers_uri, refers_date = seen
            response = writer.create_revisit_record(ex.url, digest, refers_uri, refers_date,
                                                    http_headers=http_headers,
                                                    warc_headers_dict=dict(warc_headers, **{"WARC-Refers-To": refers_id}))
        else:
            response = writer.create_warc_record(ex.url, "response", payload=BytesIO(ex.body),
                                                 length=len(ex.body), http_headers=http_headers,
                                                 warc_headers_dict=warc_headers)
        record_id = response.rec_headers.get_header("WARC-Record-ID")
        warc_file, offset, length = self._write(response)
        if seen is None:
            self.known_digests[digest] = (record_id, ex.url, warc_date)

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
                       payload_digest=digest, url=ex.url, status=ex.status,
                       fetched_at=warc_date, content_type=content_type)


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
                   resolve: Callable[[str], bytes | None] | None = None) -> Iterator[ResponseRecord]:
    """Stream the response records of a WARC file.

    Revisits are resolved within the file, else through `resolve(payload_digest)`
    (for example from the directory's CDXJ index); unresolvable ones are skipped.
    """
    path = Path(path)
    bodies: dict[str, bytes] = {}
    try:
        with open(path, "rb") as handle:
            _check_magic(path, handle)
            handle.seek(start_offset)
            iterator = ArchiveIterator(handle)
            for record in iterator:
                if record.rec_type not in ("response", "revisit") or record.http_headers is None:
                    continue
                headers = record.rec_headers
                digest = headers.get_header("WARC-Payload-Digest") or ""
                if record.rec_type == "response":
                    body = record.content_stream().read()
                    bodies[digest] = body
                else:
                    body = bodies.get(digest)
                    if body is None and resolve is not None:
                        body = resolve(digest)
                    if body is None:
                        continue  # the full copy is elsewhere and unknown: nothing to re-extract
                iterator.read_to_end(record)
                status_line = record.http_headers.get_statuscode() or "0"
                yield ResponseRecord(
                    url=headers.get_header("WARC-Target-URI"), status=int(status_line),
                    headers=list(record.http_headers.headers), body=body,
                    fetched_at=_parse_warc_date(headers.get_header("WARC-Date")),
                    warc_file=str(path), warc_offset=start_offset + iterator.get_record_offset(),
                    warc_length=iterator.get_record_length(),
                    warc_record_id=headers.get_header("WARC-Record-ID"),
                    payload_digest=digest, record_type=record.rec_type)
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


def payload_resolver(warc_dir: str | os.PathLike) -> Callable[[str], bytes | None]:
    """Find a revisit's payload through the CDXJ index of `warc_dir` (archive.cdxj)."""
    from archive.cdxj import CdxjIndex
    from archive.snapshot import read_snapshot

    index = CdxjIndex.load(warc_dir)

    def resolve(digest: str) -> bytes | None:
        entry = index.full_copy(digest)
        if entry is None:
            return None
        return read_snapshot(index.path_of(entry), entry.offset, entry.record_id).payload

    return resolve
