"""Dates and authors read where a reader finds them: the byline between headline and body.

Chinese portals, forums and blogs of every decade print the same kind of line above the
article ('发布时间：2005-5-7 21:23:57  作者：张三', '2022年02月13日 09:57 来源：光明日报',
'某某 发表于 2005-9-15 11:46', 'By Li Wen | Updated: 2024-03-14'), and newspapers close
a story with the reporter in brackets ('（记者 张三）'). So the page's text is read once as
one string, the zone from the headline down to the article's first paragraph is cut out
of it, and the labelled date, else the first dated time, else the first date in that zone
is a candidate; every other source (meta tags, JSON-LD, the portal's info line, htmldate)
is another, and the calendar day most sources agree on wins (`choose_date`).

Label words and their weights are data: boilerplate_rules.toml [bylines].
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from htmldate import find_date
from lxml import etree

from harvester.extract.article import Article
from harvester.extract.credits import is_site_name
from harvester.extract.dates import DateCandidate, choose_date, find_dates, parse_date
from harvester.extract.dom import Doc, compact, owner
from harvester.extract.names import HAN_NAME, looks_like_names
from harvester.extract.portal import PortalTemplate, author_from_info
from harvester.extract.rules import Rules
from harvester.extract.status import is_prose

ZONE_MAX = 600  # characters above the first paragraph in which the headline and byline stand
ZONE_AFTER_TITLE = 300  # characters after the headline read when the body's start is not found
ABOVE_TITLE = 60  # characters above the headline where a newspaper page prints the day
FOOTER_MAX = 200  # characters after the last paragraph where a post's footer names its author and time
PROBE = 12  # characters of the title / first paragraph looked up in the page text
_SKIP = frozenset(("script", "style", "noscript", "template", "select", "option", "textarea"))


_STYLED = etree.XPath("//body//*[@style]")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none", re.I)


@dataclass(frozen=True)
class PageText:
    """The body's text (one text node per line) and the same without blanks, with the way back."""

    text: str
    compact: str
    lines: list[str]  # the text's non-empty lines (words separated by one blank)
    starts: list[int]  # compact offset where each line starts
    offsets: list[int]  # text offset of the same line

    def at(self, k: int) -> int:
        """The text offset of compact offset `k` (past the end: counted on from the last word)."""
        n = bisect_right(self.starts, k) - 1
        pos, rest = self.offsets[n], k - self.starts[n]
        words = self.lines[n].split(" ")
        for w, word in enumerate(words):
            if rest < len(word) or w == len(words) - 1:
                return pos + rest
            rest -= len(word)
            pos += len(word) + 1
        return pos + rest


def page_text(doc: Doc) -> PageText:
    """The body's text a reader sees, computed once per page: scripts, styles and hidden boxes left out
    (a display:none share box at the top of the body repeats the headline and the lead, and would
    stand between the headline and the byline)."""
    cached = doc.cache.get("bylines.text")
    if isinstance(cached, PageText):
        return cached
    hidden = {id(el) for box in _STYLED(doc.tree) if _HIDDEN_STYLE.search(box.get("style") or "")
              for el in box.iter()}
    nodes = [t for t in doc.text_nodes if id(owner(t)) not in hidden] if hidden else doc.text_nodes
    parts = [" ".join(t.split()) for t in nodes]
    text = "\n".join(parts)
    lines: list[str] = []
    starts: list[int] = []
    offsets: list[int] = []
    size = offset = 0
    for part in parts:  # a step per text node, not per word
        if part:
            lines.append(part)
            starts.append(size)
            offsets.append(offset)
        size += len(part) - part.count(" ")
        offset += len(part) + 1
    value = PageText(text, text.replace(" ", "").replace("\n", ""), lines, starts, offsets)
    doc.cache["bylines.text"] = value
    return value


@dataclass(frozen=True)
class Zones:
    """The page text around the article where its date and byline are printed."""

    above: str = ""  # a little text above the headline (newspaper pages print the day there)
    header: str = ""  # from the headline down to the first paragraph
    footer: str = ""  # the article and a little after it, where a forum post or blog entry has its footer


def byline_zones(doc: Doc, title: str, first_paragraph: str, last_paragraph: str) -> Zones:
    """Cut the zones out of the page text by finding the headline and the body's first and last paragraphs."""
    page = page_text(doc)
    text, squeezed = page.text, page.compact
    if not squeezed:
        return Zones()
    head = compact(title)[:PROBE]
    probe = compact(first_paragraph)[:PROBE]
    start = squeezed.find(probe) if len(probe) >= 6 else -1
    footer = ""
    tail = compact(last_paragraph)[-PROBE:]
    at_end = squeezed.find(tail, max(start, 0)) if len(tail) >= 6 else -1
    if at_end >= 0:
        end = page.at(at_end + len(tail) - 1) + 1
        footer = text[page.at(start) if start >= 0 else end:end + FOOTER_MAX]
    if start < 0:  # the body's start is not in the page text: read on from the headline
        at = squeezed.find(head) if len(head) >= 4 else -1
        if at < 0:
            return Zones(footer=footer)
        lo = page.at(at)
        return Zones(text[max(0, lo - ABOVE_TITLE):lo], text[lo:lo + ZONE_AFTER_TITLE + len(title)], footer)
    end = page.at(start)
    lo = max(0, end - ZONE_MAX)
    above = ""
    if len(head) >= 4:
        at = squeezed.find(head, 0, start)
        while 0 <= at and page.at(at) < lo:
            at = squeezed.find(head, at + 1, start)
        if at >= 0:
            lo = page.at(at)
            above = text[max(0, lo - ABOVE_TITLE):lo]
    return Zones(above, text[lo:end], footer)


def zone_date(zone: str, rules: Rules, weight: float | None = None, labelled_only: bool = False) -> DateCandidate | None:
    """The labelled date of the zone ('发布时间：…'), else the first date with a clock time, else the
    first date; `weight` overrides the weight (a date read above the headline counts less)."""
    cfg = rules.bylines
    found = find_dates(zone)
    if not found:
        return None
    for start, _end, value in found:
        before = zone[max(0, start - cfg.label_window):start]
        if cfg.date_label.search(before):
            return DateCandidate(value, "byline label", weight or cfg.weight_labelled)
    if labelled_only:
        return None
    timed = [v for _s, _e, v in found if "T00:00:00" not in v]
    if timed:
        return DateCandidate(timed[0], "byline time", weight or cfg.weight_timed)
    return DateCandidate(found[0][2], "byline date", weight or cfg.weight_date)


def htmldate_candidate(doc: Doc, rules: Rules) -> DateCandidate | None:
    """htmldate's reading of the page (markup, then the text; no extensive search)."""
    try:
        value = find_date(doc.tree, extensive_search=False, original_date=True, outputformat="%Y-%m-%d %H:%M:%S")
    except Exception:  # noqa: BLE001 - a failing candidate is no candidate
        return None
    iso = parse_date(value) if value else None
    return DateCandidate(iso, "htmldate", rules.bylines.weight_htmldate) if iso else None


# --- authors ----------------------------------------------------------------------------

def zone_author(zones: Zones, title: str, rules: Rules) -> str | None:
    """A labelled byline in the header ('作者：张三', '记者 李四', '文/王五', '张三 发表于 …'), else a bare
    line of names between the headline and the body, else a post footer ('由张三张贴 @ …', '… by handle')."""
    value = author_from_info(zones.header) or _patterned(zones.header, rules) or name_line(zones.header, title, rules)
    return value or _patterned(zones.footer, rules)


def _patterned(text: str, rules: Rules) -> str | None:
    for rx in rules.bylines.author_patterns:
        m = rx.search(text)
        if m and m.group("name").strip():
            return m.group("name").strip()
    return None


_TOKENS = re.compile(r"[ \u3000]+")
# a capitalised word glued to a name's last letters ('ZhouVolunteers'); 'McDonald', 'MacLeod' are names
_RUN_IN = re.compile(r"(?<=[a-z])(?<!\bMc)(?<!\bMac)(?=[A-Z][a-z]{2,})")


def trim_author(value: str | None, rules: Rules) -> str | None:
    """A byline read up to the next thing on its line: a Latin name run into the first word after
    it ('Grace YuVisitors'), a Chinese one into the next field or sentence ('郑堃 我要评论', '杨柳 通讯员
    李辉', '温嘉怡 英仙座流星雨将于…'): the names up to the first word that is no name. A Chinese value whose
    first word is no family-named name (a pen name) is left as it is."""
    if not value:
        return value
    run_in = _RUN_IN.search(value)
    if run_in:  # 'Helen ZhouVolunteers': the byline's name, then the first word it ran into
        return value[:run_in.start()].strip() or value
    tokens = _TOKENS.split(value.strip())
    if len(tokens) < 2 or not re.fullmatch(HAN_NAME, tokens[0]) or not looks_like_names(tokens[0], rules):
        return value
    kept = [tokens[0]]
    for token in tokens[1:]:
        if not (re.fullmatch(HAN_NAME, token) and looks_like_names(token, rules)):
            break
        kept.append(token)
    return " ".join(kept)


def name_line(zone: str, title: str, rules: Rules) -> str | None:
    """'林小雨、陈立' on its own between the headline and the first paragraph: the authors."""
    head = compact(title)[:PROBE]
    if len(head) < 4:
        return None
    lines = [line.strip() for line in zone.split("\n") if line.strip()]
    at = max((k for k, line in enumerate(lines) if head in compact(line)), default=None)
    if at is None:
        return None
    rest = lines[at + 1:]
    if len(rest) != 1:
        return None
    candidate = rest[0].strip()
    return candidate if looks_like_names(candidate, rules) else None


HEADLINE_MAX = 60  # characters of a headline or subheading line right above a byline line


def body_name_line(paragraphs: list[tuple[str, str]], rules: Rules, title: str = "") -> int | None:
    """Index of a bare line of names ('许文清', '林小雨、陈立') at the head of the body, right under
    the page's headline or a heading line, before its first paragraph of prose: the byline, not
    body text. `paragraphs` are (text, role) pairs."""
    for k, (text, _role) in enumerate(paragraphs[:6]):
        if is_prose(text, rules.status):
            return None
        # the headline may announce a pen name ('茉莉：我是怎样…'): the page's title or a heading line above
        if looks_like_names(text, rules, (title, *(t for t, r in paragraphs[:k] if r == "heading"))):
            if not k:
                return k
            above, role = paragraphs[k - 1]
            if role == "heading" or (len(above) <= HEADLINE_MAX and not re.search(r"[。！？.!?]$", above.strip())):
                return k
    return None


def trailing_author(paragraphs: list[str], rules: Rules) -> str | None:
    """The reporter named in brackets at the end of the article: '…。（记者 张倩）', '（袁源）' (a bare
    name must look like one)."""
    for text in reversed(paragraphs[-2:]):
        m = rules.bylines.trailing.search(text)
        if not m:
            continue
        name = m.group("name")
        if any(name.endswith(w) or name == w for w in rules.bylines.not_names):
            continue
        if m.group("label") or looks_like_names(name, rules):
            return name
    return None


def read_bylines(doc: Doc, article: Article, portal: PortalTemplate | None, rules: Rules) -> None:
    """Author and date from the byline zone between headline and body (bylines.py), the closing
    bracketed credit, and the day the date sources agree on. `portal` is None on a WeChat page,
    whose own date (var ct) stands."""
    body = [p.text for p in article.paragraphs if p.role == "body"]
    if portal is None and article.published:
        return
    first = next((t for t in body if is_prose(t, rules.status)), body[0] if body else "")
    last = next((t for t in reversed(body) if is_prose(t, rules.status)), body[-1] if body else "")
    zones = byline_zones(doc, article.title, first, last)
    if not article.author:
        article.author = zone_author(zones, article.title, rules) or trailing_author(body, rules)
        if article.author and is_site_name(article.author, doc):
            article.author = None
    cfg = rules.bylines
    candidates = [] if portal is None else portal.date_candidates(doc, cfg)
    found = zone_date(zones.header, rules) or zone_date(zones.above, rules, weight=cfg.weight_date) \
        or zone_date(zones.footer, rules, weight=cfg.weight_date, labelled_only=True)
    if found:
        candidates.append(found)
    if not any(c.weight >= cfg.weight_meta for c in candidates):
        found = htmldate_candidate(doc, rules)
        if found:
            candidates.append(found)
    article.published = choose_date(candidates) or article.published
