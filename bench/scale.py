"""`python -m bench.scale`: one worker against two on one machine, sharing a Redis frontier.

Serves the fixture article pages on 127.0.0.1 under several /mirror/N/ prefixes, starts
a throwaway redis-server, then crawls every URL with 1 and then 2 `harvest crawl
--frontier` workers (each into its own shard; both push the same seeds, the shared
dupefilter keeps one of each). Politeness is off: this measures the pipeline.

Prints per run: article pages fetched (each URL once, whichever worker), wall seconds
(worker start-up included), the steady rate (first to last article request the server
saw), the CPU the workers used (per page, and cores busy on average), and the 2-worker
rate as a multiple of the 1-worker rate. On a machine shared with other work the wall
figures move with the load; CPU per page does not.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from fixtures.loader import iter_cases
from fixtures.redis_server import RedisUnavailable, redis_server
from fixtures.site import FixtureSite, mirrored

ROOT = Path(__file__).resolve().parent.parent
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        "-s", "CONCURRENT_REQUESTS=16", "-s", "HARVEST_BACKOFF_ENABLED=False"]


class TimedSite(FixtureSite):
    """The fixture site, remembering when each request came."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def _log(self, target: str) -> None:
        super()._log(target)
        if target.startswith("/mirror/"):
            with self._lock:
                self.times.append(time.monotonic())


@dataclass
class Run:
    workers: int
    pages: int  # article requests the server answered
    wall: float
    steady: float  # seconds from the first to the last article request
    cpu: float  # user + system seconds of the workers

    @property
    def rate(self) -> float:
        return self.pages / self.wall

    @property
    def steady_rate(self) -> float:
        return self.pages / self.steady if self.steady else 0.0


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def crawl(site: TimedSite, urls: list[str], frontier: str, workers: int, work: Path) -> Run:
    site.times.clear()
    cpu_before = cpu_of_children()
    start = time.monotonic()
    processes = []
    for n in range(workers):
        shard = work / f"{workers}-{n}"
        shard.mkdir()
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "harvester.cli", "crawl", *urls, "--frontier", frontier, "--quiet",
             "--db", str(shard / "archive.db"), "--warc-dir", str(shard / "warcs"), *FAST],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    for process in processes:
        _, err = process.communicate()
        if process.returncode:
            print(err.strip()[-2000:], file=sys.stderr)
    wall = time.monotonic() - start
    steady = (site.times[-1] - site.times[0]) if len(site.times) > 1 else 0.0
    return Run(workers, len(site.times), wall, steady, cpu_of_children() - cpu_before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4, help="times each page is crawled under a new URL")
    args = parser.parse_args()
    cases = [c for c in iter_cases() if c.truth["status"] == "article"]
    with TimedSite() as site, tempfile.TemporaryDirectory() as tmp:
        urls = [mirrored(site.local_url(case.meta["url"]), copy) for copy in range(args.copies) for case in cases]
        work = Path(tmp)
        (work / "redis").mkdir()
        try:
            with redis_server(work / "redis") as url:
                base = url.rsplit("/", 1)[0]
                runs = [crawl(site, urls, f"{base}/{n}", n, work) for n in (1, 2)]  # a fresh Redis DB each
        except RedisUnavailable as exc:
            print(f"scale: skipped: {exc}")
            return
    cores = os.cpu_count() or 1
    print(f"scale: {len(urls)} article URLs on loopback, Redis frontier, politeness off, {cores} cores")
    for run in runs:
        print(f"  {run.workers} worker{'s' if run.workers > 1 else ' '}: {run.pages} pages in {run.wall:.1f} s "
              f"= {run.rate:.1f} pages/s with start-up, {run.steady_rate:.1f} pages/s steady; "
              f"CPU {1000 * run.cpu / max(run.pages, 1):.0f} ms/page, {run.cpu / run.wall:.2f} cores busy")
    one, two = runs
    print(f"  2 workers vs 1: {two.rate / one.rate:.2f}x with start-up, {two.steady_rate / one.steady_rate:.2f}x "
          f"steady ({two.steady_rate / one.steady_rate / 2:.0%} of 2x)")


if __name__ == "__main__":
    main()
