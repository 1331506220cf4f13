"""The fault suite: crashes, a full disk and misbehaving servers lose nothing and count everything.

- kill -9 of a 200-page crawl at seeded points, each followed by a resume: every
  article stored exactly once, `harvest verify` clean, the index complete;
- a server answering with ten kinds of faults: each URL ends as one counted outcome
  in `crawls`, with no traceback and no half-written row;
- a full disk (RLIMIT_FSIZE on the crawl process): a one-line error naming the WARC,
  a whole WARC file, and a resume that completes.

Every crawl is a real `harvest crawl` subprocess on loopback with short timeouts; each
is waited for with a timeout and killed in `finally`, so the suite stops by itself.
"""
from __future__ import annotations

import os
import random
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.cdxj import CdxjIndex, warc_files
from archive.tails import scan
from tests.conftest import ROOT, run_harvest
from tests.fault_server import FAULTS, FaultServer
from tests.news_server import NewsSite

SEED = 20261126
KILLS = 10
PAGES = 200
HARVEST = [sys.executable, "-m", "harvester.cli"]
FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "HARVEST_BACKOFF_MIN_DELAY=0.1")


def query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def indexed_equals_recorded(warcs: Path) -> bool:
    recorded = set()
    for path in warc_files(warcs):
        with open(path, "rb") as handle:
            iterator = ArchiveIterator(handle)
            recorded |= {(path.name, iterator.get_record_offset()) for r in iterator
                         if r.rec_type in ("response", "revisit")}
    return recorded == {(e.filename, e.offset) for e in CdxjIndex.load(warcs).entries}


def no_half_written_rows(db: Path) -> list[tuple]:
    """Articles whose paragraphs, pairs, search entry or WARC pointer are not all there."""
    return query(db, """
        SELECT a.id FROM articles a
        WHERE a.paragraph_count != (SELECT count(*) FROM paragraphs p WHERE p.article_id = a.id)
           OR a.pair_count != (SELECT count(*) FROM pairs p WHERE p.article_id = a.id)
           OR (a.is_current = 1 AND NOT EXISTS (SELECT 1 FROM articles_fts f WHERE f.rowid = a.id))
           OR a.warc_file IS NULL OR a.warc_record_id IS NULL""")


# -- kill -9 ------------------------------------------------------------------------------------

def test_kill_9_at_seeded_points_then_resume_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    per_page = 20
    numbers = [n for n in range(1, PAGES + 2) if n != 99]  # the site's sources file denies /article/99
    index = tuple(tuple(numbers[p:p + per_page]) for p in range(0, PAGES, per_page))
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    args = [*HARVEST, "crawl", "harbour-index", "--sources", str(tmp_path / "sources.toml"),
            "--db", str(db), "--warc-dir", str(warcs), "--quiet"]
    kills: list[int] = []
    with NewsSite(index=index) as site:
        (tmp_path / "sources.toml").write_text(site.sources_toml(settings="CONCURRENT_REQUESTS = 4"))
        while len(kills) < KILLS:
            point = rng.randint(4, 14)  # article fetches into this run, then a few ms more
            before = sum(site.fetches().values())
            crawl = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     start_new_session=True)  # its own group: kill the whole crawl
            try:
                deadline = time.monotonic() + 120
                while sum(site.fetches().values()) - before < point and crawl.poll() is None:
                    assert time.monotonic() < deadline, "the crawl made no progress"
                    time.sleep(0.005)
                time.sleep(rng.uniform(0, 0.05))
                if crawl.poll() is None:
                    os.killpg(crawl.pid, signal.SIGKILL)
                    kills.append(sum(site.fetches().values()))
            finally:
                if crawl.poll() is None:
                    os.killpg(crawl.pid, signal.SIGKILL)
                crawl.wait(timeout=60)
                crawl.stderr.close()
            assert not query(db, "SELECT canonical_url FROM articles GROUP BY canonical_url HAVING count(*) > 1")
        resumed = run_harvest(*args[3:])
        fetched = site.fetches()
    assert resumed.returncode == 0, resumed.stderr
    assert len(kills) == KILLS
    assert set(fetched) == {f"/article/{n}.html" for n in numbers}
    assert query(db, "SELECT count(*), count(DISTINCT canonical_url), max(version) FROM articles") == [(PAGES, PAGES, 1)]
    assert not no_half_written_rows(db)
    verified = run_harvest("verify", "--db", str(db), "--warc-dir", str(warcs))
    assert verified.returncode == 0 and " 0 problems" in verified.stdout, verified.stdout[-3000:]
    assert indexed_equals_recorded(warcs)
    print(f"kill -9 at {KILLS} points (article fetches so far: {kills}); {PAGES} of {PAGES} stored once; "
          f"{sum(fetched.values()) - PAGES} article fetches repeated after kills")


# -- a misbehaving server ----------------------------------------------------------------------

def test_every_server_fault_ends_as_one_counted_outcome(tmp_path: Path) -> None:
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    maxsize = 200_000
    with FaultServer(maxsize=maxsize, drip_seconds=3) as server:
        urls = server.urls()
        result = run_harvest("crawl", *urls, "--db", str(db), "--warc-dir", str(warcs), "-v", *FAST,
                             "-s", "DOWNLOAD_TIMEOUT=1", "-s", f"DOWNLOAD_MAXSIZE={maxsize}",
                             "-s", "DOWNLOAD_WARNSIZE=0", "-s", "RETRY_TIMES=1", "-s", "REDIRECT_MAX_TIMES=5",
                             "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16")
        hits = dict(server.hits)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    stored = {url for (url,) in query(db, "SELECT url FROM articles")}
    failed = {line.split(": ")[2].replace("/fault/loop-b.html", "/fault/loop.html")
              for line in result.stderr.splitlines() if line.startswith("harvest: error: ")}
    assert stored | failed == set(urls) and not stored & failed, (stored, failed)  # one outcome each
    [(fetched, new, errors, others)] = query(
        db, "SELECT fetched, new, errors, changed + unchanged + deleted + blocked + not_article FROM crawls")
    assert (new, errors, others) == (len(stored), len(failed), 0)
    base = server.base
    assert {f"{base}/ok/1.html", f"{base}/ok/2.html", f"{base}/fault/429.html", f"{base}/fault/charset.html",
            f"{base}/fault/octet.html"} <= stored, "an article served as octet-stream is an article"
    assert {base + p for p in ("/fault/500.html", "/fault/reset.html", "/fault/short.html", "/fault/drip.html",
                                "/fault/loop.html", "/fault/big.html", "/fault/bomb.html")} <= failed
    assert hits["/fault/429.html"] == 2, "Retry-After honoured, then fetched"
    [(text_zh,)] = query(db, f"SELECT text_zh FROM articles WHERE url = '{base}/fault/charset.html'")
    assert "港珠澳大桥" in text_zh, "the bytes, not the lying header, decide the charset"
    assert not no_half_written_rows(db)
    verified = run_harvest("verify", "--db", str(db), "--warc-dir", str(warcs))
    assert verified.returncode == 0, verified.stdout[-3000:]
    print(f"{len(FAULTS)} faults: stored {sorted(u.removeprefix(base) for u in stored)}, "
          f"errors {sorted(u.removeprefix(base) for u in failed)}")


# -- a full disk --------------------------------------------------------------------------------

FILE_LIMIT = 1_500_000  # bytes: the WARC (~230 kB a page) reaches it, the SQLite files stay below


def limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))


def test_a_full_disk_stops_the_crawl_cleanly_and_the_resume_completes(tmp_path: Path) -> None:
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    with FaultServer() as server:
        urls = [f"{server.base}/heavy/{n}.html" for n in range(1, 13)]
        args = ["crawl", *urls, "--db", str(db), "--warc-dir", str(warcs), "--quiet", *FAST,
                "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2"]
        full = subprocess.run([*HARVEST, *args], cwd=ROOT, capture_output=True, text=True, timeout=240,
                              preexec_fn=limit_file_size)
        assert full.returncode == 1, full.stdout + full.stderr
        assert "Traceback" not in full.stderr
        assert "cannot write a WARC record (File too large); crawl stopped, the next run resumes it" in full.stderr
        assert all(not scan(p).torn for p in warc_files(warcs)), "the failed record was cut back off"
        stored_before = query(db, "SELECT count(*) FROM articles")[0][0]
        assert 0 < stored_before < len(urls)
        assert not no_half_written_rows(db)
        assert run_harvest("verify", "--db", str(db), "--warc-dir", str(warcs)).returncode == 0

        resumed = run_harvest(*args)
    assert resumed.returncode == 0, resumed.stderr
    assert f"new {len(urls) - stored_before}," in resumed.stdout, resumed.stdout
    assert query(db, "SELECT count(*), count(DISTINCT canonical_url) FROM articles") == [(len(urls), len(urls))]
    verified = run_harvest("verify", "--db", str(db), "--warc-dir", str(warcs))
    assert verified.returncode == 0, verified.stdout[-3000:]
    print(f"full disk after {stored_before} of {len(urls)} pages; the resume stored the rest")
