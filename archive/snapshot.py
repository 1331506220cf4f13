"""Read one archived HTTP payload back out of a WARC, by the archive's pointer.

The archive stores (warc_file, warc_offset, warc_record_id) for every article; this
is the inverse: seek to the offset, read the single record there with warcio's
streaming `ArchiveIterator` (one gzip member per record, so no index is needed),
and check it is the record the archive meant.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator


class SnapshotError(LookupError):
    """The pointer does not lead to a readable response record."""


@dataclass
class Snapshot:
    payload: bytes
    content_type: str | None
    http_status: int | None
    target_uri: str | None
    record_id: str | None


def resolve_warc_path(warc_dir: str | Path, warc_file: str) -> Path:
    """Where a pointer's WARC is: relative to warc_dir, or the path as recorded.

    The crawler stores paths relative to the WARC directory; `harvest replay`
    stores the path it was given. The same rule as `harvest verify`. Pointing at
    a file that is not a WARC gets nothing out: `read_snapshot` insists on a
    WARC record with the expected id.
    """
    recorded = Path(warc_file)
    in_dir = Path(warc_dir) / warc_file
    if not recorded.is_absolute() and in_dir.exists():
        return in_dir
    if recorded.exists():
        return recorded
    raise SnapshotError(f"{warc_file}: no such WARC file (in {warc_dir} or as given)")


def read_snapshot(path: str | Path, offset: int, record_id: str | None = None) -> Snapshot:
    """The payload (decoded of transfer/content encoding) of the record at `offset`."""
    try:
        with open(path, "rb") as stream:
            stream.seek(offset)
            for record in ArchiveIterator(stream):
                found_id = record.rec_headers.get_header("WARC-Record-ID")
                if record_id and found_id != record_id:
                    raise SnapshotError(f"{path}@{offset}: record {found_id}, expected {record_id}")
                if record.rec_type not in ("response", "resource"):
                    raise SnapshotError(f"{path}@{offset}: a {record.rec_type} record has no payload")
                http = record.http_headers
                content_type = (http.get_header("Content-Type") if http else None) or \
                    record.rec_headers.get_header("Content-Type")
                status = int(http.get_statuscode()) if http and http.get_statuscode() else None
                return Snapshot(
                    payload=record.content_stream().read(),
                    content_type=content_type,
                    http_status=status,
                    target_uri=record.rec_headers.get_header("WARC-Target-URI"),
                    record_id=found_id,
                )
    except OSError as error:
        raise SnapshotError(f"{path}: {error.strerror or error}") from error
    except SnapshotError:
        raise
    except Exception as error:  # warcio raises assorted errors on broken input
        raise SnapshotError(f"{path}@{offset}: not a readable WARC record ({error})") from error
    raise SnapshotError(f"{path}@{offset}: no record there")
