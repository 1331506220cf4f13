"""`harvest export --format wacz`: the WARC files packed as a WACZ (webrecorder's `wacz`).

The archive's articles become the WACZ's pages list (url, title, timestamp), so a
replay tool such as ReplayWeb.page opens straight onto the harvested articles.
"""
from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from wacz.main import main as wacz_main

from archive.snapshot import SnapshotError, read_record, resolve_warc_path


class WaczError(ValueError):
    """Nothing to pack, or the wacz tool refused the input."""


def _pages_jsonl(db_path: str | Path, warc_dir: str | Path, out: Path) -> int:
    """Write a pages.jsonl of current articles; returns the page count.

    A page's timestamp is the WARC-Date of the record its article points at (read
    back by archive/snapshot.py), so a replay tool opens the page on that capture;
    a revisit there (a 304 refresh, a repeated body) replays as the full capture it
    names. Without a readable pointer: the capture row's time, else the crawl time.
    """
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "select a.url, a.title, coalesce(c.fetched_at, a.crawled_at), a.warc_file, a.warc_offset, "
            "a.warc_record_id from articles a "
            "left join captures c on c.warc_record_id = a.warc_record_id "
            "where a.is_current = 1 order by a.id").fetchall()
    with out.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "Harvested articles"}) + "\n")
        for url, title, crawled_at, warc_file, offset, record_id in rows:
            when = _record_date(warc_dir, warc_file, offset, record_id) or crawled_at
            handle.write(json.dumps({"url": url, "title": title or url, "ts": _warc_date(when)},
                                    ensure_ascii=False) + "\n")
    return len(rows)


def _record_date(warc_dir: str | Path, warc_file: str | None, offset: int | None,
                 record_id: str | None) -> str | None:
    """WARC-Date of the record an article points at; None when it cannot be read."""
    if not warc_file or offset is None:
        return None
    try:
        return read_record(resolve_warc_path(warc_dir, warc_file), int(offset), record_id).warc_date
    except SnapshotError:
        return None


def _warc_date(value: str) -> str:
    """ISO 8601 with any offset -> the UTC 'Z' form warcio and wacz parse."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def export_wacz(db_path: str | Path, warc_dir: str | Path, out: str | Path) -> int:
    """Pack every WARC in `warc_dir` into `out`; returns the number of WARC files packed."""
    warcs = sorted(str(p) for p in Path(warc_dir).glob("*.warc.gz"))
    if not warcs:
        raise WaczError(f"{warc_dir}: no WARC files to pack")
    with tempfile.TemporaryDirectory() as tmp:
        pages = Path(tmp) / "pages.jsonl"
        args = ["create", "-o", str(out), "--title", "news-harvester archive"]
        if _pages_jsonl(db_path, warc_dir, pages):
            args += ["-p", str(pages)]
        else:
            args += ["-d"]
        chatter = io.StringIO()  # the tool prints its progress; keep our stdout for the user
        with contextlib.redirect_stdout(chatter):
            status = wacz_main(args + warcs)
    if status or not Path(out).is_file():
        raise WaczError(f"{out}: wacz create failed: {chatter.getvalue().strip().splitlines()[-1:]}")
    return len(warcs)
