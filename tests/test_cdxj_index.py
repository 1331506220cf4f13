"""The directory's CDXJ index: merged incrementally, safe when crawls end at the same time."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import datetime, timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.cdxj import CdxjIndex, index_path, update_index
from archive.warcstore import Exchange, WarcStore
from tests.conftest import ROOT
from tests.news_server import NewsSite

# What a crawl does to the WARC directory, reduced to its WARC part: write files, then
# merge them into the index. Two such "crawls" run side by side for ten rounds; in each
# round both are released at the same instant to update the index.
WRITER = textwrap.dedent("""
    import sys, time
    from datetime import datetime, timezone
    from pathlib import Path
    from archive.cdxj import update_index
    from archive.warcstore import Exchange, WarcStore

    directory, name, gates, rounds = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
    def wait(gate):
        while not (gates / gate).exists():
            time.sleep(0.001)

    for round_ in range(rounds):
        wait(f"write-{round_}")
        with WarcStore(directory, prefix=f"{name}{round_}", max_size=4000) as store:
            for n in range(12):
                store.write_exchange(Exchange(
                    url=f"http://127.0.0.1/{name}/{round_}/{n}.html", method="GET", request_headers=[],
                    status=200, reason="OK", protocol="HTTP/1.1", response_headers=[("Content-Type", "text/html")],
                    body=f"<html>{name} {round_} page {n}</html>".encode() * 20,
                    fetched_at=datetime.now(timezone.utc)))
        (gates / f"written-{round_}-{name}").touch()
        wait(f"go-{round_}")
        update_index(directory, store.files)
        (gates / f"done-{round_}-{name}").touch()
""")
ROUNDS = 10


def recorded(directory: Path) -> set[tuple[str, int]]:
    """(file, offset) of every response and revisit record in the directory's WARC files."""
    found = set()
    for path in directory.glob("*.warc.gz"):
        with open(path, "rb") as handle:
            iterator = ArchiveIterator(handle)
            for record in iterator:
                if record.rec_type in ("response", "revisit"):
                    found.add((path.name, iterator.get_record_offset()))
    return found


def indexed(directory: Path) -> set[tuple[str, int]]:
    return {(e.filename, e.offset) for e in CdxjIndex.load(directory).entries}


def test_two_crawls_ending_at_once_lose_no_index_lines(tmp_path: Path) -> None:
    warcs, gates = tmp_path / "warcs", tmp_path / "gates"
    gates.mkdir()
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(warcs), name, str(gates), str(ROUNDS)],
                                cwd=ROOT, stderr=subprocess.PIPE, text=True) for name in ("a", "b")]

    def both(step: str, round_: int) -> None:
        deadline = time.monotonic() + 60
        while not all((gates / f"{step}-{round_}-{name}").exists() for name in ("a", "b")):
            assert all(w.poll() in (None, 0) for w in writers), [w.stderr.read() for w in writers]
            assert time.monotonic() < deadline, f"round {round_}: {step} never came"
            time.sleep(0.01)

    try:
        for round_ in range(ROUNDS):
            (gates / f"write-{round_}").touch()
            both("written", round_)
            (gates / f"go-{round_}").touch()  # both update the index at the same instant
            both("done", round_)
            assert indexed(warcs) == recorded(warcs), f"round {round_}: index incomplete"
    finally:
        for writer in writers:
            try:
                writer.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a failed round left it waiting at a gate
                writer.kill()
                writer.wait()
    assert all(w.returncode == 0 for w in writers)
    assert len(recorded(warcs)) == 2 * ROUNDS * 12
    lines = index_path(warcs).read_text().splitlines()
    assert lines == sorted(lines), "pywb needs the index sorted"
    assert not list(warcs.glob(".index.cdxj.*")), "no temporary index left behind"


def exchange(url: str) -> Exchange:
    return Exchange(url=url, method="GET", request_headers=[], status=200, reason="OK", protocol="HTTP/1.1",
                    response_headers=[("Content-Type", "text/html")], body=f"<html>{url}</html>".encode(),
                    fetched_at=datetime.now(timezone.utc))


def test_files_of_a_dead_crawl_are_indexed_once_no_writer_holds_them(tmp_path: Path) -> None:
    with WarcStore(tmp_path, prefix="dead") as dead:
        dead.write_exchange(exchange("http://127.0.0.1/dead"))  # its crawl never got to update the index
    busy = WarcStore(tmp_path, prefix="busy")
    busy.write_exchange(exchange("http://127.0.0.1/busy"))  # still open: another crawl's file
    with WarcStore(tmp_path, prefix="done") as done:
        done.write_exchange(exchange("http://127.0.0.1/done"))
    update_index(tmp_path, done.files)
    index = CdxjIndex.load(tmp_path)
    assert index.newest("http://127.0.0.1/dead") and index.newest("http://127.0.0.1/done")
    assert index.newest("http://127.0.0.1/busy") is None, "a file still being written is left alone"
    busy.close()
    update_index(tmp_path, busy.files)
    assert CdxjIndex.load(tmp_path).newest("http://127.0.0.1/busy")
    assert indexed(tmp_path) == recorded(tmp_path)
    update_index(tmp_path, done.files)  # indexing a file again replaces its lines, never doubles them
    assert len(CdxjIndex.load(tmp_path).lookup("http://127.0.0.1/done")) == 1


def test_two_real_crawls_at_once_share_one_warc_directory(tmp_path: Path) -> None:
    """The same, end to end: `harvest crawl` twice at once (as `harvest schedule --jobs 2` runs them),
    each round on an archive file that does not exist yet (archive.migrations.setup_lock)."""
    warcs = tmp_path / "warcs"
    with NewsSite() as site:
        (tmp_path / "sources.toml").write_text(site.sources_toml())
        for round_ in range(3):
            crawls = [subprocess.Popen([sys.executable, "-m", "harvester.cli", "crawl", name,
                                        "--sources", str(tmp_path / "sources.toml"),
                                        "--db", str(tmp_path / f"round{round_}.db"), "--warc-dir", str(warcs),
                                        "--quiet"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       text=True)
                      for name in ("harbour-feed", "harbour-sitemap")]
            for crawl in crawls:
                out, err = crawl.communicate(timeout=240)
                assert crawl.returncode == 0 and "new 3" in out, out + err
            assert indexed(warcs) == recorded(warcs), f"round {round_}: index incomplete"
    assert len(list(warcs.glob("*.warc.gz"))) == 6


def test_captures_of_one_url_are_found_under_every_spelling_of_it(tmp_path: Path) -> None:
    from harvester.urls import canonicalize_url

    spellings = ["http://127.0.0.1/a.html?utm_source=rss", "http://127.0.0.1/a.html?utm_campaign=atom",
                 "http://127.0.0.1/a.html"]
    with WarcStore(tmp_path, prefix="spell") as store:
        for url in [*spellings, "http://127.0.0.1/a.html?page=2", "http://127.0.0.1/b.html"]:
            store.write_exchange(exchange(url))
    update_index(tmp_path, store.files)
    index = CdxjIndex.load(tmp_path)
    for url in spellings:  # asked under any spelling, each answers the same captures, oldest first
        same = [e.url for e in index.lookup_same(url, canonicalize_url) if e.is_capture]
        assert same == spellings, url
    assert [e.url for e in index.lookup_same("http://127.0.0.1/a.html?page=2", canonicalize_url)
            if e.is_capture] == ["http://127.0.0.1/a.html?page=2"], "a meaningful query is another page"
