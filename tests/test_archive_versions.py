"""Versions of an article: the paragraph-level diff between a version and the one before."""
from __future__ import annotations

import copy

from archive import Archive
from archive.versions import changes, diff_paragraphs, history

from .archive_samples import edited, harbour, shenzhen


def paras(*texts: str) -> list[dict]:
    return [{"text": t, "lang": "en", "role": "body"} for t in texts]


def ops(lines) -> list[tuple[str, str | int]]:
    return [(line.op, line.text or line.count) for line in lines]


def test_added_removed_and_edited_paragraphs_in_reading_order():
    old = paras("A", "B", "C", "D")
    new = paras("A", "B2", "C", "D", "E")
    assert ops(diff_paragraphs(old, new, context=None)) == [
        ("same", "A"), ("removed", "B"), ("added", "B2"), ("same", "C"), ("same", "D"), ("added", "E")]


def test_long_unchanged_runs_fold_around_context():
    old = paras(*"ABCDEFGH")
    new = paras(*"ABCDXEFGH")  # X inserted after D
    assert ops(diff_paragraphs(old, new, context=1)) == [
        ("unchanged", 3), ("same", "D"), ("added", "X"), ("same", "E"), ("unchanged", 3)]
    # A run too short to be worth folding stays as it is.
    assert ops(diff_paragraphs(paras("A", "B"), paras("A", "B", "C"), context=1)) == [
        ("same", "A"), ("same", "B"), ("added", "C")]


def test_whitespace_alone_is_no_change():
    assert ops(diff_paragraphs(paras("a  b"), paras("a b"), context=None)) == [("same", "a b")]


def test_changes_and_history_from_the_archive():
    archive = Archive.memory()
    archive.store_article(shenzhen())                                   # id 1, v1
    archive.store_article(harbour())                                    # id 2
    v2 = edited(shenzhen())                                             # adds a paragraph
    archive.store_article(v2)                                           # id 3, v2
    v3 = copy.deepcopy(v2)
    v3["title"] = "Shenzhen doubles down on innovation"
    del v3["paragraphs"][0]
    archive.store_article(v3)                                           # id 4, v3
    assert changes(archive.conn, 1) is None
    second = changes(archive.conn, 3)
    assert second["previous_id"] == 1 and second["previous_version"] == 1
    assert (second["added"], second["removed"], second["title"]) == (1, 0, None)
    assert [line["text"] for line in second["lines"] if line["op"] == "added"] == ["深圳还将举办创新大赛。"]
    third = changes(archive.conn, 4)
    assert third["previous_id"] == 3 and (third["added"], third["removed"]) == (0, 1)
    assert third["title"] == ("Shenzhen bets on innovation", "Shenzhen doubles down on innovation")
    rows = history(archive.conn, shenzhen()["canonical_url"])
    assert [(r["id"], r["version"], r["is_current"]) for r in rows] == [(1, 1, 0), (3, 2, 0), (4, 3, 1)]
    assert "added" not in rows[0] and (rows[1]["added"], rows[1]["removed"]) == (1, 0)
    assert (rows[2]["added"], rows[2]["removed"]) == (0, 1)
