"""`harvest serve` runs Datasette in its own process: a SIGTERM stops it and frees the port."""
from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from archive.store import Archive
from tests.archive_samples import shenzhen
from tests.conftest import ROOT

PORT_FREED_WITHIN = 3.0  # seconds, as the issue asks of a stopped server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def can_bind(port: int) -> bool:
    """Could a new server listen here? (SO_REUSEADDR as servers set it: closed connections
    in TIME_WAIT do not hold a port, a listening socket does.)"""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_sigterm_stops_the_server_and_frees_its_port(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    with Archive(db) as archive:
        archive.store_article(shenzhen())
        article_id = archive.current_id(shenzhen()["canonical_url"])
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "harvester.cli", "serve", "--db", str(db),
                                "--warc-dir", str(tmp_path / "warcs"), "--port", str(port)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = get(f"{base}/-/article/{article_id}?database=news")
                break
            except (urllib.error.URLError, ConnectionError):
                assert process.poll() is None, process.stdout.read().decode()
                assert time.monotonic() < deadline, "harvest serve never answered"
                time.sleep(0.1)
        assert status == 200 and "深圳".encode() in body, "metadata re-keyed and the plugin loaded"

        process.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        process.wait(timeout=PORT_FREED_WITHIN)
        while not can_bind(port):
            assert time.monotonic() - stopped < PORT_FREED_WITHIN, "the port is still held"
            time.sleep(0.05)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = process.stdout.read().decode()
    assert "Traceback" not in output, output
