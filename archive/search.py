"""Full-text search over current article versions, English and Chinese.

FTS5 has no Chinese word segmenter and Python's sqlite3 cannot register a custom
tokenizer, so Chinese is made searchable by rewriting it *before* it reaches the
standard `unicode61` tokenizer. `articles_fts` (rowid = articles.id) has four columns:

- `title`, `text_en`: as stored; porter stemming makes "innovations" find "innovation".
- `text_zh_chars`: the Chinese text with a space around every CJK character
  (深圳创新 -> "深 圳 创 新"); other words are kept as they are. A phrase query of
  single characters ("深 圳") then behaves like substring search, any length.
- `text_zh_bigrams`: the overlapping character bigrams of every CJK run
  (深圳创新 -> "深圳 圳创 创新"). A query of exactly two characters is then one
  ordinary token, so even Datasette's unmodified search box (which sends
  `"深圳"`) finds it; longer queries become a bigram phrase, which is selective
  and ranks well with bm25.

The Python side fills both derived columns when an article is stored, in the same
transaction (`index_article`), and removes a version from the index when a newer
one replaces it (`unindex_article`), so only current versions are searchable.

`match_expression()` turns a user query into an FTS5 expression for `search()`;
`datasette_escape_fts()` is the drop-in replacement for Datasette's `escape_fts`
that the Datasette plugin installs (on archive databases only) so the table's
plain ?_search= box handles Chinese of any length.
"""
from __future__ import annotations

import operator
import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

# CJK ideographs (unified, extension A-F, compatibility) plus 〇.
_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
CJK_CHAR = re.compile(f"[{_CJK}]")
CJK_RUN = re.compile(f"[{_CJK}]+")
_CJK_SPLIT = re.compile(f"([{_CJK}]+)")
_ONLY_CJK = re.compile(f"^[{_CJK}]+$")
# Datasette's own query splitter: whitespace, keeping "quoted phrases" whole.
_QUERY_BITS = re.compile(r'\s+|(".*?")')
# Snippet marks while FTS5 builds a snippet: private-use characters, so the spaces
# the unigram column put between CJK characters (and around marks) can be closed.
_OPEN, _CLOSE = "\ue000", "\ue001"
HIT_MARKS = (_OPEN, _CLOSE)  # search_page()'s default marks, for callers that escape, then mark up
_CJK_PUNCT = "\u3000-\u303f\uff00-\uffef"
_CJK_SPACE = re.compile(
    f"(?<=[{_CJK}{_CJK_PUNCT}{_OPEN}{_CLOSE}])\\s+(?=[{_CJK}{_CJK_PUNCT}{_OPEN}{_CLOSE}])")

FTS_TABLE = "articles_fts"


def has_cjk(text: str | None) -> bool:
    """True if the text holds at least one Chinese character."""
    return bool(text) and CJK_CHAR.search(text) is not None


def zh_unigrams(text: str) -> str:
    """Space out every CJK character so unicode61 sees each as its own token."""
    parts = _CJK_SPLIT.split(text)  # odd items are the CJK runs
    parts[1::2] = [" ".join(run) for run in parts[1::2]]
    return " ".join(" ".join(parts).split())


def zh_bigrams(text: str) -> str:
    """Overlapping bigrams of each CJK run; non-Chinese text is dropped."""
    return " ".join(filter(None, (" ".join(map(operator.add, run, run[1:])) for run in CJK_RUN.findall(text))))


def _split_query(query: str) -> list[str]:
    """Split like Datasette: on whitespace, "quoted phrases" kept; quotes removed."""
    if query.count('"') % 2:
        query += '"'
    bits = [b for b in _QUERY_BITS.split(query) if b and b != '""']
    return [b[1:-1] if b.startswith('"') and b.endswith('"') and len(b) > 1 else b for b in bits]


def _quote(text: str) -> str:
    """An FTS5 string literal: the tokenizer turns its contents into one phrase."""
    return '"' + text.replace('"', '""') + '"'


def _zh_target(term: str) -> tuple[str, str]:
    """(column, FTS5 phrase) that finds `term`, which contains Chinese, as a substring.

    Two or more Chinese characters alone: a bigram phrase in `text_zh_bigrams`
    (深圳创新 -> "深圳 圳创 创新"). One character, or Chinese mixed with other text:
    a unigram phrase in `text_zh_chars` ("5G 网 络").
    """
    term = term.strip()
    if _ONLY_CJK.match(term) and len(term) >= 2:
        return "text_zh_bigrams", _quote(zh_bigrams(term))
    return "text_zh_chars", _quote(zh_unigrams(term))


def zh_phrase(term: str) -> str:
    """The FTS5 phrase that finds a Chinese term as a substring (see `_zh_target`)."""
    return _zh_target(term)[1]


def match_expression(query: str) -> str:
    """A user query as an FTS5 MATCH expression: every term must match (AND).

    Chinese terms go to the column that can find them (`_zh_target`); other terms
    are quoted, so punctuation and FTS5 keywords are taken literally; a trailing
    `*` keeps prefix search (innov*; note the prefix meets porter-stemmed tokens).
    """
    parts: list[str] = []
    for bit in _split_query(query):
        if has_cjk(bit):
            column, phrase = _zh_target(bit)
            parts.append(f"{column} : {phrase}")
        elif bit.endswith("*") and bit.rstrip("*").strip():
            parts.append(_quote(bit.rstrip("*")) + "*")
        elif bit.strip():
            parts.append(_quote(bit))
    return " AND ".join(parts)


def datasette_escape_fts(query: str) -> str:
    """Datasette's `escape_fts`, extended so Chinese terms are found as substrings.

    Datasette runs `MATCH escape_fts(:search)` for ?_search=. Terms without Chinese
    come out exactly as Datasette's own function makes them (each one quoted,
    implicitly ANDed); a Chinese term becomes its `zh_phrase` (no column filter,
    so Datasette's `?_search_<column>=` searches still parse). Without this
    override Datasette still finds one- and two-character Chinese queries, as
    single tokens of the two derived columns; longer ones need it.
    """
    return " ".join(zh_phrase(b) if has_cjk(b) else _quote(b) for b in _split_query(query))


def fts_values(title: str | None, title_en: str | None, title_zh: str | None, original_title: str | None,
               text_en: str | None, text_zh: str | None, other: list[str]) -> dict[str, str]:
    """The four FTS column values of one article version (`other`: texts of its paragraphs
    that are neither en nor zh, in order). A pure function of what is stored: the same
    values index a version and, with the 'delete' command, take it out again, so any
    change here needs a migration that rebuilds the index."""
    titles: list[str] = []
    for t in (title, title_en, title_zh, original_title):
        if t and t not in titles:
            titles.append(t)
    english = "\n".join(filter(None, [text_en or "", *other]))
    chinese = "\n".join(filter(None, [*(t for t in titles if has_cjk(t)), text_zh or "", *other]))
    return {
        "title": "\n".join(titles),
        "text_en": english,
        "text_zh_chars": zh_unigrams(chinese),
        "text_zh_bigrams": zh_bigrams(chinese),
    }


def _stored_values(conn: sqlite3.Connection, article_id: int) -> dict[str, str] | None:
    """`fts_values` of a stored version, read back from its rows."""
    row = conn.execute(
        "SELECT title, title_en, title_zh, original_title, text_en, text_zh "
        "FROM articles WHERE id = ?", (article_id,)).fetchone()
    if row is None:
        return None
    other = [r[0] for r in conn.execute(
        "SELECT text FROM paragraphs WHERE article_id = ? AND lang NOT IN ('en', 'zh') "
        "ORDER BY seq", (article_id,))]
    return fts_values(*row, other)


FTS_COLUMNS = ("title", "text_en", "text_zh_chars", "text_zh_bigrams")
_COLUMNS = ", ".join(FTS_COLUMNS)
_VALUES = ":title, :text_en, :text_zh_chars, :text_zh_bigrams"


def _indexed(conn: sqlite3.Connection, article_id: int) -> bool:
    return conn.execute(f"SELECT 1 FROM {FTS_TABLE}_docsize WHERE id = ?", (article_id,)).fetchone() is not None


_INSERT = f"INSERT INTO {FTS_TABLE} (rowid, {_COLUMNS}) VALUES (:rowid, {_VALUES})"
_DELETE = f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, {_COLUMNS}) VALUES ('delete', :rowid, {_VALUES})"


class PendingIndex:
    """Index writes held back until the end of a transaction, then made in one go.

    FTS5 writes what it has buffered as a new index segment at every savepoint, so
    indexing each article of a batch inside its own savepoint (archive.writer) writes a
    small segment per article, to be merged again later: most of the cost of indexing.
    Held here instead, a batch's articles become one segment, written just before its
    COMMIT (`flush`). A savepoint rolled back drops what it queued (`rollback(mark)`).
    Until then the index does not show them: `flush` first to search inside the transaction.
    """

    def __init__(self) -> None:
        self._ops: list[tuple[str, int, dict[str, str] | None]] = []

    def __bool__(self) -> bool:
        return bool(self._ops)

    def mark(self) -> int:
        return len(self._ops)

    def rollback(self, mark: int) -> None:
        del self._ops[mark:]

    def add(self, article_id: int, values: dict[str, str]) -> None:
        self._ops.append(("add", article_id, values))

    def remove(self, article_id: int, values: dict[str, str] | None) -> None:
        """`values`: what the index holds for it (None when only a queued `add` has it)."""
        self._ops.append(("remove", article_id, values))

    def last(self, article_id: int) -> str | None:
        """The article's latest queued write, "add" or "remove", if any."""
        return next((op for op, rowid, _ in reversed(self._ops) if rowid == article_id), None)

    def flush(self, conn: sqlite3.Connection) -> None:
        """Make the queued writes, in effect: an add taken back before the end never reaches FTS5."""
        adds: dict[int, dict[str, str]] = {}
        removes = []
        for op, rowid, values in self._ops:
            if op == "add":
                adds[rowid] = values
            elif rowid in adds:
                del adds[rowid]
            elif values is not None:
                removes.append({"rowid": rowid, **values})
        self._ops.clear()
        if removes:
            conn.executemany(_DELETE, removes)
        if adds:
            conn.executemany(_INSERT, ({"rowid": rowid, **values} for rowid, values in adds.items()))


def index_article(conn: sqlite3.Connection, article_id: int, values: dict[str, str] | None = None,
                  pending: PendingIndex | None = None) -> None:
    """(Re)index one stored version; call inside the transaction that stored it.

    `values`: its `fts_values`, when the caller has them (the store does), else
    they are read back from the stored rows. `pending`: queue the write there
    rather than make it now.
    """
    unindex_article(conn, article_id, pending)
    if values is None:
        values = _stored_values(conn, article_id)
    if values is None:
        return
    if pending is not None:
        pending.add(article_id, values)
    else:
        conn.execute(_INSERT, {"rowid": article_id, **values})


def unindex_article(conn: sqlite3.Connection, article_id: int, pending: PendingIndex | None = None) -> None:
    """Drop a version from the index (it stopped being current), if it is there.

    The index holds no text, so FTS5 is told what to remove: the values the version
    was indexed with, derived again from its (unchanging) rows.
    """
    queued = pending.last(article_id) if pending is not None else None
    if queued == "add":  # never reached the index: taking the add back is enough
        pending.remove(article_id, None)
    if queued is not None or not _indexed(conn, article_id):
        return
    values = _stored_values(conn, article_id)
    if values is None:
        return
    if pending is not None:
        pending.remove(article_id, values)
    else:
        conn.execute(_DELETE, {"rowid": article_id, **values})


def rebuild_index(conn: sqlite3.Connection) -> int:
    """Index every current version from scratch; returns how many were indexed."""
    if conn.execute(f"SELECT 1 FROM sqlite_master WHERE name = '{FTS_TABLE}_content'").fetchone():
        conn.execute(f"DELETE FROM {FTS_TABLE}")  # the index of archives before 0007, with its own text
    else:
        conn.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('delete-all')")
    ids = [r[0] for r in conn.execute("SELECT id FROM articles WHERE is_current = 1 ORDER BY id")]
    for article_id in ids:
        conn.execute(_INSERT, {"rowid": article_id, **_stored_values(conn, article_id)})
    return len(ids)


_SNIPPETS = "harvest_snippets"  # a temp FTS5 table, per connection


def _fts_snippets(conn: sqlite3.Connection, ids: list[int], expression: str) -> dict[int, tuple[str, str]]:
    """FTS5 snippets of English text and Chinese unigram text for some hits: {id: (en, zh)}.

    The index keeps no text, so snippet() cannot run on it; the hits' column values
    go into a temporary FTS5 table of this connection (the archive file is untouched,
    so this works read-only too), where snippet() marks what the same query matches.
    """
    if not ids:
        return {}
    ours = not conn.in_transaction
    conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_SNIPPETS} USING fts5({_COLUMNS}, "
                 "tokenize = 'porter unicode61 remove_diacritics 2')")
    try:
        for article_id in ids:
            values = _stored_values(conn, article_id)
            if values is not None:
                conn.execute(f"INSERT INTO temp.{_SNIPPETS} (rowid, {_COLUMNS}) VALUES (:rowid, {_VALUES})",
                             {"rowid": article_id, **values})
        return {row[0]: (row[1], row[2]) for row in conn.execute(
            f"SELECT rowid, snippet({_SNIPPETS}, 1, :open, :close, '…', 24), "
            f"snippet({_SNIPPETS}, 2, :open, :close, '…', 24) FROM temp.{_SNIPPETS} "
            f"WHERE {_SNIPPETS} MATCH :expression", {"open": _OPEN, "close": _CLOSE, "expression": expression})}
    finally:
        conn.execute(f"DELETE FROM temp.{_SNIPPETS}")
        if ours and conn.in_transaction:
            conn.commit()


def _zh_snippet(text: str, terms: list[str], width: int, mark: tuple[str, str]) -> str | None:
    """A window of `width` characters around the first Chinese term found in text,
    every term in it marked (`terms` longest first, so a longer term wins an overlap)."""
    for term in terms:
        at = text.find(term)
        if at >= 0:
            start = max(0, at - (width - len(term)) // 2)
            end = min(len(text), start + width)
            pattern = re.compile("|".join(re.escape(t) for t in terms))
            piece = pattern.sub(lambda m: mark[0] + m.group(0) + mark[1], text[start:end])
            piece = " ".join(piece.split())
            return ("…" if start > 0 else "") + piece + ("…" if end < len(text) else "")
    return None


def _lead(text: str | None, width: int) -> str | None:
    """The start of a text, at most `width` characters, cut at a space where there is one."""
    text = " ".join((text or "").split())
    if not text:
        return None
    if len(text) <= width:
        return text
    cut = text.rfind(" ", width // 2, width)
    return text[:cut if cut > 0 else width] + "…"


def _fts_snippet(raw: str | None, mark: tuple[str, str]) -> str | None:
    """An FTS5 snippet with hits, unigram spacing closed, marks swapped in; None without a hit."""
    if not raw or _OPEN not in raw:
        return None
    text = " ".join(_CJK_SPACE.sub("", raw).split())
    return text.replace(_OPEN, mark[0]).replace(_CLOSE, mark[1])


_MARKED = re.compile(f"{_OPEN}(.*?){_CLOSE}")


def _counterpart(pairs: list[tuple[str, str]], side: int, needles: list[str]) -> str | None:
    """The other side of the first aligned pair whose `side` (0 en, 1 zh) holds a needle.

    A Chinese hit's English snippet is then its translation, and the other way round.
    """
    lowered = [n.lower() for n in needles if n]
    for pair in pairs:
        text = pair[side].lower()
        if any(n in text for n in lowered):
            return pair[1 - side]
    return None


def _snippets(row: sqlite3.Row | tuple, zh_terms: list[str], raw_en: str | None, raw_zh: str | None,
              pairs: list[tuple[str, str]], mark: tuple[str, str]) -> tuple[str | None, str | None]:
    """(English snippet, Chinese snippet) of one hit; hits marked, else the aligned
    counterpart of the other language's hit, else the start of that language's text."""
    text_en, text_zh, titles = row
    en = _fts_snippet(raw_en, mark)
    zh = None
    if zh_terms:
        zh = _zh_snippet(text_zh or "", zh_terms, 60, mark) or _zh_snippet(titles, zh_terms, 60, mark)
        if en is None:
            en = _lead(_counterpart(pairs, 1, zh_terms), 160)
    if zh is None and en is not None and raw_en:
        zh = _lead(_counterpart(pairs, 0, _MARKED.findall(raw_en)), 60)
    if zh is None and not zh_terms:
        zh = _fts_snippet(raw_zh, mark)
    return en or _lead(text_en, 160), zh or _lead(text_zh, 60)


@dataclass
class SearchPage:
    """One page of ranked hits, the total number of matches, and facet counts."""
    query: str
    total: int
    hits: list[dict[str, Any]]
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


# Facets of a search: name -> SQL expression over `articles a` (its filter compares the same).
FACETS = {
    "source": "a.source",
    "language": "a.language",
    "year": "substr(a.published, 1, 4)",
}
FACET_LIMIT = 12


def _query_terms(query: str) -> list[str]:
    return [b.strip().rstrip("*").strip() for b in _split_query(query) if b.strip().rstrip("*").strip()]


def search_page(db: Any, query: str, *, limit: int = 20, offset: int = 0,
                filters: dict[str, str | None] | None = None, facets: bool = True,
                mark: tuple[str, str] = (_OPEN, _CLOSE)) -> SearchPage:
    """Ranked hits for `query` (English and/or Chinese) with snippets in both languages.

    Order: articles whose titles contain every query term first, then bm25 (a title
    hit counts three times a body hit), so "robotics" puts a robotics headline above
    a body that says "robots" often (porter stems both to "robot"). `filters` narrows
    by FACETS (source, language, year); `facets` also counts matches per value.
    Snippets come marked with `mark` (private-use characters by default, for
    callers that escape the text before turning them into HTML).
    """
    conn: sqlite3.Connection = getattr(db, "conn", db)
    expression = match_expression(query)
    if not expression:
        return SearchPage(query, 0, [])
    where = [f"{FTS_TABLE} MATCH :expression"]
    params: dict[str, Any] = {"expression": expression}
    for name, value in (filters or {}).items():
        if name not in FACETS:
            raise ValueError(f"unknown search filter {name!r}")
        if value:
            where.append(f"{FACETS[name]} = :f_{name}")
            params[f"f_{name}"] = value
    base = f"FROM {FTS_TABLE} JOIN articles a ON a.id = {FTS_TABLE}.rowid WHERE {' AND '.join(where)}"
    titles = ("lower(a.title || ' ' || coalesce(a.title_en, '') || ' ' || coalesce(a.title_zh, '') "
              "|| ' ' || coalesce(a.original_title, ''))")
    terms = _query_terms(query)
    in_title = " AND ".join(f"instr({titles}, lower(:t{i})) > 0" for i in range(len(terms))) or "0"
    params.update({f"t{i}": term for i, term in enumerate(terms)})
    (total,) = conn.execute(f"SELECT count(*) {base}", params).fetchone()
    rows = conn.execute(
        f"""
        SELECT a.id, a.canonical_url, a.url, a.title, a.title_en, a.title_zh, a.source,
               a.published, a.language, a.text_en, a.text_zh,
               a.title || char(10) || coalesce(a.title_zh, '') || char(10) || coalesce(a.original_title, ''),
               bm25({FTS_TABLE}, 3.0, 1.0, 1.0, 1.0) AS score, ({in_title}) AS title_match
        {base}
        ORDER BY title_match DESC, score LIMIT :limit OFFSET :offset
        """, {**params, "limit": limit, "offset": offset}).fetchall()
    zh_terms = sorted((t for t in terms if has_cjk(t)), key=len, reverse=True)
    # FTS5 marks the hits of other than Chinese terms (porter-stemmed); Chinese ones are found here.
    raw = _fts_snippets(conn, [row[0] for row in rows], expression) \
        if any(not has_cjk(t) for t in terms) else {}
    hits = []
    for row in rows:
        (id_, canonical_url, url, title, title_en, title_zh, source, published, language,
         text_en, text_zh, all_titles, score, title_match) = row
        raw_en, raw_zh = raw.get(id_, (None, None))
        pairs = conn.execute("SELECT en, zh FROM pairs WHERE article_id = ? ORDER BY seq", (id_,)).fetchall()
        snippet_en, snippet_zh = _snippets((text_en, text_zh, all_titles), zh_terms, raw_en, raw_zh,
                                           pairs, mark)
        # The one-line snippet (harvest search): the language the query was in first.
        first = (snippet_zh, snippet_en) if zh_terms else (snippet_en, snippet_zh)
        snippet = next((s for s in first if s and mark[0] in s), first[0] or first[1] or "")
        hits.append({
            "id": id_, "canonical_url": canonical_url, "url": url, "title": title,
            "title_en": title_en, "title_zh": title_zh, "source": source,
            "published": published, "language": language, "score": score,
            "title_match": bool(title_match), "snippet": snippet,
            "snippet_en": snippet_en, "snippet_zh": snippet_zh,
        })
    counts: dict[str, list[dict[str, Any]]] = {}
    if facets:
        for name, expr in FACETS.items():
            order = "value DESC" if name == "year" else "count DESC, value"
            counts[name] = [{"value": value, "count": count} for value, count in conn.execute(
                f"SELECT {expr} AS value, count(*) AS count {base} AND {expr} IS NOT NULL "
                f"AND {expr} != '' GROUP BY value ORDER BY {order} LIMIT {FACET_LIMIT}", params)]
    return SearchPage(query, total, hits, counts)


def search(db: Any, query: str, limit: int = 10, *,
           mark: tuple[str, str] = ("[", "]")) -> list[dict[str, Any]]:
    """Best current articles for `query` (English and/or Chinese), ranked as `search_page`.

    `db` is an `Archive`, a sqlite-utils `Database` or a `sqlite3.Connection`.
    Each hit: id, canonical_url, url, title, title_en, title_zh, source,
    published, language, score (bm25: lower is better), title_match, snippet
    (in the query's language when it has a hit there), snippet_en and snippet_zh.
    """
    return search_page(db, query, limit=limit, facets=False, mark=mark).hits
