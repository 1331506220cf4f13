"""The WARCs we write replay in pywb, revisit records included (contract section 5)."""
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

from archive.warcstore import Exchange, WarcStore

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
    exchanges = [Exchange(url=url, method="GET", request_headers=[("User-Agent", "test")], status=200,
                          reason="OK", protocol="HTTP/1.1",
                          response_headers=[("Content-Type", "text/html; charset=utf-8")], body=body,
                          fetched_at=fetched, ip_address="127.0.0.1")
                 for url in ("http://news.example/a/1.html", "http://news.example/a/1.html?from=feed")]
    warc = tmp_path / "crawl.warc.gz"
    with WarcStore(tmp_path, single_file=warc) as store:
        kinds = [store.write_exchange(ex).record_type for ex in exchanges]
    assert kinds == ["response", "revisit"]

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
    finally:
        server.terminate()
        server.wait(timeout=10)
