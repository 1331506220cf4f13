"""Walk a content node into flat blocks: paragraphs, headings, captions, images.

One walker serves both sources of body markup: WeChat's #js_content (deeply nested
section/span soup, images in data-src) and trafilatura's output tree (p, head,
graphic, lb, hi). Only block boundaries and <br> break text, so a sentence split
over many spans stays one paragraph, and an English line <br> its Chinese
translation stays one paragraph with a newline (split later by language).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from lxml import etree

from harvester.extract.dom import clean_space

BLOCK_TAGS = frozenset(
    "p div section article header footer main aside blockquote figure ul ol dl dt dd li table tbody thead tfoot "
    "tr pre center address h1 h2 h3 h4 h5 h6 head list item quote row hr details summary form fieldset nav".split())
HEADING_TAGS = frozenset("h1 h2 h3 h4 h5 h6 head".split())
CAPTION_TAGS = frozenset("figcaption caption".split())
CODE_TAGS = frozenset(("pre",))  # program code: neither language, never translated
BOLD_TAGS = frozenset("strong b".split())
CELL_TAGS = frozenset("td th cell".split())
SKIP_TAGS = frozenset(
    "script style noscript iframe svg button input select textarea template object embed audio video "
    "mpvoice qqmusic mp-miniprogram mp-common-profile canvas map title meta link".split())
IMG_TAGS = frozenset("img graphic".split())
IMG_ATTRS = ("data-src", "data-original", "data-actualsrc", "data-lazy-src", "data-url", "src")
_EMPTY_ALT = frozenset(("图片", "图", "image", "img", "photo", "picture", "pic", "配图"))
_HIDDEN = re.compile(r"display\s*:\s*none", re.I)
_INDENT = re.compile(r"^[ \t\r\n]*[\u3000\u00a0]{2}")


@dataclass
class Block:
    """One unit of body content in document order."""

    text: str
    kind: str = "p"  # p | heading | caption | code | image
    src: str | None = None
    bold: bool = False  # every character sits inside <strong>/<b>: a heading candidate
    lead: bool = False  # inside the lead/summary box (导语) at the head of the body: may have no translation


def _code_text(text: str) -> str:
    """Text inside program code as written: line ends made '\n', tabs and no-break spaces blanks."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ").replace("\u00a0", " ")


def code_lines(raw: str) -> str:
    """A code block's lines with their indentation: trailing blanks off each line, the blank lines
    before and after the code dropped, a run of blank lines inside it kept as one."""
    lines = [line.rstrip() for line in raw.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    kept = [line for k, line in enumerate(lines) if line or (k and lines[k - 1])]
    return "\n".join(kept)


class _Walker:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.blocks: list[Block] = []
        self.buf: list[tuple[str, bool]] = []
        self.bold_depth = 0
        self.kind_stack: list[str] = []

    def add(self, text: str | None) -> None:
        if text:
            # program code keeps its lines and their indentation; everywhere else a line break in the
            # source is a space
            text = _code_text(text) if self.kind_stack and self.kind_stack[-1] == "code" \
                else re.sub(r"[\s\u00a0]+", " ", text)
            if text:
                self.buf.append((text, self.bold_depth > 0))

    def _at_line_start(self) -> bool:
        """Nothing but blanks since the last line break (and something before it)."""
        for text, _bold in reversed(self.buf):
            if text == "\n":
                return True
            if text.strip():
                return False
        return False

    def _indent_break(self, text: str | None) -> None:
        """A line after <br> indented with two ideographic spaces starts a new paragraph ('<br>　　正文')."""
        if text and _INDENT.match(text) and self._at_line_start():
            self.flush()

    def flush(self) -> None:
        if not self.buf:
            return
        raw = "".join(t for t, _ in self.buf)
        kind = "p"
        for k in reversed(self.kind_stack):
            if k in ("heading", "caption", "code"):
                kind = k
                break
        if kind == "code":
            text = code_lines(raw)
        else:
            lines = [clean_space(line) for line in raw.split("\n")]
            text = "\n".join(line for line in lines if line)
        if text:
            solid = [(t, b) for t, b in self.buf if t.strip()]
            bold = bool(solid) and all(b for _, b in solid)
            self.blocks.append(Block(text=text, kind=kind, bold=bold))
        self.buf = []

    def image(self, el: etree._Element) -> None:
        src = None
        for attr in IMG_ATTRS:
            value = (el.get(attr) or "").strip()
            if value and not value.startswith("data:"):
                src = value
                break
        if not src:
            return
        if src.startswith("//"):
            src = "https:" + src
        elif self.base_url and not src.startswith(("http://", "https://")):
            src = urljoin(self.base_url, src)
        self.flush()
        alt = clean_space(el.get("alt") or el.get("title") or "")
        if alt.lower() in _EMPTY_ALT:
            alt = ""
        self.blocks.append(Block(text=alt, kind="image", src=src))

    def walk(self, el: etree._Element, root: bool = False) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.rsplit("}", 1)[-1].lower()  # browser-serialized pages carry the xhtml namespace
        if not tag or tag in SKIP_TAGS or (not root and _HIDDEN.search(el.get("style") or "")):
            # comments, scripts, hidden nodes: skip content, keep the tail
            self.add(el.tail)
            return
        if tag in IMG_TAGS:
            self.image(el)
            self.add(el.tail)
            return
        if tag in ("br", "lb"):
            if self._at_line_start():
                self.flush()  # '<br><br>': an empty line ends the paragraph (old portals, forums, blogs)
            else:
                self.buf.append(("\n", False))
            self._indent_break(el.tail)
            self.add(el.tail)
            return
        # trafilatura gives a <pre> block as <code> straight under its body (or nested in such a <code>)
        code_block = tag == "code" and "\n" in "".join(el.itertext()) and \
            (el.getparent() is None or el.getparent().tag in ("body", "doc", "main", "div", "section", "code"))
        is_block = tag in BLOCK_TAGS or tag in CAPTION_TAGS or code_block
        bold = tag in BOLD_TAGS or (tag == "hi" and "#b" in (el.get("rend") or ""))
        if is_block:
            self.flush()
            self.kind_stack.append("heading" if tag in HEADING_TAGS else "caption" if tag in CAPTION_TAGS
                                   else "code" if tag in CODE_TAGS or code_block else "block")
        if bold:
            self.bold_depth += 1
        self.add(el.text)
        for child in el:
            self.walk(child)
        if tag in CELL_TAGS:
            self.add(" ")
        if bold:
            self.bold_depth -= 1
        if is_block:
            self.flush()
            self.kind_stack.pop()
        self.add(el.tail) if not root else None


def walk_blocks(node: etree._Element, base_url: str = "") -> list[Block]:
    """Flatten `node` into blocks in reading order."""
    walker = _Walker(base_url)
    walker.walk(node, root=True)
    walker.flush()
    return walker.blocks
