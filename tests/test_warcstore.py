"""The WARC store writes what warcio reads back: pairs, digests, revisits, rotation."""
from __future__ import annotations

import dataclasses
import errno
import gzip
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.cdxj import CdxjIndex, update_index
from archive.snapshot import SnapshotError, read_snapshot
from archive.warcstore import (EMPTY_DIGEST, NOT_MODIFIED_PROFILE, Exchange, Reference, WarcError,
                               WarcStore, WarcWriteError, iter_responses, sha1_payload_digest)

FETCHED = datetime(2024, 3, 5, 2, 20, tzinfo=timezone.utc)


def exchange(url: str, body: bytes, **extra) -> Exchange:
    return Exchange(url=url, method="GET", request_headers=[("User-Agent", "test")], status=200,
                    reason="OK", protocol="HTTP/1.1",
                    response_headers=[("Content-Type", "text/html; charset=utf-8"),
                                      ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
                    body=body, fetched_at=FETCHED, ip_address="127.0.0.1", **extra)


def records(path: Path) -> list:
    with open(path, "rb") as handle:
        return [(r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read())
                for r in ArchiveIterator(handle)]


def test_request_and_response_are_linked_and_digested(tmp_path: Path) -> None:
    with WarcStore(tmp_path, prefix="t") as store:
        pointer = store.write_exchange(exchange("http://127.0.0.1/a?x=1", b"<html>hello</html>"))
    [path] = list(tmp_path.glob("t-*.warc.gz"))
    kinds = [r[0] for r in records(path)]
    assert kinds == ["warcinfo", "response", "request"]
    _, response_headers, http_headers, payload = records(path)[1]
    _, request_headers, request_http, _ = records(path)[2]
    assert payload == b"<html>hello</html>"
    assert response_headers.get_header("WARC-Payload-Digest") == sha1_payload_digest(payload)
    assert response_headers.get_header("WARC-Block-Digest")
    assert response_headers.get_header("WARC-IP-Address") == "127.0.0.1"
    assert request_headers.get_header("WARC-Concurrent-To") == pointer.warc_record_id
    assert request_http.protocol == "GET /a?x=1 HTTP/1.1" or "GET /a?x=1" in str(request_http)
    assert [v for k, v in http_headers.headers if k == "Set-Cookie"] == ["a=1", "b=2"], "repeated headers kept"
    record = read_snapshot(path, pointer.warc_offset)
    assert record.record_id == pointer.warc_record_id


def test_same_payload_becomes_a_revisit(tmp_path: Path) -> None:
    with WarcStore(tmp_path) as store:
        first = store.write_exchange(exchange("http://127.0.0.1/a", b"same"))
        second = store.write_exchange(exchange("http://127.0.0.1/a", b"same"))
    assert (first.record_type, second.record_type) == ("response", "revisit")
    [path] = list(tmp_path.glob("*.warc.gz"))
    revisit = [r for r in records(path) if r[0] == "revisit"][0]
    assert revisit[1].get_header("WARC-Refers-To") == first.warc_record_id
    assert "identical-payload-digest" in revisit[1].get_header("WARC-Profile")
    replayed = list(iter_responses(path))
    assert [r.body for r in replayed] == [b"same", b"same"]


def test_files_rotate_by_size_and_pass_warcio_check(tmp_path: Path) -> None:
    with WarcStore(tmp_path, max_size=2000) as store:
        for n in range(6):
            store.write_exchange(exchange(f"http://127.0.0.1/{n}", bytes(range(256)) * 8 + bytes([n])))
    files = sorted(tmp_path.glob("*.warc.gz"))
    assert len(files) >= 3
    for path in files:
        with gzip.open(path) as handle:
            assert handle.read(8) == b"WARC/1.1"
        warcio = Path(sys.executable).with_name("warcio")
        result = subprocess.run([str(warcio), "check", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_broken_warc_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.warc.gz"
    broken.write_bytes(b"this is not a warc file at all\n" * 10)
    with pytest.raises(WarcError, match="broken.warc.gz"):
        list(iter_responses(broken))


def not_modified(url: str, refers_to: Reference | None = None, **extra) -> Exchange:
    return Exchange(url=url, method="GET", request_headers=[("If-None-Match", '"v1"')], status=304,
                    reason="Not Modified", protocol="HTTP/1.1",
                    response_headers=[("ETag", '"v1"'), ("Date", "Wed, 06 Mar 2024 02:20:00 GMT")],
                    body=b"", fetched_at=FETCHED.replace(day=6), refers_to=refers_to, **extra)


def test_a_304_is_a_server_not_modified_revisit_of_the_last_full_capture(tmp_path: Path) -> None:
    url = "http://127.0.0.1/a"
    with WarcStore(tmp_path) as store:
        first = store.write_exchange(exchange(url, b"<html>full body</html>"))
        again = store.write_exchange(not_modified(url))  # the store remembers what it wrote
    [path] = list(tmp_path.glob("*.warc.gz"))
    kinds = [(r[0], r[1].get_header("WARC-Type")) for r in records(path)]
    assert [k for k, _ in kinds] == ["warcinfo", "response", "request", "revisit", "metadata", "request"]
    _, revisit, http, block = next(r for r in records(path) if r[0] == "revisit")
    assert revisit.get_header("WARC-Profile") == NOT_MODIFIED_PROFILE
    assert revisit.get_header("WARC-Refers-To") == first.warc_record_id
    assert revisit.get_header("WARC-Refers-To-Target-URI") == url
    assert revisit.get_header("WARC-Refers-To-Date") == first.fetched_at
    assert revisit.get_header("WARC-Payload-Digest") == first.payload_digest != EMPTY_DIGEST
    assert not http and block == b"", "no HTTP message: replay tools serve the capture referred to"
    _, meta, _, fields = next(r for r in records(path) if r[0] == "metadata")
    assert meta.get_header("WARC-Concurrent-To") == again.warc_record_id
    assert b"http-status-line: HTTP/1.1 304 Not Modified" in fields and b'http-header: ETag: "v1"' in fields
    assert (again.record_type, again.status) == ("revisit", 304)
    # Read back, the refresh stands for the full capture: its status, headers and body.
    replayed = list(iter_responses(path))
    assert [(r.record_type, r.status, r.body) for r in replayed] == [
        ("response", 200, b"<html>full body</html>"), ("revisit", 200, b"<html>full body</html>")]
    assert ("Set-Cookie", "a=1") in replayed[1].headers


def test_a_304_resolves_across_files_through_the_index(tmp_path: Path) -> None:
    url = "http://127.0.0.1/b"
    with WarcStore(tmp_path, prefix="one") as store:
        first = store.write_exchange(exchange(url, b"<html>kept</html>"))
    reference = Reference(first.warc_record_id, url, first.fetched_at, first.payload_digest)
    with WarcStore(tmp_path, prefix="two") as store:
        later = store.write_exchange(not_modified(url, reference))
    update_index(tmp_path, sorted(tmp_path.glob("*.warc.gz")))
    snapshot = read_snapshot(tmp_path / later.warc_file, later.warc_offset, later.warc_record_id,
                             warc_dir=tmp_path)
    assert (snapshot.payload, snapshot.http_status, snapshot.resolved_from) == (
        b"<html>kept</html>", 200, first.warc_record_id)
    index = CdxjIndex.load(tmp_path)
    assert index.newest(url).record_id == later.warc_record_id
    assert index.newest_full(url).record_id == first.warc_record_id
    with pytest.raises(SnapshotError, match="revisit"):
        read_snapshot(tmp_path / later.warc_file, later.warc_offset)  # no index given: cannot resolve


def test_empty_payloads_are_never_deduplicated(tmp_path: Path) -> None:
    with WarcStore(tmp_path) as store:
        kinds = [store.write_exchange(exchange(f"http://127.0.0.1/{n}", b"")).record_type for n in range(2)]
        # A 304 nobody asked for (no validators sent) is recorded as the response it is.
        unasked = store.write_exchange(dataclasses.replace(not_modified("http://127.0.0.1/0"),
                                                           request_headers=[("User-Agent", "t")]))
    assert kinds == ["response", "response"] and unasked.record_type == "response"
    [path] = list(tmp_path.glob("*.warc.gz"))
    assert not [r for r in records(path) if r[0] == "revisit"]
    assert not store.known_digests


class FullDisk:
    """A WARC file handle whose next write gets half its bytes out, then ENOSPC."""

    def __init__(self, handle) -> None:
        self.handle = handle

    def write(self, data) -> int:
        self.handle.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name: str):
        return getattr(self.handle, name)


def test_a_failed_write_is_cut_back_off_the_file(tmp_path: Path) -> None:
    with WarcStore(tmp_path) as store:
        store.write_exchange(exchange("http://127.0.0.1/ok", b"<html>ok</html>"))
        [path] = list(tmp_path.glob("*.warc.gz"))
        size = path.stat().st_size
        store._file = FullDisk(store._file)
        with pytest.raises(WarcWriteError, match="No space left on device"):
            store.write_exchange(exchange("http://127.0.0.1/lost", b"<html>lost</html>" * 100))
    assert path.stat().st_size == size
    assert [r.url for r in iter_responses(path)] == ["http://127.0.0.1/ok"]
