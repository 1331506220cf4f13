"""Bad input gets one line on stderr naming the input, a non-zero exit, no traceback."""
from __future__ import annotations

import socket
import sqlite3
from pathlib import Path


def assert_one_line_error(result, name: str) -> None:
    assert result.returncode != 0, result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert name in lines[0]
    assert "Traceback" not in result.stderr


def test_extract_missing_file(harvest, tmp_path: Path) -> None:
    missing = tmp_path / "nope.html"
    assert_one_line_error(harvest("extract", str(missing)), "nope.html")


def test_extract_non_html_file(harvest, tmp_path: Path) -> None:
    png = tmp_path / "picture.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    assert_one_line_error(harvest("extract", str(png)), "picture.png")


def test_replay_broken_warc(harvest, tmp_path: Path) -> None:
    broken = tmp_path / "broken.warc.gz"
    broken.write_bytes(b"not a warc\n" * 5)
    db = tmp_path / "a.db"
    assert_one_line_error(harvest("replay", str(broken), "--db", str(db)), "broken.warc.gz")


def test_crawl_unreachable_host(harvest, tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/article/1.html"
    db = tmp_path / "a.db"
    result = harvest("crawl", url, "--db", str(db), "--warc-dir", str(tmp_path / "w"), "--quiet",
                     "-s", "RETRY_TIMES=0")
    assert_one_line_error(result, url)
    if db.exists():
        with sqlite3.connect(db) as conn:
            assert conn.execute("select count(*) from articles").fetchone()[0] == 0
