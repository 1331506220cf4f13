"""Titles: the headline's echo at the head of the body, the title in each language.

A bilingual page states its headline in both languages in several ways: 'English | 中文'
in one title, an English run beside a Chinese run, a heading in the other language at the
head of the body, or a plain line in the other language under the headline.
"""
from __future__ import annotations

import re

from harvester.extract.article import Paragraph
from harvester.extract.blocks import Block
from harvester.extract.language import LATIN_WORD, detect
from harvester.extract.rules import Rules
from harvester.extract.status import is_prose
from harvester.extract.template import Metadata

_TITLE_SPLIT = re.compile(r"\s*(?:\||｜|\n| / |丨)\s*")

def drop_title_echo(blocks: list[Block], title: str, *other_titles: str | None) -> list[Block]:
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
        # under a lead photo the headline line reads as a caption; prose in the title's language right
        # after it (not its caption translation) says it was the headline
        lead_line = k == 0 and p.role == "caption" and len(paragraphs) > 1 and paragraphs[1].lang == lang \
            and paragraphs[1].role == "body" and bool(_SENTENCE_END.search(paragraphs[1].text))
        if p.lang == want and (p.role != "caption" or lead_line) and len(p.text) <= TITLE_LINE_MAX \
                and not _WEB_ADDRESS.search(p.text) \
                and len(LATIN_WORD.findall(p.text)) <= TITLE_LINE_WORDS and not _SENTENCE_END.search(p.text):
            return k
        if p.lang == want:
            return None
    return None

_SENTENCE_END = re.compile(r"[.。!?！？;；:：]\s*$")
_WEB_ADDRESS = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$|^\s*[\w-]+(?:\.[\w-]+)+/?\s*$", re.I)  # a site's address is no headline

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
