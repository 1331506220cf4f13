"""Generic Chinese news-portal template (163, sina, qq, ifeng, thepaper, xinhuanet ...).

Portals agree on little markup but on the same words: a headline <h1>, then an info
line "2024年3月5日 10:20 来源：新华网 作者：张三". So the template reads meta tags
first, then that info line next to the headline.
"""
from __future__ import annotations

import json
import re

from lxml import etree

from harvester.extract.dates import parse_date
from harvester.extract.dom import Doc, clean_space, node_text
from harvester.extract.template import Template

_SITE_SPLIT = re.compile(r"\s*(?:_|\||｜|—|–| - |-{1,2}(?=[^\d]))\s*")
_SOURCE_RX = re.compile(r"(?:来源|来自|稿源|出处|Source)\s*[:：]\s*([A-Z][\w'’.&-]*(?:\s+[A-Z][\w'’.&-]*)*"
                        r"(?:\s+[\u4e00-\u9fff]{2,8})?|[^\s|｜_　]{2,30})", re.I)
# where a run-together info line continues after the source name
_SOURCE_END = re.compile(r"(作者|记者|编辑|责任编辑|原标题|发布时间|时间|通讯员|\d+\s*人参与|\d{4}[-年/]|\s+(?:Author|By|Editor|Updated|Writer)\b).*$")
_AUTHOR_RX = re.compile(r"(?:作者|记者|撰文|By)\s*[:：]?\s*([\u4e00-\u9fff·]{2,8}(?:[ 、，,][\u4e00-\u9fff·]{2,8}){0,2})")
_DATE_META = ("article:published_time", "og:article:published_time", "og:published_time", "datepublished",
              "pubdate", "publishdate", "publish_date", "publishtime", "publish-date", "dc.date",
              "dc.date.issued", "dcterms.created", "weibo:article:create_at", "og:release_date",
              "bytedance:published_time", "sailthru.date", "article.published", "date", "apub:time")


class PortalTemplate(Template):
    name = "portal"
    headline_xpath = "(//h1[normalize-space()])[1]"
    info_xpath = ("//*[contains(@class,'post_info') or contains(@class,'post_time_source') or "
                   "contains(@class,'article-info') or contains(@class,'info') or contains(@class,'source') or "
                   "contains(@class,'date') or contains(@class,'time') or contains(@id,'pubtime') or "
                   "contains(@class,'meta')][string-length(normalize-space()) < 300]")
    source_xpaths = ("//*[contains(@class,'source') or contains(@id,'source')][string-length(normalize-space()) < 80]",)

    def matches(self, doc: Doc) -> bool:
        return True

    def headline(self, doc: Doc) -> str:
        return node_text(doc.first(self.headline_xpath))

    def title(self, doc: Doc) -> str | None:
        h1 = self.headline(doc)
        og = doc.meta_value("og:title", "twitter:title")
        html_title = node_text(doc.tree.find(".//title"))
        for full in (og, html_title):
            if h1 and full and (h1 in full or full in h1):
                return h1
        if og:
            return strip_site_suffix(og)
        if html_title:
            return strip_site_suffix(html_title)
        return h1 or None

    def info_text(self, doc: Doc) -> str:
        """The info line(s) near the headline, where date/source/author are printed (computed once)."""
        cached = doc.cache.get("portal.info_text")
        if isinstance(cached, str):
            return cached
        texts = [node_text(el) for el in _INFO_XPATH(doc.tree)[:12]]
        h1 = doc.first(self.headline_xpath)
        if h1 is not None:
            parent = h1.getparent()
            if parent is not None:
                texts.append(node_text(parent)[:400])
        value = " | ".join(t for t in texts if t)
        doc.cache["portal.info_text"] = value
        return value

    def published(self, doc: Doc) -> str | None:
        info = parse_date(self.info_text(doc))
        for key in _DATE_META:
            value = parse_date(doc.meta.get(key))
            if value:
                # a date-only meta loses to the info line's time on the same day
                if value.endswith("T00:00:00+08:00") and info and info[:10] == value[:10]:
                    return info
                return value
        value = parse_date(_jsonld_value(doc, "datePublished"))
        if value:
            return value
        for el in doc.tree.xpath("//time[@datetime]")[:3]:
            value = parse_date(el.get("datetime"))
            if value:
                return value
        return parse_date(self.info_text(doc))

    def source(self, doc: Doc) -> str | None:
        m = _SOURCE_RX.search(self.info_text(doc))
        if m:
            value = _SOURCE_END.sub("", m.group(1)).strip("：:,，")
            if len(value) >= 2:
                return value
        value = doc.meta_value("source", "article:publisher_name", "og:article:author")
        return re.sub(r"^(来源|Source)\s*[:：]\s*", "", value, flags=re.I) or None

    def author(self, doc: Doc) -> str | None:
        value = doc.meta_value("author", "article:author", "dc.creator")
        if value and not value.startswith("http"):
            return value
        m = _AUTHOR_RX.search(self.info_text(doc))
        return _SOURCE_END.sub("", m.group(1)).strip() or None if m else None

    def canonical_url(self, doc: Doc) -> str | None:
        for url in (doc.meta_value("link:canonical"), doc.meta_value("og:url")):
            if url and url.startswith("http"):
                return url
        return None


_INFO_XPATH = etree.XPath(PortalTemplate.info_xpath)


def strip_site_suffix(title: str) -> str:
    """'标题_网易新闻' / '标题 - 新华网' -> '标题' (the longest part wins)."""
    title = clean_space(title)
    parts = [p for p in _SITE_SPLIT.split(title) if p]
    if len(parts) < 2:
        return title
    return max(parts, key=len)


def _jsonld_value(doc: Doc, key: str) -> str | None:
    for script in doc.tree.xpath("//script[@type='application/ld+json']")[:5]:
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        items = data if isinstance(data, list) else [data]
        for item in items:
            if isinstance(item, dict):
                for cand in [item] + [g for g in item.get("@graph", []) if isinstance(g, dict)]:
                    if cand.get(key):
                        return str(cand[key])
    return None
