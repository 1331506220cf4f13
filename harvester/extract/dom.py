"""Parse once, precompute once: the pieces every field reads.

Like fundus' `Precomputed`, the lxml tree, the meta tags and the inline script text
are gathered a single time and handed to the templates, the status check and the
body walker, so no field re-parses or re-scans the document.
"""
from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import lxml.html
from lxml import etree

from harvester.extract.errors import ExtractionError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u3000\u200b\u200c\u200d\ufeff]+")
# comments and processing instructions are no part of a page's text; dropping them at parse time (as
# trafilatura's own parser does) keeps the text that follows a comment ('<!--/keyword-->在2014年…')
_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
_HTMLISH = re.compile(r"<\s*(html|head|body|div|p|meta|title|!doctype|section|span|a|table|br|h[1-6])\b", re.I)


def clean_space(text: str) -> str:
    """Collapse runs of blanks (incl. NBSP, ideographic space, zero-widths); keep newlines."""
    text = _SPACE.sub(" ", text)
    text = re.sub(r" ?\n ?", "\n", text)
    text = re.sub(r"\n{2,}", "\n", text)
    return text.strip()


_TEXT_AND_BREAKS = etree.XPath(".//text() | .//br")
_BODY_TEXT = etree.XPath("//body//text()[normalize-space()][not(parent::script or parent::style or parent::noscript or "
                         "parent::template or parent::select or parent::option or parent::textarea)]")


def node_text(el: etree._Element | None) -> str:
    """Visible text of one element, whitespace-collapsed to one line.

    A <br> separates like a blank: 'Solar boats<br>太阳能小船' in a headline is 'Solar boats 太阳能小船'.
    """
    if el is None or not isinstance(el.tag, str):  # comments and processing instructions have no text
        return ""
    if el.find(".//br") is not None:
        text = "".join(" " if isinstance(x, etree._Element) else str(x) for x in _TEXT_AND_BREAKS(el))
    else:
        text = el.text_content() if hasattr(el, "text_content") else "".join(el.itertext())
    return " ".join(clean_space(text).split())


def spaced_text(el: etree._Element | None) -> str:
    """Like node_text, but a blank stands between sibling elements that touch.

    An info bar of inline spans (`<span>Source: SZ Global</span><span>By Huang Lixin</span>`)
    reads as separate fields, not as 'SZ GlobalBy Huang Lixin'. Text inside one element
    (a word split over <b>…</b>) is not split: only element-to-element boundaries with
    nothing between them get the blank.
    """
    if el is None or not isinstance(el.tag, str):
        return ""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if node.text:
            parts.append(node.text)
        prev_element = False
        for child in node:
            if not isinstance(child.tag, str) or child.tag in ("script", "style"):
                if child.tail:
                    parts.append(child.tail)
                prev_element = not (child.tail and child.tail.strip())
                continue
            if prev_element:
                parts.append(" ")
            walk(child)
            if child.tail:
                parts.append(child.tail)
            prev_element = not (child.tail and child.tail.strip())

    walk(el)
    return " ".join(clean_space("".join(parts)).split())


def compact(text: str | None) -> str:
    """The text with every blank taken out (what \\s matches), for comparing texts laid out differently;
    str.split does it at a fifth of a regex's cost."""
    return "".join((text or "").split())


@dataclass
class Doc:
    """One parsed page and the lookups everyone shares."""

    tree: lxml.html.HtmlElement
    text: str  # the decoded source, kept for script-variable regexes
    url: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    cache: dict[str, object] = field(default_factory=dict)  # per-page results templates share

    @classmethod
    def parse(cls, text: str, url: str = "") -> "Doc":
        """Parse decoded HTML; raise ExtractionError when it is not HTML at all."""
        if not _HTMLISH.search(text[:20000]):
            raise ExtractionError("not HTML: no HTML markup found")
        src = _XML_DECL.sub("", text, count=1)  # lxml refuses str input with an encoding declaration
        # control characters (a CMS's pasted \x1d, \x02) are no text, and no XML: lxml refuses to set them
        # on an element, so trafilatura, rebuilding its paragraphs with formatting, gave up on the whole page
        src = _CONTROL.sub("", src)
        try:
            tree = lxml.html.document_fromstring(src, parser=_PARSER)
        except (etree.ParserError, ValueError) as exc:
            raise ExtractionError(f"not HTML: {exc}") from None
        doc = cls(tree=tree, text=text, url=url)
        doc.meta = _collect_meta(tree)
        return doc

    def first(self, xpath: str) -> etree._Element | None:
        found = self.tree.xpath(xpath)
        return found[0] if found else None

    def first_text(self, *xpaths: str) -> str:
        """Text of the first xpath (elements or strings) that yields something non-empty."""
        for xp in xpaths:
            for hit in self.tree.xpath(xp):
                value = clean_space(hit if isinstance(hit, str) else node_text(hit))
                if value:
                    return " ".join(value.split())
        return ""

    def meta_value(self, *keys: str) -> str:
        for key in keys:
            value = self.meta.get(key.lower())
            if value:
                return value
        return ""

    @cached_property
    def text_nodes(self) -> list[str]:
        """The body's text nodes in reading order, scripts and styles left out (one XPath, run in C).

        Each is lxml's string result, which still knows its element (`owner`)."""
        return _BODY_TEXT(self.tree)

    def elements_with_text(self, pattern: re.Pattern[str], max_len: int | None = None) -> list[etree._Element]:
        """Elements, in reading order, one of whose own text nodes matches `pattern` (and whose whole
        text is at most `max_len` characters): a scan of the text nodes instead of a tree-wide XPath."""
        found: list[etree._Element] = []
        seen: set[int] = set()
        for node in self.text_nodes:
            if not pattern.search(node):
                continue
            el = owner(node)
            if el is None or id(el) in seen:
                continue
            seen.add(id(el))
            if max_len is None or len(node_text(el)) <= max_len:
                found.append(el)
        return found

    @cached_property
    def script_text(self) -> str:
        """All inline scripts joined: where WeChat keeps msg_title, ct, nickname ..."""
        return "\n".join(s.text for s in self.tree.iter("script") if s.text)

    def script_var(self, *names: str) -> str:
        """Value of `var NAME = "..."` / `NAME = '...'.html(false)` / `NAME: "..."` in scripts."""
        text = self.script_text
        for name in names:
            for m in _var_rx(name).finditer(text):
                before = text[m.start() - 1] if m.start() else " "
                if before.isalnum() or before in "_$":
                    continue  # 'xct = ' is not 'ct = '
                value = unescape_js(m.group(2)).strip()
                if value:
                    return value
        return ""


def owner(node: str) -> etree._Element | None:
    """The element a text node (an lxml string result) is a text() child of."""
    parent = node.getparent() if hasattr(node, "getparent") else None
    if parent is not None and getattr(node, "is_tail", False):
        parent = parent.getparent()
    return parent


@lru_cache(maxsize=64)
def _var_rx(name: str) -> re.Pattern[str]:
    """Starts with the literal name, so the regex engine skips ahead fast on 2 MB of script."""
    return re.compile(re.escape(name) + r"""\s*[:=]\s*(?:htmlDecode\()?\s*(["'])((?:\\.|(?!\1).){0,2000}?)\1""", re.S)


def unescape_js(value: str) -> str:
    """Undo JS string escapes (\\x26, \\u4e2d, \\") and HTML entities WeChat leaves in."""
    value = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), value)
    value = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), value)
    value = re.sub(r"\\(.)", r"\1", value)
    for _ in range(2):  # WeChat double-escapes (&amp;amp;)
        value = htmllib.unescape(value)
    return value


def _collect_meta(tree: lxml.html.HtmlElement) -> dict[str, str]:
    meta: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv")
        content = el.get("content")
        if key and content and content.strip():
            meta.setdefault(key.strip().lower(), " ".join(content.split()))
    for el in tree.iter("link"):
        rel = (el.get("rel") or "").lower()
        if rel == "canonical" and el.get("href"):
            meta.setdefault("link:canonical", el.get("href").strip())
    return meta
