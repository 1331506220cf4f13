"""`python -m bench.crawl`: how close `harvest crawl` comes to its ceilings, in one run.

Serves N generated bilingual pages of about 31 KB (bench/textgen.py: half WeChat-style
posts, half portal articles, our own text) on 127.0.0.1, then measures on those same
pages, one after the other on the same machine:

- fetch-only Scrapy: plain Scrapy downloading every page, doing nothing with it
  (bench/fetch_only.py): the cost floor of fetching;
- bare trafilatura on all cores: `trafilatura.bare_extraction` of every page in one
  worker process per core, fed from memory: the extraction ceiling;
- `harvest crawl`: the whole pipeline (extraction workers, WARC, archive).

Politeness is off for the measurement (no delay, no AutoThrottle, CONCURRENCY requests
at once to the one host); real crawls keep their polite defaults. A rate is pages over
the time from the first request the server saw (or the first page given to
trafilatura) to the end, so interpreter start-up is left out of every figure alike.
Trafilatura runs before and after the crawl and its two rates are averaged, since the
machine's load drifts. Also printed: the ratio of the harvest rate to each; the CPU a
page of each (all the crawl's processes; trafilatura's workers), whose ratio says how
the two compare on a machine nobody else is using; where the crawl's CPU went, a page
(the extraction workers, the reactor thread, WARC recording and indexing on it, the
archive writer thread, the crawl process's other threads; from the crawl's stats);
every page stored or not, the peak RSS of the crawl's whole process tree (the crawl plus
its workers, RSS summed, so pages they share count twice), and WARC writing's share of
the crawl's CPU (recording each exchange and indexing the files at the end, over the CPU
of the whole tree).

Then (`--growth PAGES`, default 10,000; 0 skips it) a longer crawl of distinct pages,
the tree's RSS sampled as it goes: its RSS once 1,000 pages have been served, at each
quarter of the crawl, and once the last page has been served (not the last sample, which
may fall in the crawl's shutdown, its workers gone), and the difference.

The machine is shared: absolute figures move with its load, ratios within one run much less.
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench import textgen
from harvester.workers import WorkerPool, default_workers

ROOT = Path(__file__).resolve().parent.parent
ROBOTS = b"User-agent: *\nAllow: /\n"


# -- the site -------------------------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802
        site: BenchSite = self.server.site  # type: ignore[attr-defined]
        body = ROBOTS if self.path == "/robots.txt" else site.pages.get(self.path)
        if self.path != "/robots.txt":
            site.served()
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "text/plain" if self.path == "/robots.txt" else "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, format: str, *args) -> None:
        pass


class BenchSite:
    """Generated pages on a loopback port, counting the page requests it answers."""

    def __init__(self, pages: dict[str, bytes]) -> None:
        self.pages = pages
        self.count = 0
        self.first: float | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.site = self  # type: ignore[attr-defined]
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def served(self) -> None:
        with self._lock:
            self.count += 1
            if self.first is None:
                self.first = time.perf_counter()

    def reset(self) -> None:
        with self._lock:
            self.count, self.first = 0, None

    def urls(self) -> list[str]:
        return [self.base + path for path in self.pages]

    def close(self) -> None:
        self._server.shutdown()


def generate(count: int, start: int = 0) -> dict[str, bytes]:
    return dict(textgen.page(n) for n in range(start, start + count))


# -- measuring a process tree ------------------------------------------------------------------------

def _tree(pid: int) -> list[int]:
    """`pid` and all its descendants (Linux /proc)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def tree_rss(pid: int) -> int:
    """Bytes of RSS summed over the process tree of `pid`."""
    total = 0
    for member in _tree(pid):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


@dataclass
class Run:
    """A finished command: when its pages started flowing, when it ended, what it cost."""
    started: float
    ended: float
    cpu: float  # user + sys seconds of the whole tree
    peak_rss: int = 0
    samples: list[tuple[int, int]] = field(default_factory=list)  # (pages served, tree RSS)
    stdout: str = ""
    stderr: str = ""
    returncode: int = 0

    @property
    def seconds(self) -> float:
        return self.ended - self.started


def run_measured(command: list[str], site: BenchSite, sample: float = 0.2) -> Run:
    """Run `command`, sampling its tree's RSS and the pages the site has served."""
    site.reset()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=err, text=True)
        samples: list[tuple[int, int]] = []
        while process.poll() is None:
            samples.append((site.count, tree_rss(process.pid)))
            time.sleep(sample)
        ended = time.perf_counter()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(started=site.first or ended, ended=ended, cpu=cpu,
               peak_rss=max((rss for _, rss in samples), default=0), samples=samples,
               stdout=stdout, stderr=stderr, returncode=process.returncode)


# -- the three measurements ----------------------------------------------------------------------------

def fetch_only(site: BenchSite, work: Path, concurrency: int) -> Run:
    url_file = work / "urls.txt"
    url_file.write_text("\n".join(site.urls()))
    return run_measured([sys.executable, "-m", "bench.fetch_only", str(url_file), str(concurrency)], site)


def _bare(job: tuple[bytes, str]) -> bool:
    import trafilatura

    body, url = job
    return trafilatura.bare_extraction(body, url=url, with_metadata=True) is not None


def bare_trafilatura(site: BenchSite, workers: int) -> tuple[float, float, int]:
    """(pages/s, CPU seconds a page, pages with a result) of bare trafilatura, one process per core."""
    jobs = [(body, site.base + path) for path, body in site.pages.items()]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with WorkerPool(workers, preload=("trafilatura",)) as pool:
        for future in [pool.submit(_bare, job) for job in jobs[:workers * 2]]:  # warm up
            future.result()
        started = time.perf_counter()
        results = [future.result() for future in pool.map(_bare, jobs, window=workers * 4)]
        seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers, reaped by close()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return len(jobs) / seconds, cpu / (len(jobs) + workers * 2), sum(results)


def harvest(site: BenchSite, work: Path, concurrency: int, name: str, extra: list[str] = ()) -> Run:
    db, warcs = work / f"{name}.db", work / f"{name}-warcs"
    command = [sys.executable, "-m", "harvester.cli", "crawl", *site.urls(), "--db", str(db),
               "--warc-dir", str(warcs), "--quiet", "-v",
               "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
               "-s", f"CONCURRENT_REQUESTS={concurrency}", "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}",
               "-s", "HARVEST_BACKOFF_ENABLED=False", *extra]
    run = run_measured(command, site)
    if run.returncode:
        raise SystemExit(f"harvest crawl failed ({run.returncode}):\n{run.stderr[-3000:]}")
    return run


def stored(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]


def stat(run: Run, name: str) -> float:
    """A numeric value from the stats Scrapy dumps at the end of a crawl (-v)."""
    found = re.search(rf"'{re.escape(name)}': ([0-9.e+-]+)", run.stderr)
    return float(found.group(1)) if found else 0.0


def cpu_parts(run: Run, pages: int) -> str:
    """The crawl's CPU a page by where it ran (start-up included), from its stats."""
    workers = stat(run, "harvest/cpu/workers_seconds")
    process = stat(run, "harvest/cpu/process_seconds")
    reactor = stat(run, "harvest/cpu/reactor_thread_seconds")
    warc = stat(run, "warc/cpu_seconds")
    writer = stat(run, "harvest/archive/cpu_seconds")
    others = process - reactor - writer  # the pool's feeder threads, Twisted's thread pool

    def ms(seconds: float) -> str:
        return f"{seconds / pages * 1000:.1f}"

    return (f"extraction workers {ms(workers)} ms, reactor thread {ms(reactor)} ms (WARC {ms(warc)} of it), "
            f"archive writer thread {ms(writer)} ms, other threads {ms(others)} ms; "
            f"whole tree {ms(run.cpu)} ms")


def rss_when(run: Run, served: int) -> int:
    """The tree's RSS in the first sample taken once `served` pages had been served."""
    return next((rss for count, rss in run.samples if count >= served), run.samples[-1][1])


def mib(value: float) -> str:
    return f"{value / 2**20:.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000, help="pages of the ratio run (default 1,000)")
    parser.add_argument("--growth", type=int, default=10000,
                        help="pages of the memory-growth crawl (default 10,000; 0 skips it)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=default_workers(), help="processes (default: cores)")
    args = parser.parse_args()

    pages = generate(args.pages)
    size = sum(map(len, pages.values())) / len(pages)
    print(f"crawl bench: {len(pages)} generated bilingual pages of {size / 1024:.1f} KB on average, loopback, "
          f"politeness off, {args.concurrency} requests at once, {args.workers} cores")
    site = BenchSite(pages)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            fetch = fetch_only(site, work, args.concurrency)
            fetch_rate = len(pages) / fetch.seconds
            # trafilatura before and after the crawl: the machine's load drifts, their mean brackets it
            bare_before, bare_cpu, bare_ok = bare_trafilatura(site, args.workers)
            run = harvest(site, work, args.concurrency, "ratio")
            bare_after, bare_cpu_after, _ = bare_trafilatura(site, args.workers)
            bare_rate, bare_cpu = (bare_before + bare_after) / 2, (bare_cpu + bare_cpu_after) / 2
            rate = len(pages) / run.seconds
            cpu = run.cpu / len(pages)
            kept = stored(work / "ratio.db")
            warc_cpu = stat(run, "warc/cpu_seconds")
            print(f"  fetch-only Scrapy:            {fetch_rate:7.1f} pages/s; {fetch.cpu / len(pages) * 1000:.1f} ms CPU a page")
            print(f"  bare trafilatura, {args.workers} processes: {bare_rate:7.1f} pages/s "
                  f"(before the crawl {bare_before:.1f}, after {bare_after:.1f}); {bare_cpu * 1000:.1f} ms CPU a page; "
                  f"{bare_ok} pages with text")
            print(f"  harvest crawl:                {rate:7.1f} pages/s = {rate / bare_rate:.2f}x bare trafilatura, "
                  f"{rate / fetch_rate:.2f}x fetch-only; {kept} of {len(pages)} stored")
            print(f"  CPU a page:                   harvest crawl {cpu * 1000:.1f} ms (all its processes), "
                  f"bare trafilatura {bare_cpu * 1000:.1f} ms: {bare_cpu / cpu:.2f}x the pages on the same CPU")
            print(f"  harvest crawl process tree:   peak RSS {mib(run.peak_rss)}")
            print(f"  WARC writing:                 {warc_cpu:.2f} s CPU = {warc_cpu / run.cpu:.1%} of the crawl's CPU "
                  f"(recording and indexing)")
            archive_cpu = stat(run, "harvest/archive/cpu_seconds")
            print(f"  archive writer thread:        {archive_cpu:.2f} s CPU = {archive_cpu / run.cpu:.1%} "
                  f"({archive_cpu / len(pages) * 1000:.1f} ms a page, copy detection included)")
            print(f"  harvest CPU a page by part:   {cpu_parts(run, len(pages))}")
            if args.growth:
                site.pages = generate(args.growth)
                grown = harvest(site, work, args.concurrency, "growth")
                at_1k = rss_when(grown, 1000)
                # when the last page was served, not the last sample: that one may be taken
                # while the crawl shuts down (workers gone), which would hide any growth
                at_end = rss_when(grown, args.growth)
                marks = ", ".join(f"{mib(rss_when(grown, n))} at {n:,}" for n in
                                  range(args.growth // 4, args.growth, args.growth // 4) if n > 1000)
                print(f"memory: {args.growth} pages crawled at {args.growth / grown.seconds:.1f} pages/s, "
                      f"{stored(work / 'growth.db')} stored; process tree RSS {mib(at_1k)} after 1,000 pages, "
                      f"{mib(at_end)} when the last was served ({(at_end - at_1k) / 2**20:+.0f} MiB; "
                      f"{marks or 'no marks between'}), "
                      f"peak {mib(grown.peak_rss)}")
    finally:
        site.close()


if __name__ == "__main__":
    main()
