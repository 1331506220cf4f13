"""`extract(page) -> Article`: the whole extraction, one named step per line.

decode -> parse once -> status -> metadata cascade (WeChat -> portal -> trafilatura
-> fallbacks) -> main content -> cleaning -> language and roles -> alignment.
Nothing here imports Scrapy; the spider, the CLI and replay all call this.
"""
from __future__ import annotations

import re

from harvester.extract.origin import origin_claims, split_canonical

import trafilatura
from lxml import etree

from harvester.extract.align import align
from harvester.extract.article import Article, Image, Pair, Paragraph
from harvester.extract.blocks import Block, walk_blocks
from harvester.extract.bylines import body_name_line, byline_zones, htmldate_candidate, trailing_author, zone_author, zone_date
from harvester.extract.cleaning import clean, is_tail_heading, parse_credits, strip_staff_code
from harvester.extract.dates import choose_date
from harvester.extract.dom import Doc, clean_space, node_text
from harvester.extract.encoding import decode
from harvester.extract.errors import ExtractionError
from harvester.extract.language import (HAN, LATIN_WORD, detect, is_caption_sized, paragraphs_from_blocks,
                                        split_mixed, strip_caption_marker)
from harvester.extract.recover import restore_furniture, script_gallery_blocks
from harvester.extract.portal import PortalTemplate, author_from_info, site_from_title, strip_site_suffix
from harvester.extract.rules import Rules, load_rules
from harvester.extract.furniture import cut_later_entries, drop_link_bars, drop_link_lists
from harvester.extract.status import Verdict, classify, is_prose
from harvester.extract.template import Metadata, Template
from harvester.extract.wechat import WeChatTemplate
from harvester.page import Page

WECHAT = WeChatTemplate()
PORTAL = PortalTemplate()
MIN_WECHAT_BODY = 40  # characters in #js_content below which trafilatura gets a try
_NON_HTML_TYPES = ("application/pdf", "image/", "audio/", "video/", "application/zip", "application/octet-stream",
                   "font/")
_REPORTED_ROLE = {"lead": "body", "legend": "caption"}  # internal roles of language.paragraphs_from_blocks
_TITLE_SPLIT = re.compile(r"\s*(?:\||｜|\n| / |丨)\s*")

__all__ = ["extract", "extract_html", "ExtractionError"]


def extract(page: Page) -> Article:
    """Extract one fetched page into a contract Article (never raises for HTML input)."""
    ctype = page.content_type.lower()
    if ctype and any(ctype.startswith(t) for t in _NON_HTML_TYPES):
        raise ExtractionError(f"not HTML: content-type {ctype.split(';')[0]}")
    text, _encoding = decode(page.body, page.content_type)
    doc = Doc.parse(text, page.url)
    return extract_doc(doc)


def extract_html(html: str | bytes, url: str = "") -> Article:
    """Convenience for tests and tools: extract from an HTML string or bytes."""
    body = html.encode("utf-8") if isinstance(html, str) else html
    return extract(Page(body=body, url=url))


def extract_doc(doc: Doc, rules: Rules | None = None) -> Article:
    rules = rules or load_rules()
    templates = _templates_for(doc)
    meta = metadata_cascade(doc, templates)
    canonical, foreign_canonical = split_canonical(meta.canonical_url, doc.url)
    article = Article(status="article", url=doc.url, canonical_url=canonical,
                      title=meta.title or "", source=meta.source, author=meta.author, published=meta.published)

    blocks = main_blocks(doc, templates)
    blocks = _drop_title_echo(blocks, article.title, meta.title_en, meta.title_zh)
    blocks, slogans = drop_account_slogan(doc, blocks, templates)
    blocks, bars = drop_link_bars(doc, blocks, rules)
    cleaned = clean(blocks, rules)
    article.removed = slogans + bars + cleaned.removed
    apply_lifted(article, cleaned.lifted)
    outside = page_credits(doc, article)
    tidy_credits(doc, article)
    byline_over_site(doc, article, cleaned.lifted)
    credited_source(doc, article, cleaned.lifted.get("source") or outside.get("source"), templates)
    if not article.author:
        article.author = lead_author(cleaned.blocks)

    triples = paragraphs_from_blocks(cleaned.blocks)
    paragraphs = [Paragraph(text=t, lang=lang, role=_REPORTED_ROLE.get(role, role))  # type: ignore[arg-type]
                  for t, lang, role in triples]
    images = collect_images(cleaned.blocks)
    # a photo story's captions are its text: they count when the page shows several photos
    captions = [p.text for p in paragraphs if p.role == "caption"] \
        if len(images) >= rules.status.photo_story_images else []
    body = [p.text for p in paragraphs if p.role == "body"]
    verdict = classify(doc, body, rules, captions, video=is_video_post(doc, templates, meta.title, paragraphs))
    article.status_reason = verdict.reason
    if verdict.status != "article":
        return _not_an_article(article, verdict)

    if not article.author:  # '许文清' on its own under the headline: the byline, lifted out of the body
        at = body_name_line([(p.text, p.role) for p in paragraphs], rules)
        if at is not None:
            article.author = paragraphs[at].text.strip()
            article.removed.append(paragraphs[at].text)
            del paragraphs[at]
            triples = [t for t in triples if t[0] != article.author]
    article.paragraphs = paragraphs
    read_bylines(doc, article, templates, rules)
    kept, listed = drop_link_lists(doc, cleaned.blocks, rules)
    kept, later = cut_later_entries(kept, article.published, rules)
    listed += later
    if listed:
        article.removed += listed
        triples = paragraphs_from_blocks(kept)
        paragraphs = [Paragraph(text=t, lang=lang, role=_REPORTED_ROLE.get(role, role))  # type: ignore[arg-type]
                      for t, lang, role in triples]
        images = collect_images(kept)
    at = other_language_title(paragraphs, article.title, meta, rules)
    if at is not None:  # the headline in the other language, given as a plain line under the title
        line = paragraphs.pop(at)
        triples = [t for t in triples if t[0] != line.text]
        meta.title_en, meta.title_zh = (line.text, meta.title_zh) if line.lang == "en" else (meta.title_en, line.text)
        article.removed.append(line.text)
    article.paragraphs = paragraphs
    article.images = images
    article.language = document_language(article.paragraphs)
    if article.language == "bilingual":
        article.pairs = [Pair(en=e, zh=z) for e, z in align(triples)]
    article.title_en, article.title_zh = split_title(article.title, article.paragraphs)
    # a labelled headline box (中文标题 …) states the title in that language outright
    article.title_en = meta.title_en or article.title_en
    article.title_zh = meta.title_zh or article.title_zh
    if not article.title and article.paragraphs:
        article.title = article.paragraphs[0].text[:120]
    article.origin = origin_claims(doc, article.canonical_url, foreign_canonical)
    return article


TITLE_LINE_MAX = 120  # characters of a headline line
TITLE_LINE_WORDS = 20


def other_language_title(paragraphs: list[Paragraph], title: str, meta: Metadata, rules: Rules) -> int | None:
    """Index of the other-language headline given as a plain line at the head of the body ('Seagrass
    meadows double in three years' under a Chinese title): short, one language (not the title's), no
    sentence end, before the first paragraph of prose. None when the page already names that title."""
    lang = detect(title) if title else None
    if lang not in ("en", "zh"):
        return None
    want = "zh" if lang == "en" else "en"
    if (meta.title_zh if want == "zh" else meta.title_en):
        return None
    for k, p in enumerate(paragraphs[:4]):
        if is_prose(p.text, rules.status) and p.lang != want:
            return None
        if p.lang == want and p.role != "caption" and len(p.text) <= TITLE_LINE_MAX \
                and len(LATIN_WORD.findall(p.text)) <= TITLE_LINE_WORDS and not _SENTENCE_END.search(p.text):
            return k
        if p.lang == want:
            return None
    return None


_SENTENCE_END = re.compile(r"[.。!?！？;；:：]\s*$")


def read_bylines(doc: Doc, article: Article, templates: list[Template], rules: Rules) -> None:
    """Author and date from the byline zone between headline and body (bylines.py), the closing
    bracketed credit, and the day the date sources agree on. A WeChat page's own fields stand."""
    body = [p.text for p in article.paragraphs if p.role == "body"]
    if WECHAT in templates and article.published:
        return
    first = next((t for t in body if is_prose(t, rules.status)), body[0] if body else "")
    last = next((t for t in reversed(body) if is_prose(t, rules.status)), body[-1] if body else "")
    zones = byline_zones(doc, article.title, first, last)
    if not article.author:
        article.author = zone_author(zones, article.title, rules) or trailing_author(body, rules)
        if article.author and is_site_name(article.author, doc):
            article.author = None
    cfg = rules.bylines
    candidates = [] if WECHAT in templates else PORTAL.date_candidates(doc, cfg)
    found = zone_date(zones.header, rules) or zone_date(zones.above, rules, weight=cfg.weight_date) \
        or zone_date(zones.footer, rules, weight=cfg.weight_date, labelled_only=True)
    if found:
        candidates.append(found)
    if not any(c.weight >= cfg.weight_meta for c in candidates):
        found = htmldate_candidate(doc, rules)
        if found:
            candidates.append(found)
    article.published = choose_date(candidates) or article.published


_VIDEO_XPATH = etree.XPath(".//iframe[contains(@class,'video_iframe') or contains(@data-src,'v.qq.com') or "
                           "contains(@src,'v.qq.com')] | .//video | .//mpvideo | .//mp-common-videosnap")


def is_video_post(doc: Doc, templates: list[Template], title: str | None, paragraphs: list[Paragraph]) -> bool:
    """A WeChat video post: a titled article whose content is an embedded video with a few
    lines of text (the slogan-like lines around it). Its text is short because the story is
    the video; it is still an article, not a listing or an error page."""
    if WECHAT not in templates or not title:
        return False
    node = WECHAT.content_node(doc)
    if node is None or not _VIDEO_XPATH(node):
        return False
    return sum(len(p.text) for p in paragraphs) >= load_rules().status.video_min_text


def _not_an_article(article: Article, verdict: Verdict) -> Article:
    """Deleted, blocked and non-article pages carry their status, its reason and URLs, nothing else."""
    return Article(status=verdict.status, url=article.url, canonical_url=article.canonical_url,  # type: ignore[arg-type]
                   status_reason=verdict.reason)


# --- metadata -----------------------------------------------------------------------

def _templates_for(doc: Doc) -> list[Template]:
    return [WECHAT, PORTAL] if WECHAT.matches(doc) else [PORTAL]


def metadata_cascade(doc: Doc, templates: list[Template]) -> Metadata:
    """First non-empty value per field: site templates in order, then generic fallbacks."""
    meta = Metadata()
    for template in templates:
        meta.fill_from(template.metadata(doc))
    meta.fill_from(_fallback_metadata(doc))
    return meta


def _fallback_metadata(doc: Doc) -> Metadata:
    """Whatever any page has: og:site_name, <title>."""
    title = node_text(doc.tree.find(".//title"))
    return Metadata(title=strip_site_suffix(title, doc.meta_value("og:site_name")) if title else None,
                    source=doc.meta_value("og:site_name", "application-name") or PORTAL.source_element(doc)
                    or site_from_title(title, PORTAL.headline(doc)) or None)


def apply_lifted(article: Article, lifted: dict) -> None:
    """Metadata found inside the body: fill only what the page head did not give."""
    article.original_title = lifted.get("original_title") or article.original_title
    article.editors = dict(lifted.get("editors", {}))
    if not article.source and lifted.get("source"):
        article.source = lifted["source"]
    if not article.author and lifted.get("author"):
        article.author = lifted["author"]


# own text of an element that may be a credit line ('责任编辑：…', 'Editor: …')
_CREDIT_WORDS = re.compile("编辑|审核|Editor|editor|责编|校对|审读|审校|终审|监制")
CREDIT_LINE_MAX = 120


def page_credits(doc: Doc, article: Article) -> dict[str, str]:
    """Credit lines outside the extracted body (portal footers): add what the body lacked.

    Returns the other fields those lines name ('Source: Xinhua | Editor: …' -> {'source': 'Xinhua'}).
    """
    rules = load_rules()
    found: dict[str, str] = {}
    for el in doc.elements_with_text(_CREDIT_WORDS, CREDIT_LINE_MAX)[:20]:
        text = node_text(el)
        if is_tail_heading(text, rules):
            continue  # "编辑推荐" heads a list of links; it credits nobody
        credits = parse_credits(text, rules) if len(text) <= rules.credit_max_len else None
        for key, value in (credits or {}).items():
            target = rules.credit_fields.get(key.lower())
            if target == "author" and not article.author:
                article.author = value
            elif target and target != "-":
                found.setdefault(target, value)
            elif not target:
                article.editors.setdefault(key, value)
    return found


def site_names(doc: Doc) -> list[str]:
    """What the page calls its site: og:site_name, application-name, the <title>'s site suffix."""
    title = node_text(doc.tree.find(".//title"))
    names = [doc.meta_value("og:site_name"), doc.meta_value("application-name"),
             site_from_title(title, PORTAL.headline(doc)) if title else None]
    return [n for n in names if n and len(n.strip()) >= 2]


def is_site_name(value: str, doc: Doc) -> bool:
    """'网易' on a page whose title ends '_网易新闻': a portal's own name is never an author."""
    core = _compact(value)
    if len(core) < 2:
        return False
    return any(core in _compact(name) or _compact(name) in core for name in site_names(doc))


def tidy_credits(doc: Doc, article: Article) -> None:
    """Staff codes off every name ('王晓_NBJ11279' -> '王晓'); a site's own name is no author."""
    article.editors = {k: strip_staff_code(v) for k, v in article.editors.items() if strip_staff_code(v)}
    if article.author:
        article.author = strip_staff_code(article.author) or None
    if article.author and is_site_name(article.author, doc):
        article.author = None


def byline_over_site(doc: Doc, article: Article, lifted: dict) -> None:
    """A meta author that was the site's own name (dropped by tidy_credits) leaves room for
    the body's byline ('记者 李喆'): the person credited in the article is the author."""
    value = lifted.get("author")
    if article.author or not value:
        return
    value = strip_staff_code(value)
    if value and not is_site_name(value, doc):
        article.author = value


def credited_source(doc: Doc, article: Article, value: str | None, templates: list[Template]) -> None:
    """An explicit 'Source: Xinhua' credit in a portal article outranks the site's own name
    (og:site_name, application-name, the <title> suffix) as the article's source.

    Only when the portal's info line gave no source; a WeChat account stays the source.
    """
    if not value or not article.source or WECHAT in templates or PORTAL.source(doc):
        return
    if _compact(value) != _compact(article.source) and is_site_name(article.source, doc) \
            and not is_site_name(value, doc):
        article.source = value


_LEAD_CREDIT = re.compile(r"^[^（(。，]{0,20}?[（(]([^（()）]{2,40})[)）]")
_KEY_TOUCHING_NAME = re.compile(r"(记者|作者|通讯员|实习生)(?=[\u4e00-\u9fff])")


def lead_author(blocks: list[Block]) -> str | None:
    """The reporter named at the head of the first paragraph: '本报讯（记者 王晓丹 通讯员 林晨）3月4日，…'."""
    for block in [b for b in blocks if b.kind == "p"][:2]:
        m = _LEAD_CREDIT.match(block.text)
        if m and ("记者" in m.group(1) or "作者" in m.group(1)):
            # inside the brackets the key may touch the name: '（记者王嘉琪）'
            return author_from_info(_KEY_TOUCHING_NAME.sub(r"\1 ", m.group(1)))
    return None


# --- main content -------------------------------------------------------------------

def main_blocks(doc: Doc, templates: list[Template]) -> list[Block]:
    """Body blocks: the template's content node when it holds text, else trafilatura."""
    for template in templates:
        node = template.content_node(doc)
        if node is not None:
            blocks = walk_blocks(node, doc.url)
            if sum(len(b.text) for b in blocks if b.kind != "image") >= MIN_WECHAT_BODY:
                return mark_lead(node, blocks, doc.url)
    # a gallery that shows one slide and keeps every slide's text in a script
    return script_gallery_blocks(doc.tree) or trafilatura_blocks(doc)


# an inline style that draws a box: a coloured background (not white/transparent) or a solid border
_BOX_STYLE = re.compile(
    r"background(?:-color)?\s*:\s*(?!\s*(?:transparent|none|inherit|initial|unset|#fff\b|#ffffff\b|white\b|"
    r"rgba?\(\s*255\s*,\s*255\s*,\s*255\b|rgba\([^)]*,\s*0\s*\)))[^;\s]"
    r"|border(?:-left|-top)?\s*:\s*[1-9]\d*(?:\.\d+)?px\s+(?:solid|dashed|dotted|double)", re.I)
LEAD_MAX = 300  # characters: a lead box is a paragraph or two, never the article
LEAD_SHARE = 0.25  # ... and a small part of the body
LEAD_LABEL_SCAN = 3  # blocks at the head of the body where a 导语 / 摘要 label may stand


def mark_lead(node: etree._Element, blocks: list[Block], base_url: str = "") -> list[Block]:
    """Tag the 导语 / summary box at the head of a body (Block.lead).

    Two shapes: a line that is only a box label (导语, 摘要, rules [boxes]) followed by the
    lead paragraph (the label line goes), or the body's first text inside a box drawn by
    an inline style (shaded background or solid border) that holds little text. Bilingual
    accounts often write such a lead in one language only, so the aligner lets it stand alone.
    """
    rules = load_rules()
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


def trafilatura_blocks(doc: Doc) -> list[Block]:
    """trafilatura finds the article; we keep its paragraph structure (it copies the tree)."""
    result = trafilatura.bare_extraction(
        doc.tree, url=doc.url or None, include_images=True, include_tables=True, include_formatting=True,
        include_comments=False, with_metadata=False, output_format="python")
    body = getattr(result, "body", None) if result is not None else None
    if body is None:
        return []
    if len(body) == 1 and body[0].tag == "p" and not len(body[0]) and "\n" in (body[0].text or ""):
        # trafilatura's last resort (baseline) gives the page's text as one <p>, one line per element
        return [Block(text=line) for line in (clean_space(x) for x in body[0].text.split("\n")) if line]
    blocks = restore_furniture(doc.tree, walk_blocks(body, doc.url), doc.url)
    return drop_labelled_boxes(doc, blocks)


_BOX_XPATH = etree.XPath(
    "//body//*[contains(@class,'summary') or contains(@id,'summary') or contains(@class,'abstract') or "
    "contains(@class,'daodu') or contains(@class,'digest')][string-length(normalize-space()) < 800]")


def drop_labelled_boxes(doc: Doc, blocks: list[Block]) -> list[Block]:
    """A box labelled 中文导读 / 摘要 / Summary restates the article (often in the other
    language); it is not body text and no translation, so its paragraphs go."""
    rules = load_rules()
    drop: set[str] = set()
    for box in _BOX_XPATH(doc.tree)[:5]:
        parts = walk_blocks(box, doc.url)
        texts = [b.text for b in parts if b.kind != "image"]
        if len(texts) >= 2 and texts[0].strip(" :：【】[]") in rules.box_labels:
            drop.update("".join(t.split()) for t in texts)
    if not drop:
        return blocks
    return [b for b in blocks if b.kind == "image" or "".join(b.text.split()) not in drop]


SLOGAN_MIN, SLOGAN_MAX = 4, 80  # characters of a line that may be the account's slogan


def drop_account_slogan(doc: Doc, blocks: list[Block], templates: list[Template]) -> tuple[list[Block], list[str]]:
    """A WeChat account prints its signature ('每天一篇深圳双语新闻') as a banner line in
    every article: a line the signature contains is furniture, not body text."""
    if WECHAT not in templates:
        return blocks, []
    signature = _compact(WECHAT.signature(doc))
    follow = follow_prompt(WECHAT.source(doc) or "")
    if len(signature) < SLOGAN_MIN and follow is None:
        return blocks, []
    kept: list[Block] = []
    removed: list[str] = []
    for block in blocks:
        core = _compact(block.text)
        if block.kind != "image" and ((len(signature) >= SLOGAN_MIN and SLOGAN_MIN <= len(core) <= SLOGAN_MAX
                                       and core in signature)
                                      or (follow is not None and len(block.text) <= FOLLOW_MAX
                                          and follow.match(" ".join(block.text.split())))):
            removed.append(block.text)
        else:
            kept.append(block)
    return kept, removed


FOLLOW_MAX = 80  # characters of a follow banner ('Follow <account> for your morning brief')


def follow_prompt(account: str) -> re.Pattern[str] | None:
    """'Follow us', 'Follow <account name> …', '关注<account name>': a line that asks the reader
    to follow the account (whose name is #js_name / var nickname) is a banner, not body text."""
    name = re.escape(" ".join(account.split())) if account.strip() else None
    who = rf"(?:us|{name})" if name else "us"
    zh = rf"|^[\W_]*(?:欢迎|请|记得)?关注\s*{name}" if name else ""
    return re.compile(rf"^[\W_]*(?:please\s+)?follow\s+{who}\b{zh}", re.I)


def _compact(text: str) -> str:
    """Text without blanks and edge decoration, lower-cased: for containment tests."""
    return "".join(text.split()).strip("·•|｜-—_~:：【】[]()（）<>《》「」\"'“”‘’.。!！").lower()


def _drop_title_echo(blocks: list[Block], title: str, *other_titles: str | None) -> list[Block]:
    """Bodies often repeat the headline first; it is the title, not a paragraph.

    The headline in the other language, when the page states it (a labelled box, a line under
    the headline), goes the same way wherever trafilatura placed it.
    """
    for n, one in enumerate((title, *other_titles)):
        if not one:
            continue
        norm = "".join(one.split())
        for k, block in enumerate(blocks if n else blocks[:3]):
            if block.kind != "image" and "".join(block.text.split()) == norm:
                blocks = blocks[:k] + blocks[k + 1:]
                break
    return blocks


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

def document_language(paragraphs: list[Paragraph]) -> str:
    """'bilingual' when both languages carry real text, else the dominant one."""
    han = sum(len(HAN.findall(p.text)) for p in paragraphs if p.lang in ("zh", "mixed"))
    words = sum(len(LATIN_WORD.findall(p.text)) for p in paragraphs if p.lang in ("en", "mixed"))
    en_weight = words * 1.5
    if han >= 40 and words >= 25 and min(han, en_weight) >= 0.2 * max(han, en_weight):
        return "bilingual"
    return "en" if en_weight > han else "zh"


_EN_THEN_ZH = re.compile(r"^([^\u3400-\u9fff]+?)\s+([\u3400-\u9fff].*)$")
_ZH_THEN_EN = re.compile(r"^(.*[\u3400-\u9fff]\S*)\s+([^\u3400-\u9fff]+)$")
TITLE_HALF_MIN_WORDS = 3  # an English half is a phrase, not a borrowed name ('iPhone 16 发布')


def _script_halves(title: str) -> tuple[str, str] | None:
    """(english, chinese) of a title made of an English run and a Chinese run side by side
    (a '<br>' in the headline read as a blank), in either order; None for one-language titles."""
    for rx, order in ((_EN_THEN_ZH, (1, 2)), (_ZH_THEN_EN, (2, 1))):
        m = rx.match(title.strip())
        if m:
            en, zh = m.group(order[0]).strip(), m.group(order[1]).strip()
            if detect(en) == "en" and len(LATIN_WORD.findall(en)) >= TITLE_HALF_MIN_WORDS and detect(zh) == "zh":
                return en, zh
    return None


def split_title(title: str, paragraphs: list[Paragraph]) -> tuple[str | None, str | None]:
    """title_en / title_zh: parts of a 'English | 中文' title, or a heading in the other language."""
    en = zh = None
    parts = [(part, detect(part)) for part in _TITLE_SPLIT.split(title or "") if part.strip()]
    if {"en", "zh"} <= {lang for _, lang in parts}:  # "English | 中文": one part per language
        for part, lang in parts:
            if lang == "en" and en is None and len(part) > 3:
                en = part
            elif lang == "zh" and zh is None:
                zh = part
    elif title and _script_halves(title):  # "Solar boats built together 太阳能小船": one run per script
        en, zh = _script_halves(title)  # type: ignore[misc]
    elif title:  # "组图｜梧桐山杜鹃花开 …" is one Chinese title, not two
        lang = detect(title)
        en, zh = (title, None) if lang == "en" else (None, title) if lang == "zh" else (None, None)
    if en is None or zh is None:
        for p in paragraphs[:3]:
            if p.role == "heading":
                if p.lang == "en" and en is None:
                    en = p.text
                elif p.lang == "zh" and zh is None:
                    zh = p.text
    return en, zh
