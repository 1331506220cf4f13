"""Paragraphs and pairs as pointers into the article's text, so the text is stored once.

An article's English and Chinese body is kept in `articles.text_en` / `text_zh`
(paragraphs of one language joined by newlines, contract section 3). A paragraph of
that language is then a byte range of it: `paragraph_spans` holds (start, length)
and the `paragraphs` view cuts the text back out. A pair usually joins one English
and one Chinese paragraph: `pair_refs` holds their seqs and the `pairs` view looks
the texts up. Only what cannot be pointed at is stored as text: a mixed or other
language paragraph, a paragraph missing from text_en/text_zh as given, or a pair
side that joins several paragraphs (the aligner's 2:1 beads).

Readers see `paragraphs (article_id, seq, lang, role, text)` and
`pairs (article_id, seq, en, zh)` exactly as before (archive/schema.py).
"""
from __future__ import annotations

from collections import defaultdict, deque
from typing import Any, Iterable

SPANNED = ("en", "zh")  # paragraph languages whose text lives in articles.text_<lang>


def paragraph_rows(article_id: int, paragraphs: Iterable[dict[str, Any]],
                   texts: dict[str, str]) -> list[tuple]:
    """`paragraph_spans` rows: (article_id, seq, lang, role, start, length, text).

    `texts` = {"en": text_en, "zh": text_zh} as stored; a paragraph's `seq` is its
    own when it has one (rows read back), else its place. Paragraphs of a language are
    looked for in order, each right after the previous one and its newline; one not
    found there keeps its own text.
    """
    encoded = {lang: (texts.get(lang) or "").encode("utf-8") for lang in SPANNED}
    cursor = dict.fromkeys(SPANNED, 0)
    rows = []
    for index, paragraph in enumerate(paragraphs):
        seq = paragraph.get("seq", index)
        text = paragraph["text"]
        lang = paragraph.get("lang") or "other"
        role = paragraph.get("role") or "body"
        whole = encoded.get(lang)
        if whole is not None:
            part = text.encode("utf-8")
            start = cursor[lang]
            end = start + len(part)
            if whole.startswith(part, start) and (end == len(whole) or whole[end] == 0x0A):
                rows.append((article_id, seq, lang, role, start, len(part), None))
                cursor[lang] = end + 1
                continue
        rows.append((article_id, seq, lang, role, None, None, text))
    return rows


def pair_rows(article_id: int, pairs: Iterable[dict[str, Any]],
              paragraphs: list[dict[str, Any]]) -> list[tuple]:
    """`pair_refs` rows: (article_id, seq, en_seq, zh_seq, en, zh).

    A side equal to a paragraph of its language points at it (each paragraph at most
    once, in order); any other side keeps its text and a NULL seq.
    """
    unused: dict[tuple[str, str], deque[int]] = defaultdict(deque)
    for index, paragraph in enumerate(paragraphs):
        unused[(paragraph.get("lang") or "other", paragraph["text"])].append(paragraph.get("seq", index))
    rows = []
    for index, pair in enumerate(pairs):
        row: list[Any] = [article_id, pair.get("seq", index)]
        refs, texts = [], []
        for lang in SPANNED:
            text = pair[lang]
            found = unused.get((lang, text))
            if found:
                refs.append(found.popleft())
                texts.append(None)
            else:
                refs.append(None)
                texts.append(text)
        rows.append(tuple(row + refs + texts))
    return rows
