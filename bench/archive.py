"""`python -m bench.archive`: the archive at a million paragraphs: store rate, size, search.

Stores ARTICLES generated articles of PARAGRAPHS paragraphs each (bench/textgen.py: our
own bilingual text, 1:1 pairs; default 20,000 x 50 = 1M paragraphs; `--articles 2000`
is the quick mode) through `archive.writer.ArchiveWriter`, the crawl's own path (one
connection, queued articles batched in one transaction, a savepoint each). Prints:

- the store rate: articles over the wall time the writer spent storing them (articles
  are generated a chunk at a time, outside the timed part), and the writer thread's
  own CPU per article, with the rate one core would give at that CPU;
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
from pathlib import Path
from urllib.parse import quote

from archive.writer import ArchiveWriter
from bench import textgen

QUERIES = ("深", "深圳", "粤港澳大湾区", "the", "创新", "香港", "前海 发展", "大桥", "Shenzhen",
           "innovation", "trade", "harbour traffic", "深圳 project")


CHUNK = 512  # articles generated, then queued at once: bounded memory, full batches


def store(path: Path, articles: int, paragraphs: int) -> tuple[float, float, int]:
    """(articles/s, writer CPU seconds per article, text bytes) for storing them all.

    The articles are generated CHUNK at a time before being queued, and only the time
    from queueing a chunk to its last result counts: the rate is the writer's, not the
    generator's (which takes about a millisecond of this process's CPU per article).
    """
    text = 0
    seconds = 0.0
    with ArchiveWriter(path) as writer:
        cpu_before = writer.submit(lambda archive: time.thread_time()).result()
        for first in range(0, articles, CHUNK):
            chunk = [textgen.article(n, paragraphs=paragraphs) for n in range(first, min(first + CHUNK, articles))]
            text += sum(textgen.text_bytes(article) for article in chunk)
            started = time.perf_counter()
            for future in [writer.store_article(article) for article in chunk]:
                future.result()
            seconds += time.perf_counter() - started
        cpu_after = writer.submit(lambda archive: time.thread_time()).result()
    return articles / seconds, (cpu_after - cpu_before) / articles, text


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
        rate, cpu, text = store(path, args.articles, args.paragraphs)
        size, parts = size_report(path, text)
        times = search_times(path, args.runs)
    paragraphs = args.articles * args.paragraphs
    print(f"archive bench: {args.articles} articles x {args.paragraphs} paragraphs = {paragraphs:,} paragraphs, "
          f"{text / 2**20:.0f} MiB of text")
    print(f"  store: {rate:.0f} articles/s ({cpu * 1000:.1f} ms of writer CPU an article: "
          f"{1 / cpu:.0f} articles/s on one free core)")
    print(f"  size: {size / 2**20:.0f} MiB = {size / text:.2f} bytes per text byte ("
          + ", ".join(f"{name} {pages / text:.2f}" for name, pages in parts) + ")")
    print(f"  Datasette ?_search on articles, {len(QUERIES)} queries x {args.runs}: "
          f"p50 {percentile(times, 0.5) * 1000:.0f} ms, p95 {percentile(times, 0.95) * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
