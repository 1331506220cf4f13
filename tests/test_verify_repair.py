"""Torn WARC tails: found by `harvest verify`, cut back by `--repair`, nothing thrown away."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.cdxj import CdxjIndex, update_index
from archive.store import Archive
from archive.tails import scan
from archive.warcstore import Exchange, WarcStore
from harvester.extract.pipeline import extract_html
from harvester.warc_recorder import mend_torn_tails
from tests.conftest import run_harvest
from tests.news_server import article_html

FETCHED = datetime(2024, 3, 5, 2, 20, tzinfo=timezone.utc)


def exchange(n: int) -> Exchange:
    return Exchange(url=f"http://127.0.0.1/article/{n}.html", method="GET", request_headers=[("User-Agent", "t")],
                    status=200, reason="OK", protocol="HTTP/1.1",
                    response_headers=[("Content-Type", "text/html; charset=utf-8")],
                    body=article_html(n, f"Text of story {n}.").encode(), fetched_at=FETCHED)


def archived(tmp_path: Path, count: int = 3) -> tuple[Path, Path, list]:
    """An archive of `count` articles, each with its capture row, in one WARC file."""
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    with WarcStore(warcs, prefix="t") as store:
        pointers = [store.write_exchange(exchange(n)) for n in range(1, count + 1)]
    update_index(warcs, store.files)
    with Archive(db) as archive:
        crawl_id = archive.start_crawl("test")
        for n, pointer in enumerate(pointers, 1):
            archive.record_capture(pointer.as_dict() | {"crawl_id": crawl_id})
            article = extract_html(exchange(n).body, exchange(n).url).to_dict()
            archive.store_article(article, pointer=pointer.as_dict(), crawl_id=crawl_id)
    return db, warcs, pointers


def test_every_cut_point_is_found(tmp_path: Path) -> None:
    _, warcs, _ = archived(tmp_path, count=2)
    [path] = warcs.glob("*.warc.gz")
    data = path.read_bytes()
    whole = scan(path)
    assert (whole.torn, whole.records, whole.whole_end) == (False, 5, len(data))  # warcinfo + 2 x (response, request)
    with open(path, "rb") as handle:
        iterator = ArchiveIterator(handle)
        starts = [iterator.get_record_offset() for _ in iterator]
    boundaries = sorted({*starts, len(data)})
    cut = tmp_path / "cut.warc.gz"
    for size in range(0, len(data), 37):
        cut.write_bytes(data[:size])
        report = scan(cut)
        expected = max(b for b in boundaries if b <= size)  # the end of the last whole record
        assert (report.whole_end, report.torn) == (expected, size != expected), size
        assert (report.problem is None) == (size == expected)


def test_verify_finds_a_torn_tail_and_repair_cuts_it_back(tmp_path: Path) -> None:
    db, warcs, pointers = archived(tmp_path)
    [path] = warcs.glob("*.warc.gz")
    size = path.stat().st_size
    third = pointers[2]
    with open(path, "r+b") as handle:  # as if the disk filled up half-way through the third response
        handle.truncate(third.warc_offset + third.warc_length // 2)
    torn_size = path.stat().st_size
    archive_args = ("--db", str(db), "--warc-dir", str(warcs))

    found = run_harvest("verify", *archive_args)
    assert found.returncode == 1
    assert f"TORN {path.resolve()}@{third.warc_offset}: cut record" in found.stdout, found.stdout
    assert "--repair" in found.stderr and "Traceback" not in found.stderr

    repaired = run_harvest("verify", "--repair", *archive_args)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert f"REPAIRED {path.resolve()}: cut at {third.warc_offset}" in repaired.stdout
    lost = [line for line in repaired.stdout.splitlines() if line.startswith("LOST ")]
    assert len(lost) == 2 and any(third.warc_record_id in line for line in lost), lost  # its article and capture
    assert path.stat().st_size == third.warc_offset
    kept = path.with_name(f"{path.name}.torn-{third.warc_offset}")
    assert kept.stat().st_size == torn_size - third.warc_offset, "the cut bytes are kept beside the file"
    with sqlite3.connect(db) as conn:
        marked = conn.execute("SELECT warc_file, warc_offset, warc_record_id, torn_file FROM lost_records").fetchall()
    assert marked == [(third.warc_file, third.warc_offset, third.warc_record_id, str(kept))]
    assert CdxjIndex.load(warcs).newest(third.url) is None, "the index forgets the cut record"
    assert size > torn_size

    clean = run_harvest("verify", *archive_args)
    assert clean.returncode == 0 and "0 problems" in clean.stdout and "2 rows lost" in clean.stdout, clean.stdout


def test_a_crawl_mends_a_torn_file_a_dead_crawl_left(tmp_path: Path) -> None:
    with WarcStore(tmp_path, prefix="dead") as store:
        for n in (1, 2):
            last = store.write_exchange(exchange(n))
    [path] = tmp_path.glob("*.warc.gz")
    with open(path, "r+b") as handle:
        handle.truncate(last.warc_offset + 10)  # killed while writing its second response
    counted: dict[str, int] = {}

    class Stats:
        def inc_value(self, key: str) -> None:
            counted[key] = counted.get(key, 0) + 1

    mend_torn_tails(tmp_path, Stats())
    assert path.stat().st_size == last.warc_offset and counted == {"warc/torn_tails_cut": 1}
    assert path.with_name(f"{path.name}.torn-{last.warc_offset}").stat().st_size == 10
    assert not scan(path).torn
    mend_torn_tails(tmp_path, Stats())  # a whole file is left alone on the next start
    assert counted == {"warc/torn_tails_cut": 1}
