"""The versions of one article and what changed between them, paragraph by paragraph.

The store keeps every version whose content changed (same canonical URL, version
1, 2, ...). A reader wants to see *what* changed: `diff_paragraphs` lines up two
versions' paragraphs with difflib (a paragraph is the unit, compared by its text),
so an added paragraph is `added`, a dropped one `removed`, and an edited one both
(its old text removed, its new text added), in reading order. Long unchanged runs
fold into one `unchanged` marker around a little context.
"""
from __future__ import annotations

import difflib
import sqlite3
from dataclasses import asdict, dataclass
from typing import Any, Literal

from .store import read_article

Op = Literal["same", "added", "removed", "unchanged"]
CONTEXT = 1  # unchanged paragraphs shown on each side of a change


@dataclass
class DiffLine:
    """One paragraph of a diff, or (op "unchanged") a count of folded unchanged ones."""
    op: Op
    text: str = ""
    lang: str | None = None
    role: str | None = None
    count: int = 0


def diff_paragraphs(old: list[dict[str, Any]], new: list[dict[str, Any]],
                    context: int | None = CONTEXT) -> list[DiffLine]:
    """Paragraph-level diff of two versions' `paragraphs` (dicts with text, lang, role).

    `context` unchanged paragraphs stay on each side of a change; longer runs
    become one "unchanged" line with their count (None keeps them all).
    """
    a = [" ".join(p["text"].split()) for p in old]
    b = [" ".join(p["text"].split()) for p in new]
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            run = [_line("same", p) for p in new[j1:j2]]
            lines.extend(_fold(run, context, first=not lines, last=j2 == len(new)))
            continue
        lines.extend(_line("removed", p) for p in old[i1:i2])
        lines.extend(_line("added", p) for p in new[j1:j2])
    return lines


def _line(op: Op, paragraph: dict[str, Any]) -> DiffLine:
    return DiffLine(op, paragraph["text"], paragraph.get("lang"), paragraph.get("role"))


def _fold(run: list[DiffLine], context: int | None, *, first: bool, last: bool) -> list[DiffLine]:
    """Keep `context` lines next to the changes around this unchanged run, fold the rest."""
    if context is None:
        return run
    head = 0 if first else context
    tail = 0 if last else context
    if len(run) <= head + tail + 1:
        return run
    folded = DiffLine("unchanged", count=len(run) - head - tail)
    return run[:head] + [folded] + (run[len(run) - tail:] if tail else [])


def version_rows(conn: sqlite3.Connection, canonical_url: str) -> list[dict[str, Any]]:
    """Every stored version of one article, oldest first (id, version, dates, counts)."""
    cursor = conn.execute(
        "SELECT id, version, is_current, title, crawled_at, published, paragraph_count, pair_count "
        "FROM articles WHERE canonical_url = ? ORDER BY version", (canonical_url,))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor]


def history(conn: sqlite3.Connection, canonical_url: str) -> list[dict[str, Any]]:
    """`version_rows` with, from version 2 on, how many paragraphs each added and removed."""
    rows = version_rows(conn, canonical_url)
    previous = None
    for row in rows:
        paragraphs = read_article(conn, row["id"])["paragraphs"]
        if previous is not None:
            lines = diff_paragraphs(previous, paragraphs, context=0)
            row["added"] = sum(line.op == "added" for line in lines)
            row["removed"] = sum(line.op == "removed" for line in lines)
        previous = paragraphs
    return rows


def changes(conn: sqlite3.Connection, article_id: int, context: int | None = CONTEXT) -> dict[str, Any] | None:
    """What version `article_id` changed from the version before it; None for a first version.

    {"previous_id", "previous_version", "title": (old, new) or None, "lines": [DiffLine
    as dict], "added", "removed"}. Raises KeyError if there is no such article.
    """
    article = read_article(conn, article_id)
    row = conn.execute("SELECT id FROM articles WHERE canonical_url = ? AND version < ? "
                       "ORDER BY version DESC LIMIT 1",
                       (article["canonical_url"], article["version"])).fetchone()
    if row is None:
        return None
    before = read_article(conn, row[0])
    lines = diff_paragraphs(before["paragraphs"], article["paragraphs"], context)
    return {
        "previous_id": before["id"],
        "previous_version": before["version"],
        "title": (before["title"], article["title"]) if before["title"] != article["title"] else None,
        "lines": [asdict(line) for line in lines],
        "added": sum(line.op == "added" for line in lines),
        "removed": sum(line.op == "removed" for line in lines),
    }
