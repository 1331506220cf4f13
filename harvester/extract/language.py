"""Language and role of each paragraph.

Script ratio, weighted so one Chinese character counts about as much as one English
word: an English paragraph with pinyin names (Latin) or a stray 深圳 stays "en", a
Chinese paragraph with iPhone or 2023 stays "zh". A paragraph that holds an English
line and its Chinese translation (split by <br>) is split into two.
"""
from __future__ import annotations

import re

from harvester.extract.article import Paragraph
from harvester.extract.blocks import Block
from harvester.extract.rules import Rules

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+(?:['’\-][A-Za-z]+)*")
# a Latin word that Chinese text borrows as is: acronyms, brand/product names, units
_BORROWED = re.compile(r"^(?:[A-Z0-9][A-Za-z0-9]*|[a-z]{1,3}|i[A-Z][a-z]+)$")
WORD_WEIGHT = 1.5  # Han chars per English word, roughly, in translated news text
MAJORITY = 0.7

CAPTION_MAX = 220  # characters: longer than this next to an image is body text
CAPTION_MAX_ZH = 70
HEADING_MAX = 60


def script_counts(text: str) -> tuple[int, int, list[str]]:
    """(Han characters, Latin words, the words)."""
    words = LATIN_WORD.findall(text)
    return len(HAN.findall(text)), len(words), words


def detect(text: str) -> str:
    """'en' | 'zh' | 'mixed' | 'other' for one paragraph."""
    han, n_words, words = script_counts(text)
    if han == 0 and n_words == 0:
        return "other"
    if han == 0:
        return "en"
    if n_words == 0:
        return "zh"
    # Chinese text quoting English names/acronyms: lowercase prose words are what make English
    prose = sum(1 for w in words if not _BORROWED.match(w))
    zh_weight = han
    en_weight = prose * WORD_WEIGHT + (n_words - prose) * 0.5
    share = zh_weight / (zh_weight + en_weight)
    if share >= MAJORITY:
        return "zh"
    if share <= 1 - MAJORITY or (han <= 4 and prose >= 3):
        return "en"
    if han >= 4 and prose <= 1:
        return "zh"
    return "mixed"


def split_mixed(text: str) -> list[tuple[str, str]]:
    """Split a mixed paragraph at line breaks into same-language runs; [(text, lang)]."""
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) < 2:
        return [(text.replace("\n", " "), detect(text))]
    runs: list[tuple[str, str]] = []
    for line in lines:
        lang = detect(line)
        if runs and (runs[-1][1] == lang or lang == "other"):
            sep = " " if runs[-1][1] == "en" else ""
            runs[-1] = (runs[-1][0] + sep + line, runs[-1][1])
        else:
            runs.append((line, lang))
    return runs


def paragraphs_from_blocks(blocks: list[Block], rules: Rules) -> list[tuple[str, str, str]]:
    """Text blocks -> [(text, lang, role)] with images informing captions.

    Role 'lead' (a paragraph of the 导语 box, see body.mark_lead) is internal: the
    aligner may leave it unpaired cheaply; the article reports it as 'body'. Role 'legend'
    is internal too: a certain caption (a '图为…' line, rules [captions], or one
    'English<br>中文' element under an image) that never enters alignment; reported as 'caption'.
    Caption: a figcaption, a paragraph whose credit tail was trimmed, or a short
    line directly under an image (WeChat puts captions below photos); a second
    short line in the other language right after it is its translation, also a caption.
    """
    out: list[tuple[str, str, str]] = []
    after_image = False
    caption_lang: str | None = None
    caption_text = ""
    for block in blocks:
        if block.kind == "image":
            after_image, caption_lang = True, None
            continue
        if block.kind == "code":  # program code is no English: it is never paired nor counted as a language
            out.append((block.text, "other", "body"))  # its lines and indentation kept
            after_image = False
            continue
        parts = split_mixed(block.text) if "\n" in block.text else [(block.text, detect(block.text))]
        # one element 'English caption<br>中文图注' right under an image: a bilingual caption, in no pair
        mixed_caption = after_image and caption_lang is None and block.kind != "heading" and len(parts) == 2 \
            and {lang for _, lang in parts} == {"en", "zh"} and all(is_caption_sized(t, lang) for t, lang in parts)
        for text, lang in parts:
            text = " ".join(text.split()) if lang != "zh" else re.sub(r"\s+", " ", text).strip()
            if not text:
                continue
            if (mixed_caption or is_marked_caption(text, rules)) and block.kind != "heading":
                out.append((strip_caption_marker(text), lang, "legend"))
                if caption_lang is None:
                    caption_lang = lang
                continue
            role = "body"
            if block.kind == "heading" or (block.bold and len(text) <= HEADING_MAX and not text.endswith(("。", "."))):
                role = "heading"
            if block.lead and role == "body":
                role = "lead"  # internal: aligned as a possibly untranslated box, reported as body
            if block.kind == "caption":
                role = "caption"
            elif after_image and role == "body" and lang != caption_lang and is_caption_sized(text, lang) \
                    and (caption_lang is None or translation_sized(caption_text, text)):
                role = "caption"
            if role == "caption":
                text = strip_caption_marker(text)
            if role == "caption" and caption_lang is None:
                caption_lang, caption_text = lang, text
            else:
                after_image = False
            out.append((text, lang, role))
    return out


def is_marked_caption(text: str, rules: Rules) -> bool:
    """'图为佛山一所小学食堂…': a line that says it describes a photo (rules [captions] markers)."""
    return len(text) <= rules.caption_max and any(rx.match(text) for rx in rules.caption_markers)


_CAPTION_MARKER = re.compile(r"^[▲△▼▽↑↓☝👆]+\s*")


def strip_caption_marker(text: str) -> str:
    """'▲ 西涌沙滩上…' -> '西涌沙滩上…': the arrow pointing at the photo is layout, not caption text."""
    stripped = _CAPTION_MARKER.sub("", text)
    return stripped or text


def translation_sized(first: str, second: str) -> bool:
    """Whether a line in the other language could translate `first` by its size: a Chinese line runs
    about one and a half to two characters per English word, so one over three times as long (plus a
    few) is the next paragraph, not the caption's translation."""
    words = len(LATIN_WORD.findall(first)) or len(LATIN_WORD.findall(second))
    han = len(HAN.findall(second)) or len(HAN.findall(first))
    return han <= 3 * words + 8


def is_caption_sized(text: str, lang: str) -> bool:
    """Short, and not dialogue or a question: captions describe, they do not talk."""
    limit = CAPTION_MAX if lang == "en" else CAPTION_MAX_ZH
    return len(text) <= limit and not text.startswith(("“", '"', "「")) and not text.endswith(("？", "?", "！", "!", "：", ":"))


def document_language(paragraphs: list[Paragraph]) -> str:
    """'bilingual' when both languages carry real text, else the dominant one."""
    han = sum(len(HAN.findall(p.text)) for p in paragraphs if p.lang in ("zh", "mixed"))
    words = sum(len(LATIN_WORD.findall(p.text)) for p in paragraphs if p.lang in ("en", "mixed"))
    en_weight = words * 1.5
    if han >= 40 and words >= 25 and min(han, en_weight) >= 0.2 * max(han, en_weight):
        return "bilingual"
    return "en" if en_weight > han else "zh"
