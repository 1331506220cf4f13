"""Who made the article: credit lines lifted from the body and the page, bylines, the site's own name.

Credits ('编辑 王子烨 审读 刘春生', 'Source: Xinhua | Editor: …') become `editors` (and `source`
/ `author` where the key says so); staff codes are cut from names; a portal's own name is
never an author; an explicit 'Source:' credit outranks the site's name as the source.
"""
from __future__ import annotations

import re

from lxml import etree

from harvester.extract.article import Article
from harvester.extract.blocks import Block
from harvester.extract.cleaning import bare_credit_label, is_tail_heading, parse_credits, strip_staff_code
from harvester.extract.dom import Doc, node_text
from harvester.extract.metadata import PORTAL, WECHAT
from harvester.extract.portal import ROLE_PREFIX, author_from_info, site_from_title
from harvester.extract.rules import Rules
from harvester.extract.template import Template


def apply_lifted(article: Article, lifted: dict) -> None:
    """Metadata found inside the body: fill only what the page head did not give."""
    article.original_title = lifted.get("original_title") or article.original_title
    article.editors = dict(lifted.get("editors", {}))
    if not article.source and lifted.get("source"):
        article.source = lifted["source"]
    if not article.author and lifted.get("author"):
        article.author = lifted["author"]

# own text of an element that may be a credit line ('责任编辑：…', 'Editor: …')
_CREDIT_WORDS = re.compile("编辑|审核|Editor|editor|责编|校对|审读|审校|终审|监制|作者|稿件来源")

CREDIT_LINE_MAX = 120

_AUTHOR_ROLE = re.compile(r"^(?:作者|撰文)\s*[:：]\s*(?=(?:特约)?(?:记者|通讯员))")
_NEXT_TEXT = etree.XPath("following::text()[normalize-space()][1]")


def page_credits(doc: Doc, article: Article, rules: Rules) -> dict[str, str]:
    """Credit lines outside the extracted body (portal footers): add what the body lacked.

    Returns the other fields those lines name ('Source: Xinhua | Editor: …' -> {'source': 'Xinhua'}).
    """
    found: dict[str, str] = {}
    for el in doc.elements_with_text(_CREDIT_WORDS, CREDIT_LINE_MAX)[:20]:
        text = node_text(el)
        if is_tail_heading(text, rules):
            continue  # "编辑推荐" heads a list of links; it credits nobody
        label = bare_credit_label(text, rules)
        if label:  # '作者：' here, '记者王敬照' in the next cell
            value = _NEXT_TEXT(el)
            text = f"{label}{' '.join(str(value[0]).split())}" if value else text
        text = _AUTHOR_ROLE.sub("", text.strip())  # '作者：记者王敬照': the role key says it again
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
    """Staff codes off every name ('王晓_NBJ11279' -> '王晓'); a site's own name, the article's
    source (a newspaper's name in meta author) and a person the page credits as its editor (a
    CMS putting 责任编辑 into meta author) are no author."""
    article.editors = {k: strip_staff_code(v) for k, v in article.editors.items() if strip_staff_code(v)}
    if article.author:
        article.author = strip_staff_code(article.author) or None
    if article.author and re.fullmatch(r"[\u4e00-\u9fff·]{2,4}", ROLE_PREFIX.sub("", article.author)):
        article.author = ROLE_PREFIX.sub("", article.author)  # '作者：记者王敬照': the role is no part of the name
    elif article.author and _PAPER_ROLE.match(article.author):
        # '采写：某报见习记者 张三': the paper and the role before the names are no part of them
        article.author = author_from_info(article.author) or article.author
    if article.author and is_site_name(article.author, doc):
        article.author = None
    if article.author and (_compact(article.author) == _compact(article.source or "")
                           or article.author in article.editors.values()):
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

    Only when the portal's info line gave no source; a WeChat account stays the source. A page
    that names no source otherwise takes the credit's.
    """
    if not value or WECHAT in templates or PORTAL.source(doc):
        return
    if not article.source:  # the page named no source at all: the credit is all there is
        article.source = value
        return
    if _compact(value) != _compact(article.source) and is_site_name(article.source, doc) \
            and not is_site_name(value, doc):
        article.source = value

_PAPER_ROLE = re.compile(r"^[\u4e00-\u9fff]{0,6}?(?:见习|特约|首席)?记者\s+\S")

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

def _compact(text: str) -> str:
    """Text without blanks and edge decoration, lower-cased: for containment tests."""
    return "".join(text.split()).strip("·•|｜-—_~:：【】[]()（）<>《》「」\"'“”‘’.。!！").lower()
