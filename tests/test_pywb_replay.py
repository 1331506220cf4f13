"""The WARCs we write replay in pywb, revisit records included (contract section 5):
a deduplicated body and a 304 refresh both replay with the 200 body they stand for."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import pytest

from archive.warcstore import Exchange, Reference, WarcStore

# pywb lives in a virtualenv of its own (`make pywb`): it pins redis 2.x, which scrapy-redis cannot use.
BIN = next((d for d in (Path(__file__).resolve().parent.parent / ".venv" / "pywb" / "bin",
                        Path(shutil.which("wayback") or "/nonexistent").parent) if (d / "wayback").exists()), None)
if BIN is None:
    pytest.skip("pywb is not installed (make pywb puts it in .venv/pywb)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_pywb_replays_responses_and_revisits(tmp_path: Path) -> None:
    body = "<html><head><title>深圳湾龙舟赛</title></head><body><p>Dragon boats 龙舟</p></body></html>".encode()
    fetched = datetime(2024, 6, 11, 6, 6, tzinfo=timezone.utc)
    refreshed = datetime(2024, 6, 12, 6, 6, tzinfo=timezone.utc)
    exchanges = [Exchange(url=url, method="GET", request_headers=[("User-Agent", "test")], status=200,
                          reason="OK", protocol="HTTP/1.1",
                          response_headers=[("Content-Type", "text/html; charset=utf-8"), ("ETag", '"v1"')],
                          body=body, fetched_at=fetched, ip_address="127.0.0.1")
                 for url in ("http://news.example/a/1.html", "http://news.example/a/1.html?from=feed")]
    warc = tmp_path / "crawl.warc.gz"
    with WarcStore(tmp_path, single_file=warc) as store:
        pointers = [store.write_exchange(ex) for ex in exchanges]
        # The next day: a conditional request for the first URL, answered 304.
        not_modified = store.write_exchange(Exchange(
            url=exchanges[0].url, method="GET", request_headers=[("If-None-Match", '"v1"')], status=304,
            reason="Not Modified", protocol="HTTP/1.1", response_headers=[("ETag", '"v1"')], body=b"",
            fetched_at=refreshed, refers_to=Reference(pointers[0].warc_record_id, exchanges[0].url,
                                                      pointers[0].fetched_at, pointers[0].payload_digest)))
    assert [p.record_type for p in pointers] == ["response", "revisit"]
    assert not_modified.record_type == "revisit" and not_modified.payload_digest == pointers[0].payload_digest

    subprocess.run([str(BIN / "wb-manager"), "init", "news"], cwd=tmp_path, check=True, capture_output=True)
    subprocess.run([str(BIN / "wb-manager"), "add", "news", str(warc)], cwd=tmp_path, check=True,
                   capture_output=True)
    port = free_port()
    server = subprocess.Popen([str(BIN / "wayback"), "--bind", "127.0.0.1", "--port", str(port)],
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}/news/20240611060600id_/"
        deadline = time.monotonic() + 30
        while True:
            try:
                status, payload = get(base + exchanges[0].url)
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert status == 200 and payload == body
        status, payload = get(base + exchanges[1].url)
        assert status == 200 and payload == body, "the revisit resolves to the first copy's payload"
        # The refreshed URL, at the time of its 304 and as its latest capture: the 200 body, not a 304.
        for stamp in ("20240612060600id_/", "id_/"):
            status, payload = get(f"http://127.0.0.1:{port}/news/{stamp}{exchanges[0].url}")
            assert status == 200 and payload == body, stamp
    finally:
        server.terminate()
        server.wait(timeout=10)
