"""Progress: one display per `harvest crawl`, a redrawn line on a terminal, log lines elsewhere."""
from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from scrapy.utils.test import get_crawler

from harvester import stats as harvest_stats
from harvester.progress import ProgressBoard
from tests.conftest import ROOT
from tests.news_server import NewsSite

LINE = re.compile(r"harvest: fetched (\d+) · stored (\d+) · (?:[a-z_]+ \d+ · )*\d+\.\d pages/s · queue (\d+)")
STAMPED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d " + LINE.pattern + "$")


def test_one_board_sums_the_crawlers_of_one_process() -> None:
    stream = io.StringIO()
    board = ProgressBoard(stream, interval=10.0)
    first, second = get_crawler(), get_crawler()
    for crawler in (first, second):
        board.add(crawler)
    first.stats.set_value("response_received_count", 5)
    second.stats.set_value("response_received_count", 7)
    for outcome in ("new", "new", "changed", "blocked"):
        harvest_stats.count(first.stats, outcome)
    harvest_stats.count(second.stats, "new")
    board.tick()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and STAMPED.match(lines[0]), lines
    assert "fetched 12 · stored 4 · blocked 1 · " in lines[0]


def crawl_two_sources(tmp_path: Path, site: NewsSite, **popen) -> subprocess.Popen:
    (tmp_path / "sources.toml").write_text(site.sources_toml(settings="CONCURRENT_REQUESTS_PER_DOMAIN = 1"))
    return subprocess.Popen(
        [sys.executable, "-m", "harvester.cli", "crawl", "harbour-feed", "harbour-index",
         "--sources", str(tmp_path / "sources.toml"), "--db", str(tmp_path / "archive.db"),
         "--warc-dir", str(tmp_path / "warcs"), "-s", "HARVEST_PROGRESS_INTERVAL=0.1"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, **popen)


def summary_fetched(stdout: str) -> int:
    return int(re.search(r"^fetched (\d+),", stdout, re.M).group(1))


def test_off_a_terminal_progress_is_timestamped_log_lines_for_the_whole_crawl(tmp_path: Path) -> None:
    with NewsSite(article_delay=0.15) as site:
        process = crawl_two_sources(tmp_path, site, stderr=subprocess.PIPE)
        stdout, stderr = process.communicate(timeout=240)
    assert process.returncode == 0, stderr
    lines = stderr.splitlines()
    assert len(lines) >= 2 and all(STAMPED.match(line) for line in lines), stderr
    fetched = [int(LINE.search(line).group(1)) for line in lines]
    # One display summing both crawlers: its count only grows, and ends at the summary's total.
    assert fetched == sorted(fetched), fetched
    assert fetched[-1] == summary_fetched(stdout) and " stored 7 " in lines[-1], (lines[-1], stdout)
    assert lines[-1].endswith("queue 0")


def test_on_a_terminal_one_line_is_redrawn_in_place(tmp_path: Path) -> None:
    controller, terminal = pty.openpty()
    with NewsSite(article_delay=0.15) as site:
        process = crawl_two_sources(tmp_path, site, stderr=terminal)
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the crawl closed its end of the terminal
                break
            if not chunk:
                break
            shown += chunk
        stdout = process.stdout.read()
        process.wait(timeout=240)
    os.close(controller)
    assert process.returncode == 0, shown
    text = shown.decode("utf-8").replace("\x1b[K", "")
    assert text.count("\n") == 1 and text.endswith("\n"), repr(text)  # one line, left on screen at the end
    redraws = [part.strip() for part in text.split("\r") if part.strip()]
    assert len(redraws) >= 2 and all(LINE.fullmatch(part) for part in redraws), redraws
    fetched = [int(LINE.fullmatch(part).group(1)) for part in redraws]
    assert fetched == sorted(fetched) and fetched[-1] == summary_fetched(stdout), (fetched, stdout)
