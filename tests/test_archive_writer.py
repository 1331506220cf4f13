"""The archive writer thread: batches of articles, each one still all-or-nothing."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from archive import Archive
from archive.writer import ArchiveWriter

from .archive_samples import beijing, edited, harbour, shenzhen


def numbered(n: int) -> dict:
    article = shenzhen()
    article["canonical_url"] = f"https://example.org/article/{n}"
    article["title"] = f"Article {n}"
    return article


def hold(writer: ArchiveWriter) -> threading.Event:
    """Park the writer thread on a job until the event is set, so jobs pile up behind it."""
    release = threading.Event()
    writer.submit(lambda archive: release.wait(30))
    return release


def test_queued_articles_share_transactions_and_all_arrive(tmp_path):
    with ArchiveWriter(tmp_path / "a.db") as writer:
        release = hold(writer)
        futures = [writer.store_article(numbered(n)) for n in range(100)]
        release.set()
        assert [f.result(timeout=60) for f in futures] == ["new"] * 100
        assert writer.batches <= 3  # the held job, then the 100 in one or two transactions
    with sqlite3.connect(tmp_path / "a.db") as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone() == (100,)
        assert conn.execute("SELECT count(*) FROM paragraphs").fetchone() == (500,)


def test_a_failing_article_rolls_back_alone(tmp_path):
    broken = harbour()
    broken["paragraphs"].append({"lang": "en"})  # no text: fails after its article row went in
    with ArchiveWriter(tmp_path / "a.db") as writer:
        release = hold(writer)
        good = writer.store_article(shenzhen())
        bad = writer.store_article(broken)
        refused = writer.store_article({**beijing(), "status": "deleted"})
        later = writer.store_article(beijing())
        release.set()
        assert good.result(timeout=60) == "new" and later.result(timeout=60) == "new"
        with pytest.raises(KeyError):
            bad.result()
        with pytest.raises(ValueError, match="only articles are archived"):
            refused.result()
        assert writer.batches <= 2  # the held job and the four, together or in two transactions
    with Archive(tmp_path / "a.db") as archive:
        urls = [r[0] for r in archive.conn.execute("SELECT canonical_url FROM articles ORDER BY id")]
        assert urls == [shenzhen()["canonical_url"], beijing()["canonical_url"]]
        assert not archive.conn.execute(
            "SELECT 1 FROM paragraphs WHERE text LIKE 'Container traffic%'").fetchall()
        assert [h["id"] for h in archive.search("harbour")] == []


def test_a_result_is_durable_once_its_future_resolves(tmp_path):
    with ArchiveWriter(tmp_path / "a.db") as writer:
        assert writer.store_article(shenzhen()).result(timeout=60) == "new"
        with sqlite3.connect(tmp_path / "a.db") as other:  # another connection sees it committed
            assert other.execute("SELECT count(*) FROM articles").fetchone() == (1,)
        assert writer.store_article(shenzhen()).result(timeout=60) == "unchanged"
        assert writer.store_article(edited(shenzhen())).result(timeout=60) == "changed"
        crawl = writer.call("start_crawl", "urls").result(timeout=60)
        writer.call("finish_crawl", crawl, {"new": 1, "changed": 1}).result(timeout=60)
    with sqlite3.connect(tmp_path / "a.db") as conn:
        assert conn.execute("SELECT stored FROM crawls").fetchone() == (2,)


def test_an_archive_that_cannot_be_opened_fails_at_once(tmp_path):
    with pytest.raises(sqlite3.Error):
        ArchiveWriter(tmp_path)  # a directory


def indexed_ids(path) -> list[int]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute("SELECT id FROM articles_fts_docsize ORDER BY id")]


def test_two_versions_in_one_batch_leave_only_the_second_in_the_index(tmp_path):
    with ArchiveWriter(tmp_path / "a.db") as writer:
        release = hold(writer)
        first = writer.store_article(shenzhen())
        second = writer.store_article(edited(shenzhen()))
        other = writer.store_article(beijing())
        release.set()
        assert [f.result(timeout=60) for f in (first, second, other)] == ["new", "changed", "new"]
        assert writer.batches <= 2
    assert indexed_ids(tmp_path / "a.db") == [2, 3]
    with Archive(tmp_path / "a.db") as archive:
        assert [h["id"] for h in archive.search("深圳")] == [2]


def test_a_new_version_rolled_back_in_a_batch_leaves_the_first_indexed(tmp_path):
    broken = edited(shenzhen())
    broken["pairs"].append({"en": "only english"})  # fails after the first version was unindexed
    with ArchiveWriter(tmp_path / "a.db") as writer:
        release = hold(writer)
        first = writer.store_article(shenzhen())
        bad = writer.store_article(broken)
        release.set()
        assert first.result(timeout=60) == "new"
        with pytest.raises(KeyError):
            bad.result()
        # And once committed, a version indexed in an earlier transaction is taken out properly.
        assert writer.store_article(edited(shenzhen())).result(timeout=60) == "changed"
    assert indexed_ids(tmp_path / "a.db") == [2]  # the rolled-back row's id, given out again
    with Archive(tmp_path / "a.db") as archive:
        assert [h["id"] for h in archive.search("深圳")] == [2]
        archive.conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")


def test_with_linger_jobs_arriving_one_by_one_share_a_transaction(tmp_path):
    with ArchiveWriter(tmp_path / "a.db", linger=5.0, max_batch=4) as writer:
        futures = []
        for n in range(4):  # each submitted after the previous one was taken
            futures.append(writer.store_article(numbered(n)))
            time.sleep(0.05)
        assert [f.result(timeout=60) for f in futures] == ["new"] * 4  # a full batch does not wait
        assert writer.batches == 1
    with ArchiveWriter(tmp_path / "b.db") as writer:  # no linger: a job alone commits alone
        for n in range(3):
            writer.store_article(numbered(n)).result(timeout=60)
        assert writer.batches == 3
