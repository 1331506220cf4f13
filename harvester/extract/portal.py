"""Generic Chinese news-portal template (163, sina, qq, ifeng, thepaper, xinhuanet ...).

Portals agree on little markup but on the same words: a headline <h1>, then an info
line "2024年3月5日 10:20 来源：新华网 作者：张三". So the template reads meta tags
first, then that info line next to the headline.
"""
from __future__ import annotations

import json
import re

from lxml import etree

from harvester.extract.dates import DateCandidate, parse_date
from harvester.extract.dom import Doc, clean_space, node_text, spaced_text
from harvester.extract.language import detect
from harvester.extract.names import looks_like_names
from harvester.extract.rules import Rules
from harvester.extract.template import Template

# separators between a headline and the site name: '_', '|', dashes, a spaced hyphen; a bare hyphen
# only next to a Chinese character ('标题-新华网') or doubled ('Title--Xinhua'): 'Macao-funded' is one word
_SITE_SPLIT = re.compile(r"\s*(?:_|\||｜|—|–|\s-{1,2}\s|--(?=\D)|(?<=[\u4e00-\u9fff》”）])-(?=\D)|-(?=[\u4e00-\u9fff《“]))\s*")
# a mostly-Chinese title has no hyphenated words: there a bare hyphen between Latin letters separates too
# ('…算力提升三成GPU-EDN 电子设计周刊')
_SITE_SPLIT_ZH = re.compile(r"\s*(?:_|\||｜|—|–| - |-{1,2}(?=[^\d]))\s*")
# right after the headline any hyphen is a separator ('…deepens-Xinhua')
_SITE_LEAD = re.compile(r"\s*(?:_|\||｜|—|–|-{1,2}(?=\D))\s*")
_SOURCE_RX = re.compile(r"(?:来源|来自|稿源|出处|Source)\s*[:：]\s*([A-Z][\w'’.&-]*(?:\s+[A-Z][\w'’.&-]*)*"
                        r"(?:\s+[\u4e00-\u9fff]{2,8})?|[^\s|｜_　]{2,30})", re.I)
_ACCOUNT_WORD = re.compile(r"\s*(?:微信公众号|公众号)$")
# English info-bar field labels: "By Li Wen Source: Pearl Post Published: Mar 12, 2024" run together
# in one line; a field's value stops where the next label starts
EN_FIELD_LABELS = ("Author", "By", "Editor", "Editors", "Updated", "Writer", "Source", "Published", "Posted",
                   "Date", "Photo", "Photos", "Reporter", "Release time", "Last updated")
# where a run-together info line continues after the source name: the next field's key (Chinese keys,
# a listed English label, or any capitalised word followed by a colon) or a date
_EN_LABEL_ALT = "|".join(sorted(EN_FIELD_LABELS, key=len, reverse=True))
# a label glued to the previous field's last word ('SZ GlobalBy Huang Lixin'): a lower-case letter,
# then a capitalised label followed by a blank and a capitalised name, or by a colon
_GLUED_LABEL = r"(?<=[a-z])(?:" + _EN_LABEL_ALT + r")(?=\s+[A-Z]|\s*[:：])"
_SOURCE_END = re.compile(r"(作者|记者|编辑|责任编辑|原标题|发布时间|时间|通讯员|\d+\s*人参与|\d{4}[-年/]|\s+(?:"
                         + _EN_LABEL_ALT + r")\b|" + _GLUED_LABEL + r"|\s+[A-Z][A-Za-z]{1,15}\s*[:：]).*$")
# "作者：张三" / "记者 李四 王五": a key, then a separator (a colon or a space), then names
_AUTHOR_RX = re.compile(r"(?:作者|记者|撰文|撰稿)\s*(?:[:：]\s*|\s+)"
                        r"([\u4e00-\u9fff·]{2,8}(?:[ 、，,]+[\u4e00-\u9fff·]{2,8}){0,3})(?![\u4e00-\u9fff])")
_AUTHOR_EN_RX = re.compile(r"(?:^|[|\s]|(?<=[a-z]))(?:By|Author:|Writer:)[ \t]+([A-Z][\w'’\-]+(?:[ \t]+[A-Z][\w'’\-]+){0,3}"
                           r"(?:[ \t]*(?:,|and)[ \t]*[A-Z][\w'’\-]+(?:[ \t]+[A-Z][\w'’\-]+){0,3})?)")
# words that may follow a byline's name on its line ('By Li Wen in Shenzhen', 'By Li Wen and …'); any other
# lower-case word after the name means a sentence has begun and its first word is no part of the name
_DATELINE_WORDS = frozenset("in at for from and of with via on | updated published".split())
# words that end a name list on an info line: the next field's key, or a photo credit
_NAME_STOPS = ("来源", "来自", "稿源", "出处", "通讯员", "编辑", "责任编辑", "责编", "摄影", "摄", "实习生", "发布", "时间",
               "原标题", "评论", "阅读", "字号", "记者", "作者", "本报", "报道", "图", "审核", "校对", "日期", "浏览",
               "点击", "人气", "访问", "热度", "次数", "查看", "分享", "收藏", "打印", "字体", "发表",
               # what a reporter did, not a second name: '（记者陈立 整合）'
               "整合", "整理", "编译", "综合", "综述", "采访", "供稿", "发自")
# the explicit publication metas first (scholarly pages: the Highwire citation_* tags every journal platform prints)
_DATE_META = ("article:published_time", "og:article:published_time", "og:published_time", "datepublished",
              "citation_publication_date", "citation_date", "citation_online_date", "prism.publicationdate",
              "pubdate", "publishdate", "publish_date", "publishtime", "publish-date", "dc.date",
              "dc.date.issued", "dcterms.created", "weibo:article:create_at", "og:release_date",
              "bytedance:published_time", "sailthru.date", "article.published", "date", "apub:time")
_EXPLICIT_DATES = 8


INFO_MAX = 300  # characters: an info line is short; a longer block is the article


ROLE_PREFIX = re.compile(r"^(?:本报|本刊|本台|特约|首席)?(?:记者|通讯员|实习生)")


def author_from_info(info: str) -> str | None:
    """'作者：黄思敏 来源：深圳商报' -> '黄思敏'; '记者 王晓丹 通讯员 林晨' -> '王晓丹'; 'By Liu Xiaoxiao'."""
    for m in _AUTHOR_RX.finditer(info):
        rest = info[m.end():m.end() + 3].lstrip()
        if rest.startswith("摄"):
            continue  # "记者 王晓 摄" credits a photo, not the article
        kept: list[str] = []
        for name in re.split(r"[ 、，,]+", m.group(1)):
            bare = ROLE_PREFIX.sub("", name)
            if bare and not kept:  # '作者：记者王敬照': a role glued to the first name is no part of it
                name = bare
            # the stop word that comes first in the name ("余聪责任编辑屈运栩": 责任编辑, not 编辑)
            at = min((name.index(k) for k in _NAME_STOPS if k in name), default=None)
            if at is not None:
                head = name[:at]
                if len(head) >= 2:
                    kept.append(head)
                break
            kept.append(name)
        if kept:
            return ("、" if "、" in m.group(1) else " ").join(kept)  # the names joined as the page joins them
    m = _AUTHOR_EN_RX.search(info)
    if m:
        value = _SOURCE_END.sub("", m.group(1)).strip()
        after = info[m.end():].split()
        words = value.split()
        if len(words) > 2 and after and after[0][:1].islower() and after[0].lower() not in _DATELINE_WORDS:
            value = " ".join(words[:-1])  # 'By Chen Lu Travelers can now …': 'Travelers' starts the sentence
        return value or None
    return None


_ID_LIKE = re.compile(r"^[A-Za-z]{0,4}[_\-]?\d{3,}$")
_WORDS = re.compile(r"[A-Za-z][A-Za-z!]{2,}|[\u4e00-\u9fff]{2}")


def credible_meta_author(doc: Doc, value: str | None) -> str | None:
    """A meta author that names a person: not a CMS user id ('L_104485'), not the software's
    maker (it shares a word with meta generator: 'Discuz! Team' beside 'Discuz! X3.4'), not the
    publisher (dc.publisher, citation_publisher)."""
    value = (value or "").strip()
    if not value or value.startswith("http") or _ID_LIKE.match(value) or not re.search(r"[^\W\d_]", value):
        return None
    generator = doc.meta_value("generator")
    if generator and set(_WORDS.findall(value.lower())) & set(_WORDS.findall(generator.lower())):
        return None
    for key in ("dc.publisher", "citation_publisher", "og:site_name"):
        if "".join(doc.meta_value(key).split()) == "".join(value.split()):
            return None
    return value


_CITATION_AUTHORS = etree.XPath("//meta[@name='citation_author' or @name='DC.creator' or @name='dc.creator']/@content")


def scholarly_authors(doc: Doc) -> list[str]:
    """Every author of a scholarly page: one citation_author (or dc.creator) meta each, in order."""
    names: list[str] = []
    for value in _CITATION_AUTHORS(doc.tree):
        name = " ".join(str(value).split())
        if name and name not in names:
            names.append(name)
    return names


def is_name_like(value: str) -> bool:
    """An author value names someone: a URL or a bare number ('104727', a CMS user id) does not."""
    value = value.strip()
    return bool(value) and not value.startswith("http") and bool(re.search(r"[^\W\d_]", value))


class PortalTemplate(Template):
    name = "portal"
    info_xpath = ("//*[contains(@class,'post_info') or contains(@class,'post_time_source') or "
                   "contains(@class,'article-info') or contains(@class,'info') or contains(@class,'source') or "
                   "contains(@class,'date') or contains(@class,'time') or contains(@id,'pubtime') or "
                   "contains(@class,'meta')][string-length(normalize-space()) < 300]")
    source_xpaths = ("//*[contains(@class,'source') or contains(@id,'source')][string-length(normalize-space()) < 80]",)

    def __init__(self, rules: Rules) -> None:
        self.rules = rules  # title labels (rules [titles]) are read from the rules file

    def matches(self, doc: Doc) -> bool:
        return True

    def headline_element(self, doc: Doc) -> etree._Element | None:
        """The story's <h1>: the first one, unless that one is the site's name (a logo set in
        <h1>: 'CityLab' over a 'Headline - CityLab' title) and a later one is the headline."""
        if "portal.headline" in doc.cache:
            return doc.cache["portal.headline"]  # type: ignore[return-value]
        h1s = _H1S(doc.tree)[:HEADLINE_CANDIDATES]
        chosen = h1s[0] if h1s else self.info_heading(doc)
        if len(h1s) > 1 and self.is_site_name(doc, node_text(h1s[0])):
            chosen = next((h for h in h1s[1:] if not self.is_site_name(doc, node_text(h))), chosen)
        doc.cache["portal.headline"] = chosen
        return chosen

    def info_heading(self, doc: Doc) -> etree._Element | None:
        """With no <h1>: the first other heading (<h2>-<h6>, a block of class "title") followed within a
        few elements by the info line (a date with 发布时间/日期/来源/作者 or 'Published'), e.g.
        '<h5>headline</h5><div>发布时间：2019-05-18 来源：…</div>'. None when no heading is so followed."""
        r = self.rules
        for el in _INFO_HEADINGS(doc.tree)[:r.info_heading_candidates]:
            text = node_text(el)
            if not 4 <= len(text) <= r.info_heading_max or _INFO_LABEL.search(text):
                continue
            seen = 0
            for sib in el.itersiblings():
                if not isinstance(sib.tag, str):
                    continue
                info = node_text(sib)
                if not info:
                    continue  # a spacer or a rule line
                if len(info) <= INFO_MAX and _INFO_LABEL.search(info) and _CLOCK_OR_DATE.search(info):
                    return el
                seen += 1
                if seen >= r.info_heading_siblings:
                    break
        return None

    def is_site_name(self, doc: Doc, text: str) -> bool:
        """Whether a line is the site's own name: og:site_name / application-name, or a part of
        the <title> beside its headline ('Headline - CityLab', 'Headline @ Blog :: Platform ::')."""
        key = _site_key(text)
        if not key:
            return False
        names = {doc.meta_value("og:site_name"), doc.meta_value("application-name")}
        if key in {_site_key(n) for n in names if n}:
            return True
        title, printed = self.title_headline(doc)
        if printed:  # the title's headline is printed on the page: the rest of the title is the site's
            rest = title.replace(printed, "\x00", 1).split("\x00")
            return any(key in _site_key(side) for side in rest) and _site_key(printed) != key
        parts = [p for p in _site_split(title).split(title) if p] if title else []
        if len(parts) > 1:
            head = strip_site_suffix(title, doc.meta_value("og:site_name"))
            return key in {_site_key(p) for p in parts if p != head}
        return False

    def title_headline(self, doc: Doc) -> tuple[str, str]:
        """(<title> or og:title, the part of it the page prints as a heading): the longest <h1>/<h2>
        text that stands in the title between separators or at an end ('蔡健雅' in '蔡健雅_百科站',
        'Headline' in 'Headline @ Blog :: Platform ::'); '' when no heading is printed there."""
        cached = doc.cache.get("portal.title_headline")
        if isinstance(cached, tuple):
            return cached  # type: ignore[return-value]
        title = clean_space(node_text(doc.tree.find(".//title")) or doc.meta_value("og:title"))
        best = ""
        if title:
            for el in _HEADINGS(doc.tree)[:HEADING_CANDIDATES]:
                text = node_text(el)
                if len(text) < 2 or len(text) > len(title) or _weight(text) <= _weight(best):
                    continue
                at = title.find(text)
                while at >= 0:
                    before, after = title[:at], title[at + len(text):]
                    if _TITLE_EDGE_BEFORE.search(before) and _TITLE_EDGE_AFTER.match(after) \
                            and (before.strip() or after.strip(_EDGE_PUNCT) or text == title):
                        best = text
                        break
                    at = title.find(text, at + 1)
        value = (title, best)
        doc.cache["portal.title_headline"] = value
        return value

    def headline(self, doc: Doc) -> str:
        return node_text(self.headline_element(doc))

    def title(self, doc: Doc) -> str | None:
        h1 = self.headline(doc)
        if h1 and self.is_site_name(doc, h1):
            h1 = ""  # a logo's <h1> is no headline
        og = doc.meta_value("og:title", "twitter:title")
        html_title = node_text(doc.tree.find(".//title"))
        for full in (og, html_title):
            if h1 and full and (h1 in full or full in h1):
                return h1
        _title, printed = self.title_headline(doc)
        if printed and not self.is_site_name(doc, printed):
            return printed  # the title's headline part, as the page prints it in a heading
        if h1 and self.headline_element(doc).tag != "h1":
            return h1  # no <h1>, and the <title> prints no heading: the heading over the info line
        site = doc.meta_value("og:site_name")
        if og:
            return strip_site_suffix(og, site)
        if html_title:
            return strip_site_suffix(html_title, site)
        return h1 or None

    def info_text(self, doc: Doc) -> str:
        """The info line(s) near the headline, where date/source/author are printed (computed once)."""
        cached = doc.cache.get("portal.info_text")
        if isinstance(cached, str):
            return cached
        # spaced: the fields of an info bar are often touching <span>s with no blank between
        texts = [spaced_text(el) for el in _INFO_XPATH(doc.tree)[:12]]
        h1 = self.headline_element(doc)
        if h1 is not None:
            # the line(s) right under the headline; never the body further down
            parent = h1.getparent()
            parent_text = _info_text_of(parent) if parent is not None else ""
            if parent_text and len(parent_text) <= INFO_MAX:
                texts.append(parent_text)
            else:
                siblings = [el for el in h1.itersiblings() if isinstance(el.tag, str)][:3]
                texts.extend(_info_text_of(sib)[:INFO_MAX] for sib in siblings)
        value = " | ".join(t for t in texts if t)
        doc.cache["portal.info_text"] = value
        return value

    def published(self, doc: Doc) -> str | None:
        """Explicit publication metas, then JSON-LD datePublished, then looser metas, <time>, the info line.

        Looser metas (og:release_date, pubdate, date ...) often carry the update time,
        so JSON-LD's datePublished outranks them. A date-only value loses to the info
        line's time on the same day.
        """
        info = parse_date(self.info_text(doc))
        candidates = [doc.meta.get(key) for key in _DATE_META[:_EXPLICIT_DATES]]
        candidates.append(_jsonld_value(doc, "datePublished"))
        candidates.extend(doc.meta.get(key) for key in _DATE_META[_EXPLICIT_DATES:])
        candidates.extend(el.get("datetime") for el in _TIME_XPATH(doc.tree)[:3])
        for raw in candidates:
            value = parse_date(raw)
            if value:
                if value.endswith("T00:00:00+08:00") and info and info[:10] == value[:10]:
                    return info
                return value
        return info

    def date_candidates(self, doc: Doc, weights) -> list[DateCandidate]:
        """Every reading of the date the markup offers, with its weight (rules [bylines.weights]):
        the first explicit publication meta, JSON-LD datePublished, the first looser meta,
        the first <time datetime>, the info line near the headline."""
        found: list[DateCandidate] = []

        def add(raw: str | None, source: str, weight: float) -> None:
            value = parse_date(raw)
            if value:
                found.append(DateCandidate(value, source, weight))

        add(next((v for v in (doc.meta.get(k) for k in _DATE_META[:_EXPLICIT_DATES]) if parse_date(v)), None), "meta",
            weights.weight_meta)
        add(_jsonld_value(doc, "datePublished"), "json-ld", weights.weight_meta)
        add(next((v for v in (doc.meta.get(k) for k in _DATE_META[_EXPLICIT_DATES:]) if parse_date(v)), None), "loose meta",
            weights.weight_loose)
        add(next((el.get("datetime") for el in _TIME_XPATH(doc.tree)[:3] if parse_date(el.get("datetime"))), None),
            "time element", weights.weight_loose)
        add(self.info_text(doc), "info line", weights.weight_info)
        return found

    def source(self, doc: Doc) -> str | None:
        m = _SOURCE_RX.search(self.info_text(doc))
        if m:
            value = _SOURCE_END.sub("", m.group(1)).strip("：:,，")
            # 来源：深圳日报微信公众号 credits the account 深圳日报
            value = _ACCOUNT_WORD.sub("", value) if len(_ACCOUNT_WORD.sub("", value)) >= 2 else value
            if len(value) >= 2:
                return value
        value = doc.meta_value("source", "article:publisher_name", "og:article:author", "citation_journal_title")
        value = re.sub(r"^(来源|Source)\s*[:：]\s*", "", value, flags=re.I)
        return value or None

    def story_heading(self, doc: Doc) -> etree._Element | None:
        """The story's headline element: its <h1>, or the <h1>/<h2> the <title> prints when no <h1> is it."""
        el = self.headline_element(doc)
        if el is not None and not self.is_site_name(doc, node_text(el)):
            return el
        _title, printed = self.title_headline(doc)
        if not printed:
            return None
        return next((h for h in _HEADINGS(doc.tree)[:HEADING_CANDIDATES] if node_text(h) == printed), None)

    def unlabelled_source(self, doc: Doc) -> str | None:
        """The outlet or publishing account printed with no label right before the publication time under
        the headline: '<span>某某日报</span><span>2019-09-09 16:01</span>' (an info bar), '<p class=author-name>
        账号名</p><div><span class=date>发布时间：…</span></div>' (a platform post beside its avatar). A person's
        name there is the author's byline, not a source."""
        heading = self.story_heading(doc)
        if heading is None:
            return None
        cell = None
        for el in _AFTER_HEADING(heading):
            text = node_text(el)
            if len(text) <= TIME_CELL_MAX and _CLOCK_OR_DATE.search(text):
                cell = el
                break
            if el.tag == "p" and len(text) > TIME_CELL_MAX:
                return None  # the body has begun: no info bar under this headline
        if cell is None:
            return None
        while True:  # the innermost element that holds the time
            inner = next((c for c in cell if isinstance(c.tag, str) and _CLOCK_OR_DATE.search(node_text(c))), None)
            if inner is None:
                break
            cell = inner
        node = cell
        for _level in range(UNLABELLED_SOURCE_LEVELS):
            prev = node.getprevious()
            while prev is not None and (not isinstance(prev.tag, str) or not node_text(prev)):
                prev = prev.getprevious()
            if prev is not None:
                value = node_text(prev)
                heading_text = node_text(heading)
                if prev is heading or heading in prev.iterdescendants() or value in heading_text:
                    return None  # the headline itself stands right before the time
                if _SECTION_MARK.search(" ".join(f"{e.get('class') or ''} {e.get('id') or ''}"
                                                 for e in (prev, *prev.iterdescendants()) if isinstance(e.tag, str))):
                    return None  # the channel or category the story is filed under, no outlet
                return value if self._outlet_like(doc, value) else None
            node = node.getparent()
            if node is None or heading in node.iterancestors() or node is heading.getparent():
                return None
        return None

    def _outlet_like(self, doc: Doc, value: str) -> bool:
        """A short name an outlet or account goes by: words, no label, field separator, date, count or
        web address, no English byline, no widget word, no person's name."""
        if not 2 <= len(value) <= UNLABELLED_SOURCE_MAX or not re.search(r"[^\W\d_]", value) \
                or re.search(r"[:：|｜,，。、/()（）\[\]【】]|\d{2}|\w\.\w", value) or _BYLINE_LEAD.match(value) \
                or value.lower() in self.rules.nav_words:
            return False
        return not looks_like_names(value, self.rules) and not self.is_site_name(doc, value)

    def source_element(self, doc: Doc) -> str | None:
        """The one element marked as the source (<a class="source ent-source">深圳商报</a>).

        Only a class/id word that *is* 'source' (or ends in -source/_source) counts, and
        the page must name one source: several different texts are a list (related
        items, a knowledge-graph panel), not the article's source.
        """
        found: set[str] = set()
        for el in _SOURCE_XPATH(doc.tree)[:8]:
            words = f"{el.get('class') or ''} {el.get('id') or ''}".lower().split()
            if el.tag in ("script", "style", "meta", "link") or \
                    not any(w == "source" or w.endswith(("-source", "_source")) for w in words):
                continue
            value = re.sub(r"^(来源|稿源|Source)\s*[:：]?\s*", "", node_text(el), flags=re.I).strip()
            if value:
                found.add(value)
        # a "date-source" line holding a "source" span: the innermost text is the name
        found = {v for v in found if not any(o != v and o in v for o in found)}
        if len(found) != 1:
            return None
        value = found.pop()
        if 2 <= len(value) <= 30 and not parse_date(value) and not re.search(r"[。，,：:⋅·|]", value):
            return value
        return None

    def author(self, doc: Doc) -> str | None:
        """A scholarly meta (citation_author, dc.creator) first, then a credible meta author, then the info line."""
        names = [n for n in scholarly_authors(doc) if credible_meta_author(doc, n)]
        if len(names) > 1:  # a paper's several authors, one meta each
            return " ".join(names)
        for key in ("citation_author", "citation_authors", "dc.creator", "author", "article:author"):
            value = credible_meta_author(doc, doc.meta_value(key))
            if value:
                return " ".join(value.split()) if re.search(r"[\u4e00-\u9fff]", value) is None else \
                    re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", value)
        return author_from_info(self.info_text(doc))

    def titles(self, doc: Doc) -> tuple[str | None, str | None]:
        """A headline box near the top labelled 中文标题 / English title: (title_en, title_zh);
        else a subtitle in the other language right under the headline."""
        en, zh = labelled_titles(doc, self.rules)
        if en or zh:
            return en, zh
        return subtitle_titles(doc, self.headline_element(doc))

    def canonical_url(self, doc: Doc) -> str | None:
        for url in (doc.meta_value("link:canonical"), doc.meta_value("og:url")):
            if url and url.startswith("http"):
                return url
        return None


# the same query, first asking for a class or an id: most elements have neither and are passed over at once
_INFO_XPATH = etree.XPath("//*[@class or @id]" + PortalTemplate.info_xpath.removeprefix("//*"))
_H1S = etree.XPath("//h1[normalize-space()]")
_INFO_HEADINGS = etree.XPath(
    "//*[self::h2 or self::h3 or self::h4 or self::h5 or self::h6"
    " or contains(concat(' ', translate(@class, '_-', '  '), ' '), ' title ')][normalize-space()]")
_INFO_LABEL = re.compile(r"发布时间|发表时间|发布日期|时间\s*[:：]|日期\s*[:：]|来源\s*[:：]|作者\s*[:：]|\bPublished\b|\bPosted\b", re.I)
HEADLINE_CANDIDATES = 5  # <h1>s looked at for the story's headline
_AFTER_HEADING = etree.XPath("following::*[position() <= 25]")  # where the info bar under the headline stands
_CLOCK_OR_DATE = re.compile(r"\d{1,2}:\d{2}|\d{1,2}[-/月]\d{1,2}")
TIME_CELL_MAX = 40  # characters of a time cell ('发布时间：2019-09-30 22:46')
UNLABELLED_SOURCE_LEVELS = 2  # the time cell or its parent has the name cell right before it
UNLABELLED_SOURCE_MAX = 20  # characters of an outlet's or account's name
_SECTION_MARK = re.compile(r"categor|channel|column|section|crumb|\btags?\b|\bnav", re.I)
_BYLINE_LEAD = re.compile(r"(?:By|From|Via)\s", re.I)  # 'By Li Wen': an English byline, no outlet
_HEADINGS = etree.XPath("//h1[normalize-space()] | //h2[normalize-space()]")
HEADING_CANDIDATES = 12  # <h1>/<h2>s looked at for the title's headline part
_EDGE_PUNCT = " _|｜—–-:：@·•»>"
# a headline part of a <title> stands at its start or after a separator, and ends it or a separator follows
_TITLE_EDGE_BEFORE = re.compile(r"(?:^|[\s_|｜—–:：@·•»>-])$")
_TITLE_EDGE_AFTER = re.compile(r"^(?:$|[\s_|｜—–:：@·•»>-])")


def _weight(text: str) -> int:
    """A text's length with a Chinese character weighing two Latin letters."""
    return len(text) + len(re.findall(r"[\u4e00-\u9fff]", text))


def _site_key(text: str | None) -> str:
    """A name compared without case, blanks or edge punctuation ('CityLab', 'citylab ')."""
    return "".join((text or "").split()).strip("-_|｜—–·:：.").casefold()


_STRING = etree.XPath("string()")


def _info_text_of(el: etree._Element) -> str:
    """spaced_text of a short element; of a long one (the article body beside the headline) only
    its first characters, read without walking the whole subtree."""
    raw = str(_STRING(el))
    if len(raw) <= 3 * INFO_MAX:
        return spaced_text(el)
    return " ".join(raw[:3 * INFO_MAX].split())[:INFO_MAX + 1]
# short elements whose own text may be a title label (the words every label in rules [titles] contains)
# own text that may be a title label (the words every label in rules [titles] contains)
_TITLE_LABEL_WORDS = re.compile("标题|標題|题目|題目|eadline|itle")
TITLE_LABEL_BOX_MAX = 200
_LABEL_DECOR = " \t:：|｜-—【】[]()（）<>《》"


def labelled_titles(doc: Doc, rules: Rules) -> tuple[str | None, str | None]:
    """(title_en, title_zh) from boxes such as `<span>中文标题</span><h2>啟德體育園…</h2>`.

    The label is the element's own first text (rules [titles]); the title is the rest of
    that element after the label, else the next element beside it. A value must be in the
    language its label names.
    """
    cached = doc.cache.get("portal.labelled_titles")
    if isinstance(cached, tuple):
        return cached
    found: dict[str, str] = {}
    boxes = doc.elements_with_text(_TITLE_LABEL_WORDS, TITLE_LABEL_BOX_MAX - 1) if rules.title_labels else []
    for el in [b for b in boxes if b.tag not in ("h1", "title")][:10]:
        own = clean_space(el.text or "")
        label = next((lab for lab in sorted(rules.title_labels, key=len, reverse=True)
                      if own.strip(_LABEL_DECOR).lower().startswith(lab)), None)
        if label is None:
            continue
        lang = rules.title_labels[label]
        rest = own.strip(_LABEL_DECOR)[len(label):].strip(_LABEL_DECOR)
        value = rest or (node_text(el[0]) if len(el) else "")
        if not value:
            sib = el.getnext()
            while sib is not None and not isinstance(sib.tag, str):
                sib = sib.getnext()
            value = node_text(sib) if sib is not None else ""
        value = value.strip(_LABEL_DECOR)
        if value and len(value) <= rules.title_box_max and detect(value) == lang:
            found.setdefault(lang, value)
    result = (found.get("en"), found.get("zh"))
    doc.cache["portal.labelled_titles"] = result
    return result
SUBTITLE_MAX = 120  # characters: a headline, not a standfirst paragraph
_SUBTITLE_TAGS = ("h2", "h3", "h4", "h5", "h6")
_SUBTITLE_CLASS = re.compile(r"title|headline|subhead|(?:^|[-_\s])(?:zh|cn|en)(?:$|[-_\s])", re.I)
_SENTENCE_END = re.compile(r"[.。!?！？;；]\s*$")
_NOT_A_TITLE = re.compile(r"来源|作者|记者|编辑|发布|Source\s*:|Editor|By\s+[A-Z]|[:：]\s*$")


def subtitle_titles(doc: Doc, h1: etree._Element | None) -> tuple[str | None, str | None]:
    """(title_en, title_zh) from an English <h1> with a Chinese subtitle right under it (or vice versa).

    Bilingual portals print `<h1>English headline</h1><h2 class="title-zh">中文标题</h2>`: the
    element right after the headline, when it is a heading (h2-h6 or a title-like class),
    headline-sized, single-language and in the other language than the <h1>, is the other-language title.
    A plain line (p, div, span) counts too when it reads as a headline (no sentence end).
    """
    if h1 is None:
        return None, None
    head = node_text(h1)
    lang = detect(head) if head else None
    if lang not in ("en", "zh"):
        return None, None
    sib = h1.getnext()
    while sib is not None and not isinstance(sib.tag, str):
        sib = sib.getnext()
    if sib is None:
        return None, None
    value = node_text(sib)
    titled = sib.tag in _SUBTITLE_TAGS or _SUBTITLE_CLASS.search(sib.get("class") or "")
    # a plain line (p, div, span) counts too when it reads as a headline: no sentence end
    if not value or len(value) > SUBTITLE_MAX or len(sib.xpath(".//a|.//img")) or _NOT_A_TITLE.search(value) \
            or parse_date(value) or (not titled and _SENTENCE_END.search(value)):
        return None, None
    other = detect(value)
    if other not in ("en", "zh") or other == lang:
        return None, None
    return (head, value) if lang == "en" else (value, head)


_TIME_XPATH = etree.XPath("//time[@datetime]")
_SOURCE_XPATH = etree.XPath(PortalTemplate.source_xpaths[0])


def _site_split(title: str) -> re.Pattern[str]:
    """The separator pattern for this title: Chinese-dominant titles split at any bare hyphen."""
    han = len(re.findall(r"[\u4e00-\u9fff]", title))
    return _SITE_SPLIT_ZH if han > len(re.findall(r"[A-Za-z]", title)) else _SITE_SPLIT


def strip_site_suffix(title: str, site: str | None = None) -> str:
    """'标题_网易新闻' / '标题 - 新华网' -> '标题' (the longest part wins).

    A hyphen inside a word ('Macao-funded') is no separator; when the site's name is known
    (og:site_name), '…deepens-Xinhua' loses that name after whatever separator.
    """
    title = clean_space(title)
    site = clean_space(site or "")
    if site and len(title) > len(site) + 3 and title.endswith(site):
        head = title[:-len(site)]
        if head.rstrip()[-1:] in "-_|｜—–·:：":
            return head.rstrip().rstrip("-_|｜—–·:：").strip()
    parts = [p for p in _site_split(title).split(title) if p]
    if len(parts) < 2:
        return title
    # a Chinese character weighs two Latin letters: '…再就业(页 1) - 学术前沿 - powered by Discuz! Archiver'
    return max(parts, key=lambda p: len(p) + len(re.findall(r"[\u4e00-\u9fff]", p)))


def site_from_title(title: str, headline: str) -> str | None:
    """'Shenzhen opens its 1,300th park - Shenzhen Daily' -> 'Shenzhen Daily' (the part that is not the headline)."""
    title, headline = clean_space(title or ""), clean_space(headline or "")
    if not title or not headline or headline not in title:
        return None
    rest = title.replace(headline, "\x00", 1).split("\x00")[1]
    lead = _SITE_LEAD.match(rest)
    if not lead:
        return None
    parts = [p for p in _site_split(title).split(rest[lead.end():]) if p.strip()]
    if not parts:
        return None
    site = parts[-1].strip()
    return site if 2 <= len(site) <= 30 and site not in headline else None


def _jsonld_value(doc: Doc, key: str) -> str | None:
    scripts = [s for s in doc.tree.iter("script") if (s.get("type") or "").lower() == "application/ld+json"]
    for script in scripts[:5]:
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
