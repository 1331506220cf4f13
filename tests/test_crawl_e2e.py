"""End to end: crawl the fixture site over loopback, then check the archive and the WARCs.

One crawl (module fixture) feeds several checks: articles stored with paragraphs and
pairs, deleted/blocked pages counted but never stored, every pointer opening the
response record of its URL, `warcio check` and `harvest verify` passing, and replay
of the recorded WARCs into a fresh archive giving the same content hashes.
"""
from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from fixtures.loader import iter_cases
from fixtures.site import FixtureSite
from tests.conftest import ROOT, run_harvest

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "HARVEST_BACKOFF_MIN_DELAY=0.05", "-s", "HARVEST_BACKOFF_MAX_DELAY=0.2",
        "-s", "HARVEST_BACKOFF_RETRIES=1"]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """Crawl every fixture page once; yields (workdir, site request log, crawl result)."""
    work = tmp_path_factory.mktemp("crawl")
    cases = list(iter_cases())
    with FixtureSite() as site:
        urls = [site.local_url(case.meta["url"]) for case in cases]
        result = run_harvest("crawl", *urls, "--db", str(work / "archive.db"),
                             "--warc-dir", str(work / "warcs"), "--quiet", *FAST)
        requests = list(site.requests)
    assert result.returncode == 0, result.stderr
    return work, cases, requests, result


def rows(db: Path, sql: str, *params) -> list[sqlite3.Row]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql, params).fetchall()


def test_articles_stored_and_non_articles_only_counted(crawled) -> None:
    work, cases, _, result = crawled
    db = work / "archive.db"
    expected_articles = [c for c in cases if c.truth["status"] == "article"]
    articles = rows(db, "select * from articles")
    assert len(articles) == len(expected_articles), result.stdout
    for article in articles:
        assert article["status"] == "article"
        assert article["content_hash"] and article["crawled_at"]
        assert rows(db, "select count(*) from paragraphs where article_id = ?", article["id"])[0][0] > 0
    titles = {a["title"] for a in articles}
    for case in expected_articles:
        assert case.truth["title"] in titles, f"{case.name}: title not stored"
    for case in cases:
        if case.truth["status"] in ("deleted", "blocked"):
            bad = [a for a in articles if case.request_target.split("&chksm")[0] in a["url"]]
            assert not bad, f"{case.name} ({case.truth['status']}) was stored as an article"
    [crawl] = rows(db, "select * from crawls")
    assert crawl["ended_at"] and crawl["stored"] == len(expected_articles)
    assert crawl["deleted"] == sum(c.truth["status"] == "deleted" for c in cases)
    assert crawl["blocked"] == sum(c.truth["status"] == "blocked" for c in cases)
    assert "articles stored" in result.stdout


def test_bilingual_articles_have_pairs(crawled) -> None:
    work, cases, _, _ = crawled
    db = work / "archive.db"
    for case in cases:
        if case.truth["status"] == "article" and case.truth["language"] == "bilingual":
            [article] = rows(db, "select id, pair_count from articles where title = ?", case.truth["title"])
            assert article["pair_count"] >= max(1, len(case.truth["pairs"]) - 1), case.name


def test_every_fetch_is_a_capture_and_pointers_open_their_records(crawled) -> None:
    work, _, requests, _ = crawled
    db = work / "archive.db"
    captures = rows(db, "select * from captures")
    assert len(captures) == len(requests), "one capture per response the server sent"
    for article in rows(db, "select * from articles"):
        path = work / "warcs" / article["warc_file"]
        with open(path, "rb") as handle:
            handle.seek(article["warc_offset"])
            record = next(iter(ArchiveIterator(handle)))
            assert record.rec_type == "response"
            assert record.rec_headers.get_header("WARC-Record-ID") == article["warc_record_id"]
            assert record.rec_headers.get_header("WARC-Target-URI") == article["url"]
            assert record.rec_headers.get_header("WARC-Payload-Digest")
            assert b"<html" in record.content_stream().read().lower()


def test_warc_files_pass_warcio_check_and_hold_request_response_pairs(crawled) -> None:
    work = crawled[0]
    files = sorted((work / "warcs").glob("*.warc.gz"))
    assert files
    warcio = Path(sys.executable).with_name("warcio")
    for path in files:
        check = subprocess.run([str(warcio), "check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        with gzip.open(path) as handle:
            assert handle.read(8) == b"WARC/1.1"
        with open(path, "rb") as handle:
            kinds = [r.rec_type for r in ArchiveIterator(handle)]
        assert kinds[0] == "warcinfo"
        assert kinds.count("request") == kinds.count("response") + kinds.count("revisit")


def test_verify_passes_then_reports_a_corrupted_record(crawled, tmp_path: Path) -> None:
    work = crawled[0]
    ok = run_harvest("verify", "--db", str(work / "archive.db"), "--warc-dir", str(work / "warcs"))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "0 problems" in ok.stdout
    # Corrupt one response record's payload in a copy of the WARC directory.
    copy = tmp_path / "warcs"
    shutil.copytree(work / "warcs", copy)
    [article] = rows(work / "archive.db", "select * from articles limit 1")
    path = copy / article["warc_file"]
    with open(path, "rb") as handle:
        handle.seek(article["warc_offset"])
        member = gzip.GzipFile(fileobj=handle).read()
    broken = member.replace(b"</html>", b"</HTML>", 1) if b"</html>" in member else member[:-10] + b"XXXXXXXXXX"
    data = path.read_bytes()
    start = article["warc_offset"]
    end = start + rows(work / "archive.db", "select warc_length from captures where warc_record_id = ?",
                       article["warc_record_id"])[0][0]
    path.write_bytes(data[:start] + gzip.compress(broken) + data[end:])
    bad = run_harvest("verify", "--db", str(work / "archive.db"), "--warc-dir", str(copy))
    assert bad.returncode != 0
    assert "MISMATCH" in bad.stdout and article["warc_record_id"] in bad.stdout


def test_replay_of_the_crawl_rebuilds_the_same_articles(crawled, tmp_path: Path) -> None:
    work = crawled[0]
    warcs = sorted(str(p) for p in (work / "warcs").glob("*.warc.gz"))
    fresh = tmp_path / "fresh.db"
    first = run_harvest("replay", *warcs, "--db", str(fresh))
    assert first.returncode == 0, first.stderr
    original = dict((r[0], r[1]) for r in rows(work / "archive.db", "select canonical_url, content_hash from articles"))
    replayed = dict((r[0], r[1]) for r in rows(fresh, "select canonical_url, content_hash from articles"))
    assert replayed == original
    second = run_harvest("replay", *warcs, "--db", str(fresh))
    assert "new 0, changed 0" in second.stdout, second.stdout
    assert rows(fresh, "select count(*) from articles")[0][0] == len(original)


def test_search_from_the_command_line_in_both_languages(crawled) -> None:
    db = str(crawled[0] / "archive.db")
    chinese = run_harvest("search", "深圳", "--db", db, "--format", "json")
    assert chinese.returncode == 0, chinese.stderr
    assert any("深圳" in (hit.get("title") or "") + (hit.get("snippet") or "") for hit in json.loads(chinese.stdout))
    english = run_harvest("search", "innovation", "--db", db)
    assert english.returncode == 0 and "[" in english.stdout


def test_exports_tmx_jsonl_and_a_valid_wacz(crawled, tmp_path: Path) -> None:
    from lxml import etree

    work = crawled[0]
    db = str(work / "archive.db")
    pair_count = rows(work / "archive.db", "select count(*) from pairs p join articles a "
                      "on a.id = p.article_id where a.is_current = 1")[0][0]
    tmx = tmp_path / "pairs.tmx"
    assert run_harvest("export", "--format", "tmx", "--db", db, "--out", str(tmx)).returncode == 0
    tree = etree.parse(str(tmx))
    units = tree.findall(".//tu")
    assert len(units) == pair_count > 0
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert all(sorted(t.get(xml_lang) for t in tu.findall("tuv")) == ["en", "zh"] for tu in units)
    jsonl = run_harvest("export", "--format", "jsonl", "--db", db)
    assert len(jsonl.stdout.splitlines()) == pair_count
    wacz = tmp_path / "archive.wacz"
    made = run_harvest("export", "--format", "wacz", "--db", db, "--warc-dir", str(work / "warcs"),
                       "--out", str(wacz))
    assert made.returncode == 0, made.stderr
    validate = subprocess.run([str(Path(sys.executable).with_name("wacz")), "validate", "-f", str(wacz)],
                              capture_output=True, text=True)
    assert validate.returncode == 0 and "valid" in validate.stdout, validate.stdout


def test_recrawl_of_unchanged_pages_writes_revisits_and_no_versions(tmp_path: Path) -> None:
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    cases = [c for c in iter_cases() if c.truth["status"] == "article"][:4]
    with FixtureSite() as site:
        urls = [site.local_url(case.meta["url"]) for case in cases]
        first = run_harvest("crawl", *urls, "--db", str(db), "--warc-dir", str(warcs), "--quiet", *FAST)
        again = run_harvest("crawl", *urls, "--refresh", "--db", str(db), "--warc-dir", str(warcs),
                            "--quiet", *FAST)
    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    assert "unchanged 4" in again.stdout, again.stdout
    assert rows(db, "select count(*) from articles")[0][0] == 4
    newest = sorted(warcs.glob("*.warc.gz"))[-1]
    with open(newest, "rb") as handle:
        kinds = [r.rec_type for r in ArchiveIterator(handle)]
    # Every payload was seen before (the 4 articles and robots.txt): no body is stored twice.
    assert kinds.count("revisit") == 5 and kinds.count("response") == 0, kinds
    assert (warcs / "index.cdxj").is_file()
    verified = run_harvest("verify", "--db", str(db), "--warc-dir", str(warcs))
    assert verified.returncode == 0, verified.stdout
    # The recrawl's WARC alone replays: its revisits resolve through the directory's index.
    fresh = tmp_path / "fresh.db"
    replayed = run_harvest("replay", str(newest), "--db", str(fresh))
    assert "new 4" in replayed.stdout, replayed.stdout
    # And a crawl answered from both WARCs serves the newest capture (a revisit) with its payload.
    offline = tmp_path / "offline.db"
    again_offline = run_harvest("crawl", *urls, "--db", str(offline), "--warc-dir", str(tmp_path / "w2"),
                                "--quiet", *sum((["--replay", str(p)] for p in sorted(warcs.glob("*.warc.gz"))), []),
                                *FAST)
    assert again_offline.returncode == 0, again_offline.stderr
    pointed = {r[0] for r in rows(offline, "select warc_file from articles")}
    assert pointed == {str(newest.resolve())}, pointed


def test_crawl_from_a_recorded_warc_uses_no_network(tmp_path: Path) -> None:
    site_warc = Path(__file__).resolve().parent.parent / "fixtures" / "site.warc.gz"
    cases = [c for c in iter_cases() if c.truth["status"] == "article"]
    urls = [c.meta["url"] for c in cases]  # the original hosts: nothing listens there for us
    db = tmp_path / "archive.db"
    result = run_harvest("crawl", *urls, "--replay", str(site_warc), "--db", str(db), "--quiet",
                         "--warc-dir", str(tmp_path / "warcs"), *FAST)
    assert result.returncode == 0, result.stderr
    assert rows(db, "select count(*) from articles")[0][0] == len(cases), result.stdout
    assert not result.stderr.strip()


def test_record_writes_one_warc_and_archives_nothing(tmp_path: Path) -> None:
    case = next(c for c in iter_cases() if c.truth["status"] == "article")
    out = tmp_path / "new-fixture.warc.gz"
    with FixtureSite() as site:
        url = site.local_url(case.meta["url"])
        result = run_harvest("record", url, "--out", str(out), "--quiet", *FAST)
    assert result.returncode == 0, result.stderr
    with open(out, "rb") as handle:
        records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in ArchiveIterator(handle)]
    assert ("response", url) in records and ("request", url) in records
    assert not (tmp_path / "archive.db").exists() and not (ROOT / "warcs").exists()


def test_extract_prints_the_contract_json(tmp_path: Path) -> None:
    case = next(c for c in iter_cases() if c.name == "wechat-2024-seed-innovation-camp")
    page = tmp_path / "page.html"
    page.write_bytes(case.body)
    result = run_harvest("extract", str(page), "--url", case.meta["url"], "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["status", "url", "canonical_url", "title", "title_en", "title_zh",
                          "original_title", "source", "author", "editors", "published", "language",
                          "paragraphs", "pairs", "text_en", "text_zh", "images", "removed"]
    assert data["status"] == "article" and data["language"] == "bilingual"
    assert data["published"] == "2023-06-13T18:59:00+08:00"
    body = json.dumps([data["paragraphs"], data["pairs"], data["text_en"], data["text_zh"]], ensure_ascii=False)
    for boilerplate in ("原标题", "审读", "免责声明", "推荐阅读", "鹏友圈"):
        assert boilerplate not in body, boilerplate
    assert data["original_title"] and data["editors"].get("审读") == "刘春生"
