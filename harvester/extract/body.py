"""The article's body as blocks: the template's content node or trafilatura's tree, its lead box, its images.

WeChat keeps the body in #js_content; elsewhere trafilatura finds it and we keep its
paragraph structure, put back the subheadings and captions it leaves out (recover.py)
and take out summary boxes that restate the article. The 导语 / summary box at the head
is marked so the aligner may leave it untranslated.
"""
from __future__ import annotations

import copy
import re

import trafilatura
from lxml import etree

from harvester.extract.article import Image
from harvester.extract.blocks import BLOCK_TAGS, IMG_ATTRS, Block, walk_blocks
from harvester.extract.dom import Doc, clean_space
from harvester.extract.language import detect, is_caption_sized, split_mixed, strip_caption_marker
from harvester.extract.recover import restore_furniture, script_gallery_blocks
from harvester.extract.rules import Rules
from harvester.extract.template import Template

MIN_TEMPLATE_BODY = 40  # characters in a template's content node below which trafilatura gets a try


def main_blocks(doc: Doc, templates: list[Template], rules: Rules) -> list[Block]:
    """Body blocks: the template's content node when it holds text, else trafilatura."""
    for template in templates:
        node = template.content_node(doc)
        if node is not None:
            blocks = walk_blocks(node, doc.url)
            if sum(len(b.text) for b in blocks if b.kind != "image") >= MIN_TEMPLATE_BODY:
                return mark_lead(node, blocks, rules, doc.url)
    # a gallery that shows one slide and keeps every slide's text in a script
    return script_gallery_blocks(doc.tree) or trafilatura_blocks(doc, rules)

# an inline style that draws a box: a coloured background (not white/transparent) or a solid border
_BOX_STYLE = re.compile(
    r"background(?:-color)?\s*:\s*(?!\s*(?:transparent|none|inherit|initial|unset|#fff\b|#ffffff\b|white\b|"
    r"rgba?\(\s*255\s*,\s*255\s*,\s*255\b|rgba\([^)]*,\s*0\s*\)))[^;\s]"
    r"|border(?:-left|-top)?\s*:\s*[1-9]\d*(?:\.\d+)?px\s+(?:solid|dashed|dotted|double)", re.I)

LEAD_MAX = 300  # characters: a lead box is a paragraph or two, never the article

LEAD_SHARE = 0.25  # ... and a small part of the body

LEAD_LABEL_SCAN = 3  # blocks at the head of the body where a 导语 / 摘要 label may stand

def mark_lead(node: etree._Element, blocks: list[Block], rules: Rules, base_url: str = "") -> list[Block]:
    """Tag the 导语 / summary box at the head of a body (Block.lead).

    Two shapes: a line that is only a box label (导语, 摘要, rules [boxes]) followed by the
    lead paragraph (the label line goes), or the body's first text inside a box drawn by
    an inline style (shaded background or solid border) that holds little text. Bilingual
    accounts often write such a lead in one language only, so the aligner lets it stand alone.
    """
    text_blocks = [b for b in blocks if b.kind != "image"]
    total = sum(len(b.text) for b in text_blocks)
    if len(text_blocks) < 4:
        return blocks
    for k, block in enumerate(blocks[:LEAD_LABEL_SCAN]):
        if block.kind != "image" and block.text.strip(" :：【】[]()（）") in rules.box_labels:
            nxt = next((b for b in blocks[k + 1:] if b.kind != "image"), None)
            if nxt is not None and len(nxt.text) <= LEAD_MAX:
                nxt.lead = True
                return blocks[:k] + blocks[k + 1:]
            return blocks
    first = next((el for el in node.iter() if isinstance(el.tag, str) and el.text and el.text.strip()), None)
    if first is None:
        return blocks
    box = None
    for el in [first, *first.iterancestors()]:
        if el is node:
            break
        if _BOX_STYLE.search(el.get("style") or ""):
            box = el
            break
    if box is None:
        return blocks
    inside = [b for b in walk_blocks(box, base_url) if b.kind != "image"]
    size = sum(len(b.text) for b in inside)
    if not inside or len(inside) > 3 or size > LEAD_MAX or size > LEAD_SHARE * total \
            or len(box.xpath(".//img")) > 0:
        return blocks
    texts = {"".join(b.text.split()) for b in inside}
    for block in text_blocks[:len(inside) + 2]:
        if "".join(block.text.split()) in texts:
            block.lead = True
    return blocks

IMAGE_BOX_TEXT_MAX = 300  # characters of an element around a photo that is its box (the photo and a caption)
_BOX_TAGS = frozenset("div figure p table center section".split())
_RUN_STOPS = BLOCK_TAGS | {"br"}


def _image_boxes_with_tails(tree: etree._Element) -> list[etree._Element]:
    """Photo boxes (a block around an <img>, holding at most a caption) followed by running text of
    their parent: the text a body written with <br>s goes on with after a photo."""
    boxes = []
    big: set = set()  # elements found too long to be a box (several photos share their container)
    for img in tree.iter("img"):
        for el in img.iterancestors():
            if el.tag == "body" or el in big:
                break
            if len("".join(_STRING_OF(el).split())) > IMAGE_BOX_TEXT_MAX:
                big.add(el)
                break
            if el.tag in _BOX_TAGS:
                if el.tail and el.tail.strip() and el not in boxes:
                    boxes.append(el)
                break
    return boxes


def _dropped_tails(doc: Doc, body: etree._Element) -> bool:
    """Whether trafilatura kept a photo box's photo but not the text right after the box: with images it
    drops that run (up to the next <br> or block) in a body written with <br>s."""
    boxes = _image_boxes_with_tails(doc.tree)
    if not boxes:
        return False
    kept = {(g.get("src") or "").rsplit("/", 1)[-1] for g in body.iter("graphic")}
    text = "".join("".join(body.itertext()).split())
    for box in boxes:
        names = {(img.get(a) or "").rsplit("/", 1)[-1] for img in box.iter("img") for a in IMG_ATTRS}
        tail = "".join(box.tail.split())[:30]
        if names & kept and len(tail) >= 10 and tail not in text:
            return True
    return False


def _tails_in_paragraphs(doc: Doc) -> etree._Element:
    """A copy of the page where each photo box's following run of text stands in a <p> of its own."""
    tree = copy.deepcopy(doc.tree)
    for box in _image_boxes_with_tails(tree):
        parent = box.getparent()
        run = box.makeelement("p", {})
        run.text, box.tail = box.tail, None
        nxt = box.getnext()
        while nxt is not None and isinstance(nxt.tag, str) and nxt.tag not in _RUN_STOPS:
            following = nxt.getnext()
            run.append(nxt)
            nxt = following
        parent.insert(parent.index(box) + 1, run)
    return tree


def _trafilatura(tree: etree._Element, url: str):
    return trafilatura.bare_extraction(
        tree, url=url or None, include_images=True, include_tables=True, include_formatting=True,
        include_comments=False, with_metadata=False, output_format="python")


def trafilatura_blocks(doc: Doc, rules: Rules) -> list[Block]:
    """trafilatura finds the article; we keep its paragraph structure (it copies the tree)."""
    result = _trafilatura(doc.tree, doc.url)
    body = getattr(result, "body", None) if result is not None else None
    if body is not None and _dropped_tails(doc, body):
        result = _trafilatura(_tails_in_paragraphs(doc), doc.url)
        body = getattr(result, "body", None) if result is not None else None
    if body is None:
        return []
    if len(body) == 1 and body[0].tag == "p" and not len(body[0]) and "\n" in (body[0].text or ""):
        # trafilatura's last resort (baseline) gives the page's text as one <p>, one line per element
        return [Block(text=line) for line in (clean_space(x) for x in body[0].text.split("\n")) if line]
    if len(body) == 1 and body[0].tag == "p" and not len(body[0]):
        source = flattened_source(doc, body[0].text or "")
        if source is not None:  # its fallback flattened one element into one line: read that element's blocks
            return drop_labelled_boxes(doc, walk_blocks(source, doc.url), rules)
    blocks = restore_furniture(doc.tree, walk_blocks(body, doc.url), doc.url)
    return drop_labelled_boxes(doc, blocks, rules)

# elements trafilatura's fallback reads whole (<article>, <main>, a content <div>): where a flattened line came from
_CONTAINERS = etree.XPath("//body//*[self::article or self::main or self::section or self::div]")
FLATTENED_MIN = 200  # characters of a flattened line worth tracing back to its element


def flattened_source(doc: Doc, text: str) -> etree._Element | None:
    """The innermost element (not <body>) whose whole text is `text`, blanks aside: trafilatura's fallback
    returns an <article> it could not split as one paragraph, whose own paragraphs we can still read."""
    target = "".join(text.split())
    if len(target) < FLATTENED_MIN:
        return None
    found = None
    for el in _CONTAINERS(doc.tree):
        if "".join(_STRING_OF(el).split()) == target:
            found = el  # document order: a later hit lies inside the earlier one
    if found is None or sum(1 for child in found.iter() if child.tag in ("p", "div", "br", "li", "h1", "h2", "h3")) < 3:
        return None
    return found


_STRING_OF = etree.XPath("string()")

_BOX_XPATH = etree.XPath(
    "//body//*[@class or @id][contains(@class,'summary') or contains(@id,'summary') or contains(@class,'abstract') or "
    "contains(@class,'daodu') or contains(@class,'digest')][string-length(normalize-space()) < 800]")

SUMMARY_RESTATES = 2.0  # a labelled box goes only when the body outside it holds this many times its text

def drop_labelled_boxes(doc: Doc, blocks: list[Block], rules: Rules) -> list[Block]:
    """A box labelled 中文导读 / 摘要 / Summary restates the article (often in the other
    language); it is not body text and no translation, so its paragraphs go.

    It restates only what is there: when the text outside the boxes is not several times
    theirs (a journal page shows its abstract and keywords, the full text being a PDF),
    the box is the article's text and stays.
    """
    drop: set[str] = set()
    for box in _BOX_XPATH(doc.tree)[:5]:
        parts = walk_blocks(box, doc.url)
        texts = [b.text for b in parts if b.kind != "image"]
        if len(texts) >= 2 and texts[0].strip(" :：【】[]") in rules.box_labels:
            drop.update("".join(t.split()) for t in texts)
    if not drop:
        return blocks
    compact = ["".join(b.text.split()) for b in blocks if b.kind != "image"]
    inside = sum(len(c) for c in compact if c in drop)
    if sum(len(c) for c in compact) - inside < SUMMARY_RESTATES * inside:
        return blocks
    return [b for b in blocks if b.kind == "image" or "".join(b.text.split()) not in drop]

def collect_images(blocks: list[Block]) -> list[Image]:
    """Images in order, deduplicated, with the caption-like line that follows each."""
    images: list[Image] = []
    seen: set[str] = set()
    for k, block in enumerate(blocks):
        if block.kind != "image" or not block.src or block.src in seen or _is_decoration(block.src):
            continue
        seen.add(block.src)
        caption = None
        nxt = blocks[k + 1] if k + 1 < len(blocks) else None
        if nxt is not None and (nxt.kind == "caption" or nxt.kind == "p" and _caption_sized_block(nxt.text)):
            caption = strip_caption_marker(" ".join(nxt.text.split()))
        elif block.text and len(block.text) > 3:
            caption = strip_caption_marker(block.text)
        images.append(Image(src=block.src, caption=caption))
    return images

def _caption_sized_block(text: str) -> bool:
    """A caption-sized line, or an 'English caption<br>中文图注' block whose every language run is one."""
    if is_caption_sized(text, detect(text)):
        return True
    runs = split_mixed(text) if "\n" in text else []
    return len(runs) == 2 and all(is_caption_sized(" ".join(t.split()), lang) for t, lang in runs)

def _is_decoration(src: str) -> bool:
    low = src.lower()
    return any(w in low for w in ("qrcode", "qr_code", "/icon", "spacer", "blank.gif", "loading"))


# --- language and titles ------------------------------------------------------------
