"""A refresh crawl answered by 304s still replays: every capture resolves to its content.

Contract section 5: a 304 to a conditional request is a server-not-modified revisit
naming the last full capture of the URL; an empty payload is never deduplicated; and
`crawl --replay DIR` / `harvest replay DIR` give every article back from the WARCs.
"""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.warcstore import EMPTY_DIGEST, NOT_MODIFIED_PROFILE
from harvester.urls import canonicalize_url
from tests.conftest import run_harvest
from tests.news_server import NewsSite


def crawl(work: Path, *args: str) -> tuple[int, str, str]:
    result = run_harvest("crawl", *args, "--sources", str(work / "sources.toml"), "--quiet")
    return result.returncode, result.stdout, result.stderr


def count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchone()[0]


def warc_records(warcs: Path) -> list[tuple[str, dict[str, str]]]:
    found = []
    for path in sorted(warcs.glob("*.warc.gz")):
        with open(path, "rb") as handle:
            found += [(r.rec_type, dict(r.rec_headers.headers)) for r in ArchiveIterator(handle)]
    return found


def test_a_refresh_answered_by_304s_replays_every_article(tmp_path: Path) -> None:
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    archive = ("--db", str(db), "--warc-dir", str(warcs))
    with NewsSite() as site:
        (tmp_path / "sources.toml").write_text(site.sources_toml())
        first = crawl(tmp_path, "harbour-feed", *archive)
        assert first[0] == 0 and "new 3" in first[1], first
        site.clear_log()
        refreshed = crawl(tmp_path, "harbour-feed", "--refresh", *archive)
        assert refreshed[0] == 0 and "unchanged 3" in refreshed[1], refreshed
        assert site.fetches(status=304) == {f"/article/{n}.html": 1 for n in (1, 2, 3)}

    records = warc_records(warcs)
    full = {h["WARC-Record-ID"]: h for kind, h in records if kind == "response"}
    revisits = [h for kind, h in records if kind == "revisit"]
    not_modified = [h for h in revisits if h.get("WARC-Profile") == NOT_MODIFIED_PROFILE]
    assert len(not_modified) == 3
    assert all(h.get("WARC-Payload-Digest") not in (None, EMPTY_DIGEST) for h in revisits), \
        "no revisit refers to an empty payload"
    for h in not_modified:  # each names the full capture of its own article
        original = full[h["WARC-Refers-To"]]
        # Both feeds link every article, each with its own tracking parameters: which spelling a
        # crawl fetches is whichever feed answers first, so the 304 and its 200 may differ in it.
        assert original["WARC-Target-URI"] == h["WARC-Refers-To-Target-URI"]
        assert canonicalize_url(original["WARC-Target-URI"]) == canonicalize_url(h["WARC-Target-URI"])
        assert original["WARC-Date"] == h["WARC-Refers-To-Date"]
        assert original["WARC-Payload-Digest"] == h["WARC-Payload-Digest"]
    assert count(db, "select count(*) from captures where status = 304 and record_type = 'revisit'") == 3
    verified = run_harvest("verify", *archive)
    assert verified.returncode == 0, verified.stdout

    # Offline, from the directory: the newest capture of each article is a 304, and still gives it back.
    fresh = tmp_path / "fresh.db"
    offline = crawl(tmp_path, "harbour-feed", "--replay", str(warcs), "--db", str(fresh),
                    "--warc-dir", str(tmp_path / "offline-warcs"))
    assert offline[0] == 0 and "new 3" in offline[1], offline
    assert count(fresh, "select count(*) from articles") == 3
    # The offline archive's articles point at the 304 revisits: packed as a WACZ they open on those
    # captures, which replay tools resolve to the 200 they name.
    wacz = tmp_path / "refreshed.wacz"
    made = run_harvest("export", "--format", "wacz", "--db", str(fresh), "--warc-dir", str(warcs), "--out", str(wacz))
    assert made.returncode == 0, made.stderr
    validate = subprocess.run([str(Path(sys.executable).with_name("wacz")), "validate", "-f", str(wacz)],
                              capture_output=True, text=True)
    assert validate.returncode == 0, validate.stdout + validate.stderr
    with zipfile.ZipFile(wacz) as packed:
        pages = [json.loads(line) for line in packed.read("pages/pages.jsonl").splitlines()[1:]]
    revisit_times = {h["WARC-Target-URI"]: h["WARC-Date"][:19] + "Z" for h in not_modified}
    assert {p["url"]: p["ts"] for p in pages} == revisit_times
    replayed_db = tmp_path / "replayed.db"
    replayed = run_harvest("replay", str(warcs), "--db", str(replayed_db))
    assert replayed.returncode == 0 and "new 3," in replayed.stdout and "errors 0" in replayed.stdout, replayed
    assert count(replayed_db, "select count(*) from articles") == 3


def one_feed(site: NewsSite, feed: str) -> str:
    """The harbour-feed source reading only one of the site's two feeds (one spelling per article)."""
    return (f'[[source]]\nname = "harbour-feed"\nkind = "feed"\nstart = ["{site.base}/{feed}"]\n'
            "allow = ['/article/']\ndelay = 0\nautothrottle = false\nsettings = {RETRY_ENABLED = false}\n")


def test_replay_serves_the_newest_capture_whichever_spelling_recorded_it(tmp_path: Path) -> None:
    """The order the race above leaves to chance, forced: the 200s are recorded under the RSS
    spelling, the 304s under the Atom one. Replay asked for the RSS spelling still serves the
    newest capture of the article (the 304, resolved to its 200), not the newest of that spelling."""
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    archive = ("--db", str(db), "--warc-dir", str(warcs))
    sources = tmp_path / "sources.toml"
    with NewsSite() as site:
        sources.write_text(one_feed(site, "feed.xml"))
        assert "new 3" in crawl(tmp_path, "harbour-feed", *archive)[1]
        sources.write_text(one_feed(site, "atom.xml"))
        refreshed = crawl(tmp_path, "harbour-feed", "--refresh", *archive)
        assert refreshed[0] == 0 and "unchanged 3" in refreshed[1], refreshed
        sources.write_text(one_feed(site, "feed.xml"))

    records = warc_records(warcs)
    not_modified = {h["WARC-Record-ID"]: h for kind, h in records
                    if kind == "revisit" and h.get("WARC-Profile") == NOT_MODIFIED_PROFILE}
    assert len(not_modified) == 3
    for h in not_modified.values():
        assert "utm_campaign=atom" in h["WARC-Target-URI"] and "utm_source=rss" in h["WARC-Refers-To-Target-URI"]
    assert run_harvest("verify", *archive).returncode == 0

    fresh = tmp_path / "fresh.db"
    offline = crawl(tmp_path, "harbour-feed", "--replay", str(warcs), "--db", str(fresh),
                    "--warc-dir", str(tmp_path / "offline-warcs"))
    assert offline[0] == 0 and "new 3" in offline[1], offline
    with sqlite3.connect(fresh) as conn:
        served = dict(conn.execute("select warc_record_id, title from articles").fetchall())
    assert set(served) == set(not_modified), "every article points at its newest capture, the 304"
    assert sorted(served.values()) == [f"Harbour story number {n}" for n in (1, 2, 3)]


def test_warc_files_among_the_targets_get_an_error_naming_them(tmp_path: Path) -> None:
    warc = Path(__file__).resolve().parent.parent / "fixtures" / "site.warc.gz"
    copy = tmp_path / "second.warc.gz"
    copy.write_bytes(warc.read_bytes())
    # What `--replay warcs/*.warc.gz` expands to: the second file lands among the targets.
    result = run_harvest("crawl", "--replay", str(warc), str(copy), "http://example.org/a.html",
                         "--db", str(tmp_path / "a.db"), "--warc-dir", str(tmp_path / "w"))
    assert result.returncode != 0
    assert str(copy) in result.stderr and "--replay DIR" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "a.db").exists()
