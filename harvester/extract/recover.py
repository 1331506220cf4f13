"""Put back the subheadings and captions trafilatura leaves out of an article.

trafilatura finds the article well but drops some of its furniture that a parallel
corpus needs: a bilingual subheading split by <br> (`<h3>不打烊的街区<br>Streets
that never sleep</h3>`), a <figcaption> above the first paragraph. Rather than walk
the whole page again, only the few candidate elements (h2-h6, figcaption) are looked
at, and one is taken back when the text right next to it in the page is article text
trafilatura kept: a subheading must sit *between* two kept paragraphs, a caption
next to one. A "Related stories" heading after the article, or a sidebar title,
borders no kept text and stays out.
"""
from __future__ import annotations

import json as _json
import re as _re

from lxml import etree

from harvester.extract.blocks import Block, walk_blocks

CANDIDATE_TAGS = ("h2", "h3", "h4", "h5", "h6", "figcaption")
HEADING_MAX = 120  # characters: longer "headings" are layout abuse, not subheadings
CAPTION_MAX = 400
PROBE = 24  # characters of neighbouring text compared with trafilatura's output
MAX_CANDIDATES = 60
_NO_TEXT = frozenset(("script", "style", "noscript", "template", "iframe", "svg", "button", "select"))


def _norm(text: str) -> str:
    return "".join(text.split())


def _textual(el: etree._Element) -> str:
    if not isinstance(el.tag, str) or el.tag in _NO_TEXT:
        return ""
    return el.text_content()


def text_before(el: etree._Element, depth: int = 8) -> str:
    """The nearest non-blank text that precedes `el` in document order (climbing a few levels)."""
    node = el
    for _ in range(depth):
        sib = node.getprevious()
        while sib is not None:
            if sib.tail and sib.tail.strip():
                return sib.tail
            text = _textual(sib)
            if text.strip():
                return text
            sib = sib.getprevious()
        parent = node.getparent()
        if parent is None:
            return ""
        if parent.text and parent.text.strip():
            return parent.text
        node = parent
    return ""


def text_after(el: etree._Element, depth: int = 8) -> str:
    """The nearest non-blank text that follows `el` in document order."""
    node = el
    for _ in range(depth):
        if node.tail and node.tail.strip():
            return node.tail
        sib = node.getnext()
        while sib is not None:
            text = _textual(sib)
            if text.strip():
                return text
            if sib.tail and sib.tail.strip():
                return sib.tail
            sib = sib.getnext()
        node = node.getparent()
        if node is None:
            return ""
    return ""


def _find_block(norms: list[str], probe: str, tail: bool) -> int | None:
    """Index of the kept block whose text ends (tail) / starts with `probe`."""
    for k, text in enumerate(norms):
        if (text.endswith(probe) if tail else text.startswith(probe)) or (len(probe) >= 8 and probe in text):
            return k
    return None


_DD_CAPTIONS = etree.XPath("//dl[dt//img]/dd[not(.//img)][normalize-space()]")  # <dl><dt><img></dt><dd>caption</dd></dl>
_FOLLOWING_TEXT = etree.XPath("following::text()[normalize-space()][position() <= $limit]")
LEAD_WINDOW = 40  # text nodes after a lead photo's caption in which the article's first words must appear


def is_lead_caption(el: etree._Element, first_probe: str) -> bool:
    """A caption above the article: after the page's <h1>, with the first kept paragraph close below.

    Portals (caixin) put the lead photo between the headline (and its subhead) and the
    body container, so its caption borders no kept text; it belongs to the article when
    the article's first words follow within a few text nodes.
    """
    if not first_probe or not el.xpath("boolean(preceding::h1)"):
        return False
    following = "".join(_norm(t) for t in _FOLLOWING_TEXT(el, limit=LEAD_WINDOW))
    return first_probe in following


def _all_linked(el: etree._Element, own: str) -> bool:
    """Whether every character of an element's text sits inside its links."""
    linked = sum(len(_norm(a.text_content())) for a in el.iter("a"))
    return linked >= len(own)


def _caption_candidates(root: etree._Element) -> list[etree._Element]:
    found = list(root.iter(*CANDIDATE_TAGS))
    if root.find(".//dl") is not None:
        found.extend(_DD_CAPTIONS(root)[:5])
    return found


# a leaf element that holds its text as <br>-separated lines: a poem, an old portal's article body
LINED_TAGS = frozenset(("div", "td", "section", "article", "span", "font"))
_BLOCK_INSIDE = etree.XPath("boolean(.//div or .//p or .//table or .//ul or .//ol or .//section)")
LINED_MIN_BREAKS = 2  # <br> children: three lines or more
LINED_MIN_CHARS = 24  # characters of the element's own text (outside links)
LINED_MAX = 60  # candidates looked at


def lined_elements(root: etree._Element, min_breaks: int) -> list[etree._Element]:
    """Elements of LINED_TAGS with `min_breaks` <br> children and no block inside, in document order
    (found from the <br>s up: one pass over the page's line breaks, not over every element)."""
    counts: dict[etree._Element, int] = {}
    for br in root.iter("br"):
        parent = br.getparent()
        if parent is not None and parent.tag in LINED_TAGS:
            counts[parent] = counts.get(parent, 0) + 1
    return [el for el, n in counts.items() if n >= min_breaks and not _BLOCK_INSIDE(el)]


def _own_text(el: etree._Element) -> str:
    """The element's own text: its text and the tails of its children, not the children's text (links)."""
    parts = [el.text or ""]
    parts.extend(child.tail or "" for child in el)
    return "".join(parts)


def _own_lines(el: etree._Element) -> list[str]:
    """The element's own text cut at its <br> children."""
    lines = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag == "br":
            lines.append(child.tail or "")
        else:
            lines[-1] += child.tail or ""
    return lines


def restore_lined_text(root: etree._Element, blocks: list[Block], base_url: str = "") -> list[Block]:
    """Put back text written as lines separated by <br> right inside a <div> or <td>, which
    trafilatura may leave out whole: a poem's lines, an old portal's article body.

    Such an element is taken back when its own text (not its links') has several lines and
    it borders text trafilatura kept (the poet's line above a poem, the paragraph after it),
    the same evidence that brings back subheadings; its lines are inserted there.
    """
    if not any(b.kind != "image" for b in blocks):
        return blocks
    norms = [_norm(b.text) for b in blocks]
    kept = "\x00".join(norms)
    inserts: dict[int, list[Block]] = {}
    for el in lined_elements(root, LINED_MIN_BREAKS)[:LINED_MAX]:
        own = _norm(_own_text(el))
        if len(own) < LINED_MIN_CHARS:
            continue
        own_lines = [n for n in (_norm(x) for x in _own_lines(el)) if n]
        if sum(len(n) for n in own_lines if n in kept) * 2 >= len(own):
            continue  # trafilatura kept (most of) it already
        before = _norm(text_before(el))[-PROBE:]
        after = _norm(text_after(el))[:PROBE]
        at_prev = _find_block(norms, before, tail=True) if before else None
        at_next = _find_block(norms, after, tail=False) if after else None
        if at_next is not None and (at_prev is None or at_prev < at_next):
            pos = at_next
        elif at_prev is not None and at_next is None:
            pos = at_prev + 1
        else:
            continue
        new = [b for b in walk_blocks(el, base_url) if b.kind != "image"]
        lines = [Block(text=t) for b in new for t in (x.strip() for x in b.text.split("\n")) if t]
        if lines:
            inserts.setdefault(pos, []).extend(lines)
    if not inserts:
        return blocks
    out: list[Block] = []
    for k, block in enumerate(blocks):
        out.extend(inserts.pop(k, []))
        out.append(block)
    for pos in sorted(inserts):
        out.extend(inserts[pos])
    return out


def restore_furniture(root: etree._Element, blocks: list[Block], base_url: str = "") -> list[Block]:
    """`blocks` (trafilatura's, in order) plus the subheadings/captions of `root` that belong between them."""
    blocks = restore_lined_text(root, blocks, base_url)
    text_blocks = [b for b in blocks if b.kind != "image"]
    if len(text_blocks) < 2:
        return blocks
    norms = [_norm(b.text) for b in blocks]
    kept = "\x00".join(norms)
    inserts: list[tuple[int, list[Block]]] = []  # (insert before index, blocks)
    first_text = next((k for k, b in enumerate(blocks) if b.kind != "image"), 0)
    first_probe = norms[first_text][:PROBE]
    for n, el in enumerate(_caption_candidates(root)):
        if n >= MAX_CANDIDATES:
            break
        own = _norm(el.text_content())
        is_caption = el.tag in ("figcaption", "dd")
        if not own or len(own) > (CAPTION_MAX if is_caption else HEADING_MAX) or own in kept:
            continue
        if is_caption and _all_linked(el, own):
            continue  # a credit link under a photo ('Photographer/Agency'), no caption text
        before = _norm(text_before(el))[-PROBE:]
        after = _norm(text_after(el))[:PROBE]
        at_prev = _find_block(norms, before, tail=True) if before else None
        at_next = _find_block(norms, after, tail=False) if after else None
        if at_prev is not None and at_next is not None and at_prev < at_next and \
                all(blocks[i].kind == "image" for i in range(at_prev + 1, at_next)):
            pos = at_next
        elif is_caption and at_next is not None and (at_prev is None or at_next > at_prev):
            pos = at_next
        elif is_caption and at_prev is not None and at_next is None:
            pos = at_prev + 1
        elif is_caption and at_prev is None and at_next is None and is_lead_caption(el, first_probe):
            pos = first_text
        else:
            continue
        new = walk_blocks(el, base_url)
        for block in new:
            if block.kind == "p":
                block.kind = "caption" if is_caption else "heading"
        new = [b for b in new if b.kind != "image"]
        if new:
            inserts.append((pos, new))
    if not inserts:
        return blocks
    out: list[Block] = []
    by_pos: dict[int, list[Block]] = {}
    for pos, new in inserts:
        by_pos.setdefault(pos, []).extend(new)
    for k, block in enumerate(blocks):
        out.extend(by_pos.pop(k, []))
        out.append(block)
    for pos in sorted(by_pos):
        out.extend(by_pos[pos])
    return out


# --- a gallery shown one slide at a time ----------------------------------------------

_JSON_PARSE = _re.compile(r"JSON\.parse\(\s*(\"(?:[^\"\\]|\\.)*\")\s*\)", _re.S)
_HAN = _re.compile(r"[\u4e00-\u9fff]")
GALLERY_MIN_ITEMS = 3  # slides whose texts the script holds
GALLERY_MIN_CHARS = 200  # characters over all slide texts: a story, not a few labels
GALLERY_ITEM_MIN = 20  # characters of one slide's text
SCRIPT_SCAN_MAX = 400_000  # characters of inline script looked at


def _string_lists(value, depth: int = 0):
    """Every list of strings inside a decoded JSON value."""
    if depth > 6:
        return
    if isinstance(value, list):
        if value and all(isinstance(v, str) for v in value):
            yield value
        else:
            for v in value[:200]:
                yield from _string_lists(v, depth + 1)
    elif isinstance(value, dict):
        for v in list(value.values())[:200]:
            yield from _string_lists(v, depth + 1)


def script_gallery_blocks(tree: etree._Element) -> list[Block]:
    """The texts of a gallery article that shows slide 1 and keeps the rest in a script.

    Photo-gallery pages (toutiao-like) render the first slide's text and hold every
    slide's text in a JSON string inside a script (`gallery: JSON.parse("{…}")`). When a
    list of several long texts sits in such JSON and its first text is the one the page
    shows while the others are not shown, that list is the article's body. Anything
    else (related headlines, comments) is either short or already in the page.
    """
    scanned = 0
    visible: str | None = None
    for script in tree.iter("script"):
        code = script.text or ""
        if script.get("src") or "JSON.parse(" not in code or scanned > SCRIPT_SCAN_MAX:
            continue
        scanned += len(code)
        for m in _JSON_PARSE.finditer(code):
            try:
                value = _json.loads(_json.loads(m.group(1)))
            except ValueError:
                continue
            for texts in _string_lists(value):
                texts = [" ".join(t.split()) for t in texts]
                if len(texts) < GALLERY_MIN_ITEMS or sum(len(t) for t in texts) < GALLERY_MIN_CHARS or \
                        sum(1 for t in texts if len(t) >= GALLERY_ITEM_MIN and _HAN.search(t)) < GALLERY_MIN_ITEMS \
                        or len(set(texts)) < GALLERY_MIN_ITEMS:
                    continue
                if visible is None:
                    body = tree.find(".//body")
                    visible = _visible_text(body if body is not None else tree)
                first, rest = _norm(texts[0]), [_norm(t) for t in texts[1:] if len(t) >= GALLERY_ITEM_MIN]
                if first and first in visible and rest and not any(t in visible for t in rest):
                    return [Block(text=t) for t in texts if t]
    return []


def _visible_text(root: etree._Element) -> str:
    """The page's text outside scripts and styles, without blanks."""
    parts: list[str] = []
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in _NO_TEXT:
            if isinstance(el.tag, str) and el.tail:
                parts.append(el.tail)
            continue
        if el.text:
            parts.append(el.text)
        if el.tail:
            parts.append(el.tail)
    return _norm("".join(parts))
