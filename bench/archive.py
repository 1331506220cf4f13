"""`python -m bench.archive`: the archive at a million paragraphs: store rate, size, search.

Stores ARTICLES generated articles of PARAGRAPHS paragraphs each (bench/textgen.py: our
own bilingual text, 1:1 pairs; default 20,000 x 50 = 1M paragraphs; `--articles 2000`
is the quick mode) through `archive.writer.ArchiveWriter`, the crawl's own path (one
connection, queued articles batched in one transaction, a savepoint each). Prints:

- the store rate: articles over the wall time the writer spent storing them (articles
  are generated a chunk at a time, outside the timed part), and the writer thread's
  own CPU per article, with the rate one core would give at that CPU. Chunks alternate
  between the two inputs `Archive.store_article` takes: article dicts (the writer
  works out everything it writes) and `archive.prepare.prepare()`d articles (what a
  crawl's extraction workers hand over: that part of the work done before the writer).
  Each is reported, with the CPU `prepare` took an article (this process, outside the
  timed part) and the rate one core would give doing both;
- bytes per text byte: the file (WAL checkpointed) over the UTF-8 bytes of every
  article's titles and paragraphs counted once, with the biggest tables and indexes;
- Datasette's `/archive/articles.json?_search=` (the table's own search box, our
  metadata and plugin, served in this process) over 13 queries, Chinese of one, two
  and six characters and English: p50 and p95 of RUNS timed requests per query after
  one untimed one.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from archive.prepare import prepare
from archive.writer import ArchiveWriter
from bench import textgen

QUERIES = ("深", "深圳", "粤港澳大湾区", "the", "创新", "香港", "前海 发展", "大桥", "Shenzhen",
           "innovation", "trade", "harbour traffic", "深圳 project")


CHUNK = 512  # articles generated, then queued at once: bounded memory, full batches


@dataclass
class StoreFigures:
    """Wall seconds, writer CPU seconds and articles, by input ("dict", "prepared")."""
    seconds: dict[str, float] = field(default_factory=lambda: {"dict": 0.0, "prepared": 0.0})
    cpu: dict[str, float] = field(default_factory=lambda: {"dict": 0.0, "prepared": 0.0})
    articles: dict[str, int] = field(default_factory=lambda: {"dict": 0, "prepared": 0})
    prepare_cpu: float = 0.0  # seconds `prepare` took, over articles["prepared"]
    text: int = 0

    def rate(self, kind: str) -> float:
        return self.articles[kind] / self.seconds[kind]

    def cpu_per_article(self, kind: str) -> float:
        return self.cpu[kind] / self.articles[kind]


def store(path: Path, articles: int, paragraphs: int) -> StoreFigures:
    """Store them all, chunks of dicts and of prepared articles in turn.

    The articles are generated (and, for a prepared chunk, prepared) CHUNK at a time
    before being queued, and only the time from queueing a chunk to its last result
    counts: the rate is the writer's, not the generator's (which takes about a
    millisecond of this process's CPU per article).
    """
    figures = StoreFigures()
    with ArchiveWriter(path) as writer:
        cpu = writer.submit(lambda archive: time.thread_time()).result()
        for number, first in enumerate(range(0, articles, CHUNK)):
            chunk = [textgen.article(n, paragraphs=paragraphs) for n in range(first, min(first + CHUNK, articles))]
            figures.text += sum(textgen.text_bytes(article) for article in chunk)
            kind = "prepared" if number % 2 else "dict"
            if kind == "prepared":
                started = time.thread_time()
                chunk = [prepare(article) for article in chunk]
                figures.prepare_cpu += time.thread_time() - started
            started = time.perf_counter()
            for future in [writer.store_article(article) for article in chunk]:
                future.result()
            figures.seconds[kind] += time.perf_counter() - started
            now = writer.submit(lambda archive: time.thread_time()).result()
            figures.cpu[kind] += now - cpu
            figures.articles[kind] += len(chunk)
            cpu = now
    return figures


def size_report(path: Path, text: int) -> tuple[int, list[tuple[str, int]]]:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        parts = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 6").fetchall()
    return path.stat().st_size, parts


def search_times(path: Path, runs: int) -> list[float]:
    """Seconds per `?_search=` request, RUNS per query after a warm-up."""
    from datasette.app import Datasette

    from archive.serve import build_metadata

    datasette = Datasette([str(path)], metadata=build_metadata(path, path.parent / "warcs"))
    name = path.stem

    async def measure() -> list[float]:
        times = []
        for query in QUERIES:
            url = f"/{name}/articles.json?_search={quote(query)}&_shape=array"
            response = await datasette.client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}: {response.text[:300]}")
            for _ in range(runs):
                started = time.perf_counter()
                await datasette.client.get(url)
                times.append(time.perf_counter() - started)
        return times

    return asyncio.run(measure())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20000, help="default 20,000 (1M paragraphs at 50)")
    parser.add_argument("--paragraphs", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5, help="timed requests per query")
    parser.add_argument("--keep", type=Path, default=None, help="write the archive here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "archive.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        figures = store(path, args.articles, args.paragraphs)
        text = figures.text
        size, parts = size_report(path, text)
        times = search_times(path, args.runs)
    paragraphs = args.articles * args.paragraphs
    print(f"archive bench: {args.articles} articles x {args.paragraphs} paragraphs = {paragraphs:,} paragraphs, "
          f"{text / 2**20:.0f} MiB of text")
    for kind, label in (("dict", "article dicts"), ("prepared", "prepared articles")):
        if figures.articles[kind]:
            cpu = figures.cpu_per_article(kind)
            print(f"  store, {label} ({figures.articles[kind]}): {figures.rate(kind):.0f} articles/s "
                  f"({cpu * 1000:.1f} ms of writer CPU an article: {1 / cpu:.0f} articles/s on one free core)")
    if figures.articles["prepared"]:
        work = figures.prepare_cpu / figures.articles["prepared"]
        both = work + figures.cpu_per_article("prepared")
        print(f"  prepare: {work * 1000:.1f} ms of CPU an article (a crawl's extraction workers); "
              f"prepare and store on one core: {both * 1000:.1f} ms, {1 / both:.0f} articles/s")
    print(f"  size: {size / 2**20:.0f} MiB = {size / text:.2f} bytes per text byte ("
          + ", ".join(f"{name} {pages / text:.2f}" for name, pages in parts) + ")")
    print(f"  Datasette ?_search on articles, {len(QUERIES)} queries x {args.runs}: "
          f"p50 {percentile(times, 0.5) * 1000:.0f} ms, p95 {percentile(times, 0.95) * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
