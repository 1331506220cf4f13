"""Page furniture that is made of the page's own links: link bars and story lists.

trafilatura leaves these in when a page is laid out in tables or when it falls back to
the whole page's text. Each line is judged against the page's links, so no site's words
are needed: a navigation bar is a line made of several links and separators, a story
list is a run of lines that are the page's repeated link items.
"""
from __future__ import annotations

import re

from harvester.extract.blocks import Block
from harvester.extract.dom import Doc
from harvester.extract.rules import Rules
from harvester.extract.status import in_items, is_prose, link_items

_SPACE = re.compile(r"\s+")
_LETTERS = re.compile(r"[\W_]+")
LINK_BAR_MAX = 240  # characters: a link bar is a line of menu words, not a paragraph
LINK_LINE_MAX = 30  # characters of a line that is one menu link


def _compact(text: str) -> str:
    return _SPACE.sub("", text or "")


def link_texts(doc: Doc) -> list[str]:
    """The page's link texts (compact, two characters and up), longest first, computed once."""
    cached = doc.cache.get("furniture.links")
    if isinstance(cached, list):
        return cached
    found = {c for c in (_compact(a.text_content()) for a in doc.tree.iter("a") if a.get("href")) if len(c) >= 2}
    value = sorted(found, key=len, reverse=True)
    doc.cache["furniture.links"] = value
    return value


def link_cover(doc: Doc, text: str) -> tuple[int, float]:
    """(links found, share of the line's letters they cover), longest links matched first."""
    rest = _compact(text)
    letters = len(_LETTERS.sub("", rest))
    if not letters:
        return 0, 0.0
    count = 0
    for link in link_texts(doc):
        if link in rest:
            count += rest.count(link)
            rest = rest.replace(link, "\u0000")
    covered = letters - len(_LETTERS.sub("", rest.replace("\u0000", "")))
    return count, covered / letters


def is_link_bar(doc: Doc, text: str, rules: Rules) -> bool:
    """A menu line ('首页 | 新闻 | 论坛 | 帮助'): several links covering nearly all its letters."""
    cfg = rules.status
    if len(text) > LINK_BAR_MAX or is_prose(text, cfg) and not re.search(r"[|｜]", text):
        return False
    count, share = link_cover(doc, text)
    return count >= cfg.link_bar_links and share >= cfg.link_bar_share


def is_link_line(doc: Doc, text: str) -> bool:
    """A short line that is one of the page's links and nothing else ('人民日报', '领导留言板')."""
    if len(text) > LINK_LINE_MAX:
        return False
    count, share = link_cover(doc, text)
    return count == 1 and share >= 0.9


def drop_link_bars(doc: Doc, blocks: list[Block], rules: Rules) -> tuple[list[Block], list[str]]:
    """Navigation among the body's lines goes: a menu line of several links, and a run of at
    least `link_run` lines that are each one link (a footer's or sidebar's menu, one item per
    line). Returns (kept blocks, removed lines)."""
    cfg = rules.status
    bars = {k for k, b in enumerate(blocks) if b.kind != "image" and is_link_bar(doc, b.text, rules)}
    run: list[int] = []
    for k in [*range(len(blocks)), -1]:
        if k >= 0 and (blocks[k].kind == "image" or k in bars or is_link_line(doc, blocks[k].text)):
            if blocks[k].kind != "image" and k not in bars:
                run.append(k)
            continue
        if len(run) >= cfg.link_run:
            bars.update(run)
        run = []
    if not bars:
        return blocks, []
    return [b for k, b in enumerate(blocks) if k not in bars], [blocks[k].text for k in sorted(bars)]


def drop_link_lists(doc: Doc, blocks: list[Block], rules: Rules) -> tuple[list[Block], list[str]]:
    """A run of story-list entries (a thread's reply list, a 'more from this section' list)
    after the article's text is page furniture: each line lies inside one of the page's
    repeated link items (status.link_items, table rows aside: a table of links is content)
    and the run is at least `list_min_items` long."""
    cfg = rules.status
    items = link_items(doc, cfg, rows=False)
    if len(items) < cfg.list_min_items:
        return blocks, []
    text_idx = [k for k, b in enumerate(blocks) if b.kind != "image"]
    drop: set[int] = set()
    run: list[int] = []
    seen_text = False
    for k in [*text_idx, -1]:
        if k >= 0 and seen_text and in_items(blocks[k].text, items):
            run.append(k)
            continue
        if len(run) >= cfg.list_min_items:
            drop.update(run)
        run = []
        if k >= 0 and is_prose(blocks[k].text, cfg):
            seen_text = True
    if not drop:
        return blocks, []
    return [b for k, b in enumerate(blocks) if k not in drop], [blocks[k].text for k in sorted(drop)]
