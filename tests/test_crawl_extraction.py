"""Extraction in worker processes during a crawl: same archive as in-process, no page lost."""
from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from archive.store import content_hash
from fixtures.loader import iter_cases
from fixtures.site import FixtureSite, mirrored
from tests.conftest import ROOT, run_harvest

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "HARVEST_BACKOFF_MIN_DELAY=0.05", "-s", "HARVEST_BACKOFF_MAX_DELAY=0.2",
        "-s", "HARVEST_BACKOFF_RETRIES=1"]
# Columns that depend on when and where a page was fetched, not on what was extracted.
CIRCUMSTANTIAL = {"id", "crawled_at", "crawl_id", "warc_file", "warc_offset", "warc_record_id"}


def archived(db: Path) -> tuple[list[dict], tuple]:
    """Every article row (minus circumstances) with its paragraphs and pairs, in URL order."""
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        rows = []
        for row in conn.execute("SELECT * FROM articles ORDER BY canonical_url, version"):
            article = {k: row[k] for k in row.keys() if k not in CIRCUMSTANTIAL}
            article["paragraphs"] = [tuple(p) for p in conn.execute(
                "SELECT seq, lang, role, text FROM paragraphs WHERE article_id = ? ORDER BY seq", (row["id"],))]
            article["pairs"] = [tuple(p) for p in conn.execute(
                "SELECT seq, en, zh FROM pairs WHERE article_id = ? ORDER BY seq", (row["id"],))]
            rows.append(article)
        counts = conn.execute("SELECT stored, unchanged, deleted, blocked, not_article, errors FROM crawls").fetchone()
    return rows, tuple(counts)


def test_the_pool_stores_exactly_what_in_process_extraction_stores(tmp_path: Path) -> None:
    cases = list(iter_cases())
    results = {}
    with FixtureSite() as site:
        urls = [site.local_url(case.meta["url"]) for case in cases]
        for workers in ("2", "0"):
            work = tmp_path / f"workers-{workers}"
            work.mkdir()
            result = run_harvest("crawl", *urls, "--db", str(work / "archive.db"), "--warc-dir", str(work / "warcs"),
                                 "--quiet", *FAST, "-s", f"HARVEST_EXTRACT_WORKERS={workers}")
            assert result.returncode == 0, result.stderr
            results[workers] = archived(work / "archive.db")
    pooled, inline = results["2"], results["0"]
    assert pooled[1] == inline[1]  # the same counts by outcome
    assert [a["content_hash"] for a in pooled[0]] == [a["content_hash"] for a in inline[0]]
    assert pooled[0] == inline[0]
    assert len(pooled[0]) == sum(c.truth["status"] == "article" for c in cases)
    # and both are the reviewed snapshots (fixtures/pages/*/expected.json): work on the crawl's
    # speed that changed any article's content would show here as a different hash
    snapshots = [c.expected for c in cases if c.expected and c.expected["status"] == "article"]
    assert sorted(a["content_hash"] for a in pooled[0]) == sorted(map(content_hash, snapshots))


def _workers_of(pid: int) -> list[int]:
    """Extraction worker processes among the children of `pid` (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            if b"spawn_main" in cmdline:
                found.append(int(child))
    return found


def test_killing_a_worker_mid_crawl_loses_no_page(tmp_path: Path) -> None:
    cases = list(iter_cases())
    db = tmp_path / "archive.db"
    log = tmp_path / "crawl.log"
    with FixtureSite() as site, open(log, "w") as stderr:
        urls = [mirrored(site.local_url(case.meta["url"]), copy) for copy in range(2) for case in cases]
        crawl = subprocess.Popen(
            [sys.executable, "-m", "harvester.cli", "crawl", *urls, "--db", str(db),
             "--warc-dir", str(tmp_path / "warcs"), "--quiet", "-v", *FAST, "-s", "HARVEST_EXTRACT_WORKERS=2"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            deadline = time.monotonic() + 120
            while len(site.requests) < 20 or len(_workers_of(crawl.pid)) < 2:  # pages are flowing
                assert crawl.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
                time.sleep(0.05)
            os.kill(_workers_of(crawl.pid)[0], signal.SIGKILL)  # as the OOM killer would
            assert crawl.wait(timeout=300) == 0, log.read_text()[-2000:]
        finally:
            if crawl.poll() is None:
                crawl.kill()
    text = log.read_text()
    assert re.search(r"died \(killed by SIGKILL\); tasks it held: [1-9]\d* to retry", text)
    with sqlite3.connect(db) as conn:
        outcomes = conn.execute(
            "SELECT stored + unchanged + deleted + blocked + not_article + errors, errors FROM crawls").fetchone()
    assert outcomes == (len(urls), 0)  # every page accounted for, the killed one retried


def test_backpressure_caps_the_pages_waiting_for_extraction(tmp_path: Path) -> None:
    cases = [c for c in iter_cases() if c.truth["status"] == "article"]
    with FixtureSite() as site:
        urls = [mirrored(site.local_url(case.meta["url"]), copy) for copy in range(2) for case in cases]
        result = run_harvest("crawl", *urls, "--db", str(tmp_path / "archive.db"), "--warc-dir",
                             str(tmp_path / "warcs"), "--quiet", "-v", *FAST, "-s", "CONCURRENT_REQUESTS=8",
                             "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
                             "-s", "HARVEST_EXTRACT_WORKERS=1", "-s", "HARVEST_EXTRACT_BACKLOG=3")
    assert result.returncode == 0, result.stderr[-2000:]
    most = re.search(r"'harvest/extract/backlog_max': (\d+)", result.stderr)
    held = re.search(r"'harvest/extract/paused': (\d+)", result.stderr)
    # Pages waiting: at most the backlog plus those already downloaded when it filled up,
    # fewer than the downloader alone would let in (every page, with one slow worker).
    assert most and int(most.group(1)) <= 3 + 8
    assert held and int(held.group(1)) > 0  # fetching did pause for it
    with sqlite3.connect(tmp_path / "archive.db") as conn:
        counts = conn.execute("SELECT stored + unchanged + deleted + blocked + not_article + errors, errors "
                              "FROM crawls").fetchone()
    assert counts == (len(urls), 0)  # and every page went through
