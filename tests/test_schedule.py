"""The scheduler: due times from `crawls` + croniter, one crawl per source at a time,
every run recorded (failures too), and the whole loop end to end on 127.0.0.1.
"""
from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from archive.store import Archive
from harvester.crawl import SourceBusy, is_locked, source_lock, state_dir
from harvester.schedule import Scheduler, due_sources, format_every, next_due
from harvester.sources import parse_sources
from tests.conftest import run_harvest
from tests.news_server import NewsSite

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d ")  # local time, with its offset

NOW = datetime(2024, 3, 5, 10, 5, tzinfo=timezone.utc)
SOURCES = parse_sources("""
[[source]]
name = "hourly"
kind = "feed"
start = ["http://127.0.0.1:9/feed.xml"]
schedule = "0 * * * *"

[[source]]
name = "half-hour"
kind = "sitemap"
start = ["http://127.0.0.1:9/sitemap.xml"]
every = "30m"

[[source]]
name = "by-hand"
kind = "urls"
start = ["http://127.0.0.1:9/a.html"]
""")


def test_never_run_sources_are_due_at_once_and_manual_ones_never() -> None:
    assert next_due(SOURCES["hourly"], None, NOW) == NOW
    assert next_due(SOURCES["by-hand"], None, NOW) is None


def test_every_counts_from_the_last_start() -> None:
    last = NOW - timedelta(minutes=20)
    assert next_due(SOURCES["half-hour"], last, NOW) == last + timedelta(minutes=30)


def test_cron_is_due_at_the_first_cron_time_after_the_last_start() -> None:
    when = next_due(SOURCES["hourly"], NOW, NOW)
    assert NOW < when <= NOW + timedelta(hours=1)
    assert when.astimezone().minute == 0 and when.tzinfo == timezone.utc  # cron fields in local time


def test_due_sources_read_the_crawls_table(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    assert [s.name for s in due_sources(SOURCES, db, NOW)] == ["hourly", "half-hour"]
    with Archive(db) as archive:
        archive.finish_crawl(archive.start_crawl("half-hour"), {"fetched": 1})
        archive.finish_crawl(archive.start_crawl("hourly"), {}, error="boom")  # failed runs count as runs
    now = datetime.now(timezone.utc)
    assert due_sources(SOURCES, db, now) == []
    assert "half-hour" in [s.name for s in due_sources(SOURCES, db, now + timedelta(minutes=31))]
    assert [s.name for s in due_sources(SOURCES, db, now + timedelta(hours=2))] == ["hourly", "half-hour"]


def test_format_every() -> None:
    assert format_every(timedelta(hours=1, minutes=30)) == "1h30m"


def test_a_source_lock_is_exclusive_across_processes(tmp_path: Path) -> None:
    states = state_dir(str(tmp_path / "archive.db"))
    with source_lock(states, "feed"):
        with pytest.raises(SourceBusy):
            with source_lock(states, "feed"):
                pass
        holder = subprocess.run(
            [sys.executable, "-c", "import sys; from pathlib import Path; from harvester.crawl import is_locked;"
                                   f"sys.exit(3 if is_locked(Path({str(states)!r}), 'feed') else 0)"],
            cwd=Path(__file__).resolve().parent.parent)
        assert holder.returncode == 3
    assert not is_locked(states, "feed")


class FakeCrawls(Scheduler):
    """Children that fail, crash or succeed without any network."""

    behaviour: dict[str, str] = {}

    def command(self, name: str) -> list[str]:
        code = {"fail": "import sys; print('harvest: error: http://x: boom', file=sys.stderr); sys.exit(2)",
                "crash": "import os, signal; os.kill(os.getpid(), signal.SIGKILL)",
                "ok": "print('fetched 0, articles stored 0')"}[self.behaviour[name]]
        return [sys.executable, "-c", code]


def test_failed_and_crashed_crawls_are_recorded_and_the_others_still_run(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    sources = tmp_path / "sources.toml"
    sources.write_text("".join(f'[[source]]\nname = "{n}"\nkind = "feed"\nstart = ["http://127.0.0.1:9/"]\nevery = "1h"\n'
                               for n in ("a", "b", "c", "busy")))
    lines: list[str] = []
    scheduler = FakeCrawls(str(sources), str(db), str(tmp_path / "warcs"), jobs=2, echo=lines.append)
    scheduler.behaviour = {"a": "fail", "b": "crash", "c": "ok", "busy": "ok"}
    with source_lock(state_dir(str(db)), "busy"):  # someone else is crawling "busy" right now
        runs = scheduler.run_once()
    assert sorted((r.source, r.returncode) for r in runs) == [("a", 2), ("b", -9), ("c", 0)]
    # Every scheduler line starts with the local time, with its UTC offset.
    assert lines and all(STAMP.match(line) for line in lines), lines
    assert any(line.endswith(" busy: skipped, a crawl of it is already running") for line in lines), lines
    recorded = dict(sqlite3.connect(db).execute("SELECT source, error FROM crawls WHERE ended_at IS NOT NULL"))
    assert recorded == {"a": "exit status 2: harvest: error: http://x: boom", "b": "killed by signal SIGKILL"}
    # The failed ones are not due again at once: they wait for their next time.
    assert [s.name for s in due_sources(scheduler.load(), db)] == ["c", "busy"]


def schedule_once(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    return run_harvest("schedule", "--once", "--jobs", "3", "--sources", str(tmp_path / "sources.toml"),
                       "--db", str(tmp_path / "archive.db"), "--warc-dir", str(tmp_path / "warcs"), *extra)


def test_schedule_once_crawls_incrementally_and_refreshes(tmp_path: Path) -> None:
    """The issue's 'done when': feed, sitemap and index sources served on 127.0.0.1."""
    db = tmp_path / "archive.db"
    with NewsSite() as site:
        (tmp_path / "sources.toml").write_text(site.sources_toml())
        first = schedule_once(tmp_path)
        assert first.returncode == 0, first.stdout + first.stderr
        assert site.fetches() == {f"/article/{n}.html": 1 for n in range(1, 11)}
        assert sqlite3.connect(db).execute("SELECT count(*) FROM articles").fetchone() == (10,)
        for name in ("harbour-feed", "harbour-sitemap", "harbour-index"):
            assert f"{name}: ok" in first.stdout
        assert all(STAMP.match(line) for line in first.stdout.splitlines()), first.stdout

        time.sleep(1.1)  # every = "1s": due again
        site.clear_log()
        second = schedule_once(tmp_path)
        assert second.returncode == 0, second.stdout + second.stderr
        assert site.fetches() == {}, "no article page is fetched twice"
        assert {p for _, p, _ in site.log} >= {"/feed.xml", "/atom.xml", "/sitemap.xml", "/news/index.html"}
        assert sqlite3.connect(db).execute("SELECT count(*) FROM articles").fetchone() == (10,)

        site.texts[8] = "Corrected text 8."
        time.sleep(1.1)
        site.clear_log()
        third = schedule_once(tmp_path, "--refresh")
        assert third.returncode == 0, third.stdout + third.stderr
        assert site.fetches(status=200) == {"/article/8.html": 1}
        assert sum(site.fetches(status=304).values()) == 9
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM articles").fetchone() == (11,)
    assert conn.execute("SELECT canonical_url, version FROM articles WHERE version > 1").fetchall() == [
        (f"{site.base}/article/8.html", 2)]
    runs = conn.execute("SELECT source, count(*), count(ended_at) FROM crawls GROUP BY source ORDER BY source").fetchall()
    assert runs == [("harbour-feed", 3, 3), ("harbour-index", 3, 3), ("harbour-sitemap", 3, 3)]

    listing = run_harvest("schedule", "--list", "--sources", str(tmp_path / "sources.toml"), "--db", str(db))
    assert listing.returncode == 0 and "harbour-index\tindex\tevery 1s\tlast " in listing.stdout


def test_schedule_once_with_nothing_due(tmp_path: Path) -> None:
    (tmp_path / "sources.toml").write_text(
        '[[source]]\nname = "manual"\nkind = "urls"\nstart = ["http://127.0.0.1:9/a.html"]\n')
    result = schedule_once(tmp_path)
    assert result.returncode == 0 and "nothing due" in result.stdout
