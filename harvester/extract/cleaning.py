"""Data-driven boilerplate removal: rules live in boilerplate_rules.toml, not in ifs.

`clean()` takes body blocks in order and returns the kept ones, every removed line
(for the audit trail in Article.removed) and the metadata lifted out on the way
(原标题 -> original_title, credit lines -> editors, 来源 -> source, 作者 -> author).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from harvester.extract.blocks import Block

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - 3.10 needs tomli
    import tomli as tomllib  # type: ignore[no-redef]

_LEADING_WIDGETS = re.compile(r"^(?:【[^】]{1,6}】\s*)+(?=【)")  # "【纠错】 【责任编辑:张樵苏 】"
HAN_RX = re.compile(r"[\u4e00-\u9fff]")
_DECOR = " \t▼▲▽△►▶◆◇■□●○★☆•·-—–_=~|｜:：【】[]()（）<>《》〈〉「」『』\"'“”‘’.。!！#*+"


@dataclass
class Rules:
    """Compiled form of boilerplate_rules.toml."""

    tail_headings: frozenset[str]
    tail_min_position: float
    tail_max_len: int
    tail_patterns: list[re.Pattern[str]]
    lifts: list[tuple[str, re.Pattern[str], int]]
    credit_key: re.Pattern[str]
    credit_max_len: int
    credit_max_value: int
    credit_fields: dict[str, str]
    ends_article: frozenset[str]
    end_min_position: float
    ends_article_strong: frozenset[str]
    end_strong_min_position: float
    drops: list[tuple[str, re.Pattern[str], int]]
    nav_words: frozenset[str]
    nav_max_len: int
    trims: list[tuple[str, re.Pattern[str]]]
    box_labels: frozenset[str] = frozenset()
    pager_words: frozenset[str] = frozenset()
    pager_patterns: list[re.Pattern[str]] = field(default_factory=list)
    pager_min_markers: int = 2
    title_labels: dict[str, str] = field(default_factory=dict)  # label (lower-case) -> "zh" | "en"
    title_box_max: int = 160
    credit_value_reject: list[re.Pattern[str]] = field(default_factory=list)
    search_path_words: frozenset[str] = frozenset()
    search_params: frozenset[str] = frozenset()
    search_markers: list[re.Pattern[str]] = field(default_factory=list)
    glossary_headings: frozenset[str] = frozenset()
    glossary_item: re.Pattern[str] | None = None
    notice_label: re.Pattern[str] | None = None
    staff_code: re.Pattern[str] | None = None
    caption_markers: list[re.Pattern[str]] = field(default_factory=list)
    caption_max: int = 120
    credit_phrases: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)


@dataclass
class Cleaned:
    blocks: list[Block]
    removed: list[str] = field(default_factory=list)
    lifted: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=None)
def load_rules(text: str | None = None) -> Rules:
    """Compile the packaged rules (or a given TOML text, for tests) once."""
    if text is None:
        text = resources.files("harvester.extract").joinpath("boilerplate_rules.toml").read_text("utf-8")
    data = tomllib.loads(text)
    flags = re.I | re.S
    credits = data["credits"]
    fields_map = {k.lower(): v for k, v in credits.get("fields", {}).items()}
    keys = sorted(credits["editor_keys"] + list(credits.get("fields", {})), key=len, reverse=True)
    return Rules(
        tail_headings=frozenset(h.lower() for h in data["tail"]["headings"]),
        tail_min_position=float(data["tail"].get("min_position", 0.3)),
        tail_max_len=int(data["tail"].get("max_len", 24)),
        tail_patterns=[re.compile(p, flags) for p in data["tail"].get("patterns", [])],
        lifts=[(r["field"], re.compile(r["pattern"], flags), int(r.get("max_len", 200))) for r in data["lift"]],
        credit_key=re.compile(r"(?:^|(?<=[\s|｜/,，;；、(（\[【]))(" + "|".join(map(re.escape, keys)) +
                              r")(?=\s*(?:[:：/|｜丨]|\s|$)|[\u4e00-\u9fff])\s*[:：/|｜丨]?\s*", re.I),
        credit_max_len=int(credits.get("max_len", 90)),
        credit_max_value=int(credits.get("max_value_len", 16)),
        credit_fields=fields_map,
        ends_article=frozenset(k.lower() for k in credits.get("ends_article", [])),
        end_min_position=float(credits.get("end_min_position", 0.5)),
        ends_article_strong=frozenset(k.lower() for k in credits.get("ends_article_strong", [])),
        end_strong_min_position=float(credits.get("end_strong_min_position", 0.25)),
        drops=[(r["name"], re.compile(r["pattern"], flags), int(r.get("max_len", 10_000))) for r in data["drop"]],
        nav_words=frozenset(w.lower() for w in data["nav"]["words"]),
        nav_max_len=int(data["nav"].get("max_len", 60)),
        trims=[(r["name"], re.compile(r["pattern"], flags)) for r in data["trim"]],
        box_labels=frozenset(data.get("boxes", {}).get("labels", [])),
        pager_words=frozenset(w.lower() for w in data.get("listing", {}).get("pager_words", [])),
        pager_patterns=[re.compile(p, re.I) for p in data.get("listing", {}).get("pager_patterns", [])],
        pager_min_markers=int(data.get("listing", {}).get("min_markers", 2)),
        title_labels={**{lab.lower(): "zh" for lab in data.get("titles", {}).get("zh_labels", [])},
                      **{lab.lower(): "en" for lab in data.get("titles", {}).get("en_labels", [])}},
        title_box_max=int(data.get("titles", {}).get("max_len", 160)),
        credit_value_reject=[re.compile(p) for p in credits.get("value_reject", [])],
        search_path_words=frozenset(w.lower() for w in data.get("search", {}).get("path_words", [])),
        search_params=frozenset(w.lower() for w in data.get("search", {}).get("params", [])),
        search_markers=[re.compile(p, re.I) for p in data.get("search", {}).get("markers", [])],
        glossary_headings=frozenset(w.lower() for w in data.get("glossary", {}).get("headings", [])),
        glossary_item=re.compile(data["glossary"]["item"], re.I) if data.get("glossary", {}).get("item") else None,
        notice_label=re.compile(data["notice"]["label"], re.I) if data.get("notice", {}).get("label") else None,
        staff_code=re.compile(credits["staff_code"]) if credits.get("staff_code") else None,
        credit_phrases=[(ph["key"], re.compile(ph["pattern"], re.I)) for ph in credits.get("phrases", [])],
        caption_markers=[re.compile(p, re.I) for p in data.get("captions", {}).get("markers", [])],
        caption_max=int(data.get("captions", {}).get("max_len", 120)),
    )


def is_tail_heading(text: str, rules: Rules) -> bool:
    """A short line such as '▼ 推荐阅读 ▼' or 'Related stories'."""
    if any(rx.search(text) for rx in rules.tail_patterns):
        return True
    if len(text) > rules.tail_max_len:
        return False
    core = text.strip(_DECOR).lower()
    return core in rules.tail_headings


# a date (and time) at either end of an info line: "Source: Xinhua | Editor: Wang Mingjie | 2024-03-09 15:20:11"
_EDGE_DATE = r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
_TRAILING_DATE = re.compile(r"[\s|｜/丨·]*" + _EDGE_DATE + r"\s*$")
_LEADING_DATE = re.compile(r"^\s*" + _EDGE_DATE + r"[\s|｜/丨·]*(?=\S)")


def parse_credits(text: str, rules: Rules) -> dict[str, str] | None:
    """'编辑 王子烨 审读 刘春生' -> {'编辑': '王子烨', '审读': '刘春生'}; None if not a credit line.

    A date at either end of the line (an info bar of credit cells and the date) is no credit's
    value: it is cut before the line is read.
    """
    line = _LEADING_WIDGETS.sub("", text.strip()).strip().strip("()（）[]【】").strip()
    line = _LEADING_DATE.sub("", _TRAILING_DATE.sub("", line))
    for key, rx in rules.credit_phrases:  # "Translated by Ivy Chan" -> "Translator: Ivy Chan"
        line = rx.sub(f"{key}: ", line)
    if not line or len(line) > rules.credit_max_len:
        return None
    matches = list(rules.credit_key.finditer(line))
    if not matches or matches[0].start() != 0:
        return None
    credits: dict[str, str] = {}
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
        value = line[m.end():end].strip(" \t,，;；|｜/、")
        value = strip_staff_code(value, rules)  # "赵敏 PN098", "王晓_NBJ11279": a staff code after the name
        if not value or len(value) > rules.credit_max_value or re.search(r"[。，！？!?：:；;“”\"《》]", value):
            return None
        if re.search(r"[\u4e00-\u9fff]{11,}", value):
            return None  # names are short; a long Han run is a sentence
        if any(rx.search(value) for rx in rules.credit_value_reject):
            return None  # "图片均来自网络": a statement about the key, not a name after it
        if re.search(r"[a-z]", value) and not re.fullmatch(r"[A-Z][\w'\-]*(?:[\s,&]+(?:and\s+)?[A-Z][\w'\-]*){0,5}", value):
            return None  # English credits are names, not lowercase prose
        key = m.group(1)
        credits[key] = f"{credits[key]}、{value}" if key in credits else value
    return credits


def strip_staff_code(value: str, rules: Rules | None = None) -> str:
    """'王晓_NBJ11279' -> '王晓': a CMS staff code is no part of a person's name (rules [credits] staff_code)."""
    rules = rules or load_rules()
    if rules.staff_code is None or not value:
        return value
    return rules.staff_code.sub("", value).strip()


def _lift(text: str, rules: Rules) -> tuple[str, str] | None:
    for field_name, rx, max_len in rules.lifts:
        if len(text) <= max_len:
            m = rx.match(text)
            if m and m.group("value").strip():
                return field_name, m.group("value").strip()
    return None


def is_glossary_heading(text: str, rules: Rules) -> bool:
    """'Vocabulary 词汇', '重点词汇', 'Words and expressions': every script run is a glossary heading word."""
    if not rules.glossary_headings or len(text) > 40:
        return False
    runs = re.findall(r"[A-Za-z][A-Za-z '&]*[A-Za-z]|[\u4e00-\u9fff]+", text.strip(_DECOR).lower())
    if not runs or re.search(r"[.。,，!?！？]", text.strip(_DECOR)):
        return False
    return all(" ".join(run.split()) in rules.glossary_headings for run in runs)


_NOTICE_DROPS = ("disclaimer", "platform-statement", "contribution-contact")
NOTICE_LABEL_MAX = 16


def _is_notice_label(block: Block, rules: Rules) -> bool:
    """A box heading such as '特别提示' or 'Note' (the dropped statement follows it)."""
    text = " ".join(block.text.split())
    return block.kind != "image" and rules.notice_label is not None and len(text) <= NOTICE_LABEL_MAX \
        and bool(rules.notice_label.match(text))


def _drop(text: str, rules: Rules) -> str | None:
    for name, rx, max_len in rules.drops:
        if len(text) <= max_len and rx.search(text):
            return name
    if len(text) <= rules.nav_max_len:
        tokens = [t for t in re.split(r"[\s|｜/·•,，、]+", text.strip(_DECOR)) if t]
        if tokens and all(t.strip(_DECOR).lower() in rules.nav_words for t in tokens):
            return "navigation"
    return None


def trim_credit_tail(text: str, rules: Rules) -> tuple[str, str | None]:
    """Cut a photo-credit tail ('… Courtesy of X'); returns (kept text, removed tail)."""
    for _name, rx in rules.trims:
        m = rx.search(text)
        if m and m.start() > 0:
            kept = text[:m.start()].rstrip()
            if kept:
                if m.group(0).lstrip().startswith(".") and not kept.endswith("."):
                    kept += "."
                return kept, text[m.start():].strip(" .。")
    return text, None


def clean(blocks: list[Block], rules: Rules | None = None) -> Cleaned:
    """Drop boilerplate blocks, lift metadata lines, trim credit tails.

    Positions are shares of the body's characters, so a long list of short
    'related' headlines after the article does not make the article look short.
    """
    rules = rules or load_rules()
    out = Cleaned(blocks=[])
    total = sum(len(b.text) for b in blocks if b.kind != "image") or 1
    seen = 0
    in_glossary = False
    for idx, block in enumerate(blocks):
        if block.kind == "image":
            out.blocks.append(block)
            continue
        text = block.text
        single = " ".join(text.split())
        position = seen / total
        seen += len(text)
        # a glossary box: its heading, then the "term 词语" lines under it
        if is_glossary_heading(single, rules) or (in_glossary and rules.glossary_item is not None and
                                                  all(rules.glossary_item.match(line.strip())
                                                      for line in text.split("\n") if line.strip())):
            in_glossary = True
            out.removed.append(text)
            continue
        in_glossary = False
        if is_tail_heading(single, rules):
            if position >= rules.tail_min_position:
                _drop_rest(out, blocks, idx, rules)
                break
            out.removed.append(text)
            continue
        credits = parse_credits(single, rules)
        lifted = None if credits else _lift(single, rules)
        if lifted:
            out.lifted.setdefault(lifted[0], lifted[1])
            out.removed.append(text)
            continue
        if credits:
            _add_credits(out, credits, rules)
            keys = {k.lower() for k in credits}
            if (position >= rules.end_min_position and keys & rules.ends_article) or \
                    (position >= rules.end_strong_min_position and keys & rules.ends_article_strong):
                _drop_rest(out, blocks, idx, rules)
                break
            out.removed.append(text)
            continue
        dropped = _drop(single, rules)
        if dropped:
            if dropped in _NOTICE_DROPS and out.blocks and _is_notice_label(out.blocks[-1], rules):
                out.removed.append(out.blocks.pop().text)  # the notice box's heading goes with its text
            out.removed.append(text)
            continue
        kept, tail = trim_credit_tail(text, rules)
        if tail:
            out.removed.append(tail)
            # a trimmed photo credit marks a caption
            block = Block(text=kept, kind="caption" if block.kind == "p" else block.kind, src=block.src,
                          bold=block.bold, lead=block.lead)
        out.blocks.append(block)
    return out


def _drop_rest(out: Cleaned, blocks: list[Block], idx: int, rules: Rules) -> None:
    """Everything from blocks[idx] on is trailing furniture: record it as removed.

    Credit lines in that tail ('责任编辑：黄芳' then '校对：刘威') are still credits: lift them.
    """
    for block in blocks[idx:]:
        if block.kind == "image" or not block.text:
            continue
        out.removed.append(block.text)
        credits = parse_credits(" ".join(block.text.split()), rules)
        if credits:
            _add_credits(out, credits, rules)


def _add_credits(out: Cleaned, credits: dict[str, str], rules: Rules) -> None:
    editors = out.lifted.setdefault("editors", {})
    for key, value in credits.items():
        target = rules.credit_fields.get(key.lower())
        if target == "-":
            continue
        if target:
            out.lifted.setdefault(target, value)
        else:
            editors.setdefault(key, value)
