"""Where a page says its story comes from: the evidence archive/copies.py matches on.

A republished article usually says so. A portal copy of a WeChat post credits the
account (来源：深圳日报微信公众号) or links the post (原文链接, a bare
mp.weixin.qq.com link); a WeChat post that republishes a portal story links it as
阅读原文 (`var msg_source_url`); a syndicated page may name the original as its
rel=canonical on another site. `origin_claims(doc, canonical)` collects these as
`Article.origin`, a list of claims:

- {"kind": "source_link", "url": ...}: a link labelled as the original (原文链接,
  阅读原文, 原文地址, "Original article", ...), or WeChat's msg_source_url;
- {"kind": "wechat_link", "url": ...}: any link to a WeChat article on a page that is
  not itself on WeChat;
- {"kind": "canonical", "url": ...}: a rel=canonical / og:url on another site
  (`split_canonical` keeps the page's own URL as its identity and reports this);
- {"kind": "account", "name": ...}: a WeChat account credited as the source.

URLs are in `harvester.urls.canonicalize_url` form, as the archive keys articles.
Only claims are gathered here; whether a claimed original is in the archive, and
whether it really is the same story, is the archive's business.
"""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml import etree

from harvester.extract.dom import Doc, node_text
from harvester.urls import canonicalize_url, is_wechat

MAX_CLAIMS = 20  # a page full of links claims nothing in particular
SOURCE_LABELS = re.compile(r"原文链接|阅读原文|查看原文|原文地址|原文出处|原文网址|^\s*原文\s*$|"
                           r"original (article|story|link|post)|read the original|source link", re.I)
# 来源：深圳日报微信公众号 / 来源：微信公众号“深圳日报” / 转自公众号「鹏城双语」 / Source: WeChat account Shenzhen Daily
ACCOUNT_CREDIT = re.compile(
    r"(?:来源|来自|转自|转载自|稿件来源|文章来源|本文来源|source)\s*[:：|丨]?\s*"
    r"(?:(?:微信)?公众号|wechat(?: official)? account)?\s*[“\"「『《]?\s*"
    r"(?P<name>[^\s“”\"「」『』《》：:，,。;；|丨]{2,30}?)\s*[”\"」』》]?\s*"
    r"(?:(?:微信)?公众号|微信号|wechat(?: official)? account)", re.I)
ACCOUNT_CREDIT_AFTER = re.compile(
    r"(?:来源|来自|转自|转载自|稿件来源|文章来源|本文来源|source)\s*[:：|丨]?\s*"
    r"(?:(?:微信)?公众号|wechat(?: official)? account)\s*[:：]?\s*"
    r"(?:[“\"「『《](?P<quoted>[^”\"」』》]{2,30})[”\"」』》]"
    r"|(?P<latin>[A-Za-z][\w .&'’-]{1,40}?)\s*(?=$|[，,。;；|丨)）])"
    r"|(?P<name>[^\s“”\"「」『』《》：:，,。;；|丨]{2,30}))", re.I)
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'，。；]+")
_ANCHORS = etree.XPath("//body//a[@href]")
# own text of an element that may credit an account or label an original link
_CREDIT_WORDS = re.compile("公众号|原文|account", re.I)
CREDIT_LINE_MAX = 200


def site_of(host: str) -> str:
    """The registrable part of a host, roughly: www.a.example.com.cn -> example.com.cn."""
    labels = host.lower().strip(".").split(".")
    if len(labels) >= 3 and labels[-2] in ("com", "net", "org", "gov", "edu", "ac", "co"):
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def split_canonical(declared: str | None, url: str) -> tuple[str, str | None]:
    """(the page's canonical URL, a foreign canonical it declares or None).

    A rel=canonical on another site says "this is a copy of that page": the copy
    keeps its own URL as its identity (else the archive would file it as a version
    of the original) and the declared URL becomes a `canonical` claim.
    """
    own = canonicalize_url(url) if url else ""
    if not declared:
        return own, None
    declared_url = canonicalize_url(declared)
    page_host = urlsplit(url).hostname or ""
    declared_host = urlsplit(declared_url).hostname or ""
    if page_host and declared_host and urlsplit(url).scheme in ("http", "https") \
            and site_of(page_host) != site_of(declared_host):
        return own, declared_url
    return declared_url, None


def _link(href: str, base: str) -> str | None:
    url = urljoin(base, href.strip()) if base else href.strip()
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    return canonicalize_url(url)


def origin_claims(doc: Doc, canonical: str, foreign_canonical: str | None = None) -> list[dict[str, str]]:
    """The page's claims about where its story comes from (see the module docstring)."""
    claims: list[dict[str, str]] = []

    def add(kind: str, key: str, value: str | None) -> None:
        if not value or len(claims) >= MAX_CLAIMS:
            return
        value = value.strip()
        if value == canonical or any(c.get(key) == value and c["kind"] == kind for c in claims):
            return
        claims.append({"kind": kind, key: value})

    on_wechat = is_wechat(doc.url or canonical)
    if foreign_canonical:
        add("canonical", "url", foreign_canonical)
    if on_wechat:
        add("source_link", "url", _link(doc.script_var("msg_source_url"), doc.url))
    for anchor in _ANCHORS(doc.tree):
        href = (anchor.get("href") or "").strip()
        labelled = bool(SOURCE_LABELS.search(anchor.text_content()) or SOURCE_LABELS.search(_text_before(anchor)))
        if not labelled and (on_wechat or "weixin.qq.com" not in href):
            continue  # only labelled links and links to WeChat claim anything: the rest is never canonicalised
        url = _link(href, doc.url)
        if not url:
            continue
        if labelled:
            add("source_link", "url", url)
        elif is_wechat(url) and urlsplit(url).path.startswith("/s"):
            add("wechat_link", "url", url)
    for element in doc.elements_with_text(_CREDIT_WORDS, CREDIT_LINE_MAX)[:40]:
        text = node_text(element)
        label = SOURCE_LABELS.search(text)
        if label:  # 原文链接：https://mp.weixin.qq.com/s/... written out as text
            for found in _URL_IN_TEXT.findall(text[label.end():]):
                add("source_link", "url", _link(found, doc.url))
        match = ACCOUNT_CREDIT_AFTER.search(text) or ACCOUNT_CREDIT.search(text)
        if match:
            groups = match.groupdict()
            add("account", "name", groups.get("quoted") or groups.get("latin") or groups.get("name"))
    return claims


def _text_before(anchor: etree._Element, width: int = 16) -> str:
    """The few characters right before a link ('原文链接：<a>…</a>' labels the link)."""
    previous = anchor.getprevious()
    if previous is not None:
        text = previous.tail or ""
        if not text.strip():
            text = previous.text_content() if isinstance(previous.tag, str) else ""
    else:
        parent = anchor.getparent()
        text = (parent.text or "") if parent is not None else ""
    return " ".join(text.split())[-width:]
