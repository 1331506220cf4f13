"""Page furniture that is made of the page's own links: link bars and story lists.

trafilatura leaves these in when a page is laid out in tables or when it falls back to
the whole page's text. Each line is judged against the page's links, so no site's words
are needed: a navigation bar is a line made of several links and separators, a story
list is a run of lines that are the page's repeated link items.
"""
from __future__ import annotations

import re

from harvester.extract.blocks import Block
from harvester.extract.cleaning import drop_reason
from harvester.extract.dom import Doc, compact
from harvester.extract.rules import Rules
from harvester.extract.status import in_items, is_prose, link_items

_LETTERS = re.compile(r"[\W_]+")
LINK_BAR_MAX = 240  # characters: a link bar is a line of menu words, not a paragraph
LINK_LINE_MAX = 30  # characters of a line that is one menu link


def link_texts(doc: Doc) -> list[str]:
    """The page's link texts (compact, two characters and up), longest first, computed once."""
    cached = doc.cache.get("furniture.links")
    if isinstance(cached, list):
        return cached
    found = {c for c in (compact(a.text_content()) for a in doc.tree.iter("a") if a.get("href")) if len(c) >= 2}
    value = sorted(found, key=len, reverse=True)
    doc.cache["furniture.links"] = value
    return value


def link_cover(doc: Doc, text: str) -> tuple[int, float]:
    """(links found, share of the line's letters they cover), longest links matched first."""
    rest = compact(text)
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
    """A short line that is one of the page's links and nothing else ('客户端下载', '读者留言板')."""
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
    and the run is at least `list_min_items` long. A run whose entries stand among the
    article's own paragraphs in the page (siblings of them, or a list beside them: a roundup's
    linked items between its introduction and its closing words) is the article's and stays."""
    cfg = rules.status
    items = link_items(doc, cfg, rows=False)
    if len(items) < cfg.list_min_items:
        return blocks, []
    text_idx = [k for k, b in enumerate(blocks) if b.kind != "image"]
    runs: list[list[int]] = []
    run: list[int] = []
    seen_text = False
    for k in [*text_idx, -1]:
        if k >= 0 and seen_text and in_items(blocks[k].text, items):
            run.append(k)
            continue
        if len(run) >= cfg.list_min_items:
            runs.append(run)
        run = []
        if k >= 0 and is_prose(blocks[k].text, cfg):
            seen_text = True
    drop: set[int] = set()
    if runs:
        story = _story_parents(doc, [b.text for b in blocks if b.kind != "image" and is_prose(b.text, cfg)])
        for run in runs:
            if not _among_story(doc, [blocks[k].text for k in run], story):
                drop.update(run)
    if not drop:
        return blocks, []
    return [b for k, b in enumerate(blocks) if k not in drop], [blocks[k].text for k in sorted(drop)]


_TEXT_ELEMENTS = ("p", "li", "div", "dd", "dt", "td", "h2", "h3", "h4", "blockquote", "section", "article")
_LIST_TAGS = frozenset(("ul", "ol", "dl"))


def _elements_by_text(doc: Doc) -> dict[str, list]:
    """Compact text -> the page's text elements that hold exactly it, computed once."""
    cached = doc.cache.get("furniture.by_text")
    if isinstance(cached, dict):
        return cached
    found: dict[str, list] = {}
    for el in doc.tree.iter(*_TEXT_ELEMENTS):
        text = compact(el.text_content())
        if 4 <= len(text) <= 2000:
            found.setdefault(text, []).append(el)
    doc.cache["furniture.by_text"] = found
    return found


def _story_parents(doc: Doc, prose: list[str]) -> set:
    """The elements that hold the article's prose paragraphs as their children."""
    by_text = _elements_by_text(doc)
    parents = set()
    for text in prose:
        for el in by_text.get(compact(text), []):
            if el.getparent() is not None:
                parents.add(el.getparent())
    return parents


def _among_story(doc: Doc, lines: list[str], story: set) -> bool:
    """Whether most of the run's entries stand beside the article's paragraphs: children of an
    element that holds prose paragraphs, or items of a list that is such a child."""
    if not story:
        return False
    by_text = _elements_by_text(doc)
    inside = 0
    for line in lines:
        for el in by_text.get(compact(line), []):
            parent = el.getparent()
            if parent is None:
                continue
            if parent in story or (parent.tag in _LIST_TAGS and parent.getparent() in story):
                inside += 1
                break
    return 2 * inside > len(lines)


# a date and a clock time, with or without the year: '2005-03-18 01:58:01', '08-11 16:06', '2005年3月18日 01:58'
_DATED = re.compile(r"(?:(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*)?(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?\s*"
                    r"\d{1,2}[:：]\d{2}")
ENTRY_HEAD_MAX = 80  # characters of a dated entry heading: a title, a name, a date, counts
ENTRIES_MIN = 2  # dated headings after the first post that make the page a list of posts


def _entry_day(text: str) -> tuple[int, int] | None:
    """(month, day) of a short, sentence-free line that carries a date with a clock time."""
    if len(text) > ENTRY_HEAD_MAX or re.search(r"[。！？!?]\s*$", text):
        return None
    m = _DATED.search(text)
    return (int(m["m"]), int(m["d"])) if m else None


def cut_later_entries(blocks: list[Block], published: str | None, rules: Rules) -> tuple[list[Block], list[str]]:
    """A blog's front page or a forum thread shows several dated entries, each under a short
    heading line with its date and time; the article is the first entry. After the first
    entry's text, the first dated heading of another day starts the rest of the list (when
    at least `ENTRIES_MIN` such headings follow): it and everything after it go. Entries of
    the article's own day (a live report's updates) stay."""
    if not published:
        return blocks, []
    own = (int(published[5:7]), int(published[8:10]))
    seen_text = False
    heads: list[int] = []
    for k, block in enumerate(blocks):
        if block.kind == "image":
            continue
        day = _entry_day(" ".join(block.text.split()))
        if day is not None and seen_text and day != own:
            heads.append(k)
        elif is_prose(block.text, rules.status):
            seen_text = True
    if len(heads) < ENTRIES_MIN:
        return blocks, []
    cut = heads[0]
    return blocks[:cut], [b.text for b in blocks[cut:] if b.kind != "image" and b.text]


# a list item's line: a headline (and its column's name) with the item's date glued to its end,
# 'HEADLINE栏目2019-09-09'; a sentence ends before a date, a table row puts a blank before it
_GLUED_DATE_END = re.compile(r"[^\s\d\-/.:：|｜,，。！？!?；;]\s?(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}"
                             r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?$")
DATED_ITEMS_MIN = 3  # such lines after the story's last paragraph that make them a list
BOX_TITLE_MAX = 12  # characters of the list box's title line above its first item


def _sentence(text: str, rules: Rules) -> bool:
    """Running text: a prose paragraph, or any line that ends a sentence."""
    return is_prose(text, rules.status) or bool(_SENTENCE_END.search(text))


_SENTENCE_END = re.compile(r"[。！？!?.…][”」』\"')）]?$")


def drop_dated_items(blocks: list[Block], rules: Rules) -> tuple[list[Block], list[str]]:
    """A list of other stories under the article whose items are not links (a member box, a column's
    latest posts): each line a headline with its date glued to its end. When at least
    `DATED_ITEMS_MIN` such lines stand after the story's last other paragraph, the run from the
    first of them on goes, with the short lines among them and the box's title right above it."""
    texts = [" ".join(b.text.split()) if b.kind != "image" else "" for b in blocks]
    items = [k for k, t in enumerate(texts) if t and _GLUED_DATE_END.search(t)]
    if len(items) < DATED_ITEMS_MIN:
        return blocks, []
    first = items[0]
    marked = set(items)
    # nothing but the items and short non-prose lines (a box title, a column name) after the first item
    if any(t and k not in marked and _sentence(t, rules) for k, t in enumerate(texts[first:], first)):
        return blocks, []
    if not any(t and _sentence(t, rules) for t in texts[:first]):
        return blocks, []  # no story above the list
    while first and (not texts[first - 1] or len(texts[first - 1]) <= BOX_TITLE_MAX
                     and not _sentence(texts[first - 1], rules)):
        first -= 1  # the box's title (and its icon) right above the first item
    return blocks[:first], [b.text for b in blocks[first:] if b.kind != "image" and b.text]


LINK_HEADLINE_MIN = 10  # characters of another story's headline (an issuer's name signing a notice is shorter)
LINK_HEADLINE_COVER = 0.95  # share of the line one link's text covers


def drop_trailing_link_headline(doc: Doc, blocks: list[Block], rules: Rules) -> tuple[list[Block], list[str]]:
    """The body's last lines, when each is wholly one link's text of headline length after the story's
    sentences: a related story's link from a box beside the article ('…（微视频）', '…(图)'), not its text."""
    texts = [" ".join(b.text.split()) if b.kind != "image" else "" for b in blocks]
    end = len(blocks)
    for k in range(len(blocks) - 1, -1, -1):
        if blocks[k].kind == "image":
            continue  # a thumbnail beside the link: it goes with it, or stays when nothing goes
        count, cover = link_cover(doc, texts[k])
        if len(texts[k]) < LINK_HEADLINE_MIN or count != 1 or cover < LINK_HEADLINE_COVER:
            break
        end = k
    if end == len(blocks) or not any(t and _sentence(t, rules) for t in texts[:end]):
        return blocks, []
    return blocks[:end], [b.text for b in blocks[end:] if b.kind != "image" and b.text]


def drop_info_lines(blocks: list[Block], rules: Rules) -> tuple[list[Block], list[str]]:
    """The info bar of a post at the head or foot of the final body (a timestamp among short cells,
    no sentence: rules [[drop]] info-line, info-line-tail), taken out once later entries are cut."""
    total = sum(len(b.text) for b in blocks if b.kind != "image") or 1
    kept: list[Block] = []
    removed: list[str] = []
    seen = 0
    for block in blocks:
        if block.kind == "image":
            kept.append(block)
            continue
        single = " ".join(block.text.split())
        position = seen / total
        seen += len(block.text)
        if drop_reason(single, rules, position, deferred=True):
            removed.append(block.text)
        else:
            kept.append(block)
    return kept, removed
