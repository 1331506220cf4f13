"""What the archive derives from an extracted article, worked out before its write transaction.

Storing an article writes rows that are pure functions of the article dict: its content
hash, its `articles` row, the paragraph spans and pair references into its text, the four
search index columns (the Chinese unigram and bigram columns are the costly ones) and what
copy detection needs of it (shingle hashes, MinHash signature, LSH bucket keys, claims).
`prepare(article)` works all of that out with no archive at hand, so it can run where
the article was extracted (a crawl's worker processes: harvester/extraction.py) instead
of in the archive's one writer thread. `Archive.store_article` takes either the article
dict or its `PreparedArticle` and stores the same rows from both.

A `PreparedArticle` pickles (it crosses from worker processes to the crawl process) and
leaves out what only the store knows: the version number, the crawl, the WARC pointer
and the time it is stored.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from . import copies, search, spans


def content_hash(article: dict[str, Any]) -> str:
    """sha256 of the article's content (title, paragraphs, pairs) as canonical JSON.

    Metadata that can wobble between fetches without the text changing (crawl
    time, URL query strings, image lists) is left out on purpose: the hash
    decides whether a re-crawl is a new version.
    """
    canonical = {
        "title": article.get("title") or "",
        "paragraphs": [{"text": p.get("text", ""), "lang": p.get("lang"), "role": p.get("role", "body")}
                       for p in article.get("paragraphs") or []],
        "pairs": [{"en": p.get("en", ""), "zh": p.get("zh", "")} for p in article.get("pairs") or []],
    }
    blob = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _joined(paragraphs: list[dict[str, Any]], lang: str) -> str:
    return "\n".join(p.get("text", "") for p in paragraphs if p.get("lang") == lang)


def article_row(article: dict[str, Any], *, canonical_url: str, digest: str) -> dict[str, Any]:
    """The `articles` row of an article dict (contract section 3), but for what the store
    adds: version, crawled_at, crawl_id and the WARC pointer."""
    paragraphs = article.get("paragraphs") or []
    removed = article.get("removed") or []
    text_en = article.get("text_en")
    text_zh = article.get("text_zh")
    return {
        "canonical_url": canonical_url,
        "url": article.get("url") or canonical_url,
        "is_current": 1,
        "status": article["status"],
        "title": article.get("title") or "",
        "title_en": article.get("title_en"),
        "title_zh": article.get("title_zh"),
        "original_title": article.get("original_title"),
        "source": article.get("source"),
        "author": article.get("author"),
        "editors": json.dumps(article.get("editors") or {}, ensure_ascii=False),
        "published": article.get("published"),
        "language": article.get("language"),
        "text_en": text_en if text_en is not None else _joined(paragraphs, "en"),
        "text_zh": text_zh if text_zh is not None else _joined(paragraphs, "zh"),
        "images": json.dumps(article.get("images") or [], ensure_ascii=False),
        "removed": json.dumps(removed, ensure_ascii=False),
        "removed_count": len(removed),
        "paragraph_count": len(paragraphs),
        "pair_count": len(article.get("pairs") or []),
        "content_hash": digest,
    }


@dataclass
class PreparedArticle:
    """An article ready to store: everything `Archive.store_article` writes that does not
    depend on the archive. Rows of `paragraph_spans` and `pair_refs` come without their
    leading article_id (the store puts it in front)."""
    canonical_url: str
    content_hash: str
    row: dict[str, Any]
    paragraph_rows: list[tuple]
    pair_rows: list[tuple]
    fts: dict[str, str]
    copies: copies.Prepared


def prepare(article: dict[str, Any]) -> PreparedArticle:
    """Work out what storing `article` (`Article.to_dict()`) writes. Raises ValueError for
    a page that is no article, or has no URL, as the store would."""
    status = article.get("status")
    if status != "article":
        raise ValueError(f"refusing to store a page with status {status!r}: only articles are archived")
    canonical_url = article.get("canonical_url") or article.get("url")
    if not canonical_url:
        raise ValueError("article has neither canonical_url nor url")
    digest = content_hash(article)
    row = article_row(article, canonical_url=canonical_url, digest=digest)
    paragraphs = list(article.get("paragraphs") or [])
    paragraph_rows = [r[1:] for r in spans.paragraph_rows(0, paragraphs, {"en": row["text_en"], "zh": row["text_zh"]})]
    pair_rows = [r[1:] for r in spans.pair_rows(0, article.get("pairs") or [], paragraphs)]
    other = [p["text"] for p in paragraphs if (p.get("lang") or "other") not in spans.SPANNED]
    fts = search.fts_values(row["title"], row["title_en"], row["title_zh"], row["original_title"],
                            row["text_en"], row["text_zh"], other)
    detection = copies.prepare(canonical_url=canonical_url, title=row["title"], source=row["source"],
                               texts={"zh": row["text_zh"], "en": row["text_en"]},
                               origin=article.get("origin"))
    return PreparedArticle(canonical_url, digest, row, paragraph_rows, pair_rows, fts, detection)
