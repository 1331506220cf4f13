"""The WARC store writes what warcio reads back: pairs, digests, revisits, rotation."""
from __future__ import annotations

import gzip
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.snapshot import read_snapshot
from archive.warcstore import (Exchange, WarcError, WarcStore, iter_responses,
                               sha1_payload_digest)

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
