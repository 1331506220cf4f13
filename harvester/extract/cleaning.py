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

_DECOR = " \t▼▲▽△►▶◆◇■□●○★☆•·-—–_=~|｜:：【】[]()（）<>《》〈〉「」『』\"'“”‘’.。!！#*+"


@dataclass
class Rules:
    """Compiled form of boilerplate_rules.toml."""

    tail_headings: frozenset[str]
    tail_min_position: float
    tail_max_len: int
    lifts: list[tuple[str, re.Pattern[str], int]]
    credit_key: re.Pattern[str]
    credit_max_len: int
    credit_max_value: int
    drops: list[tuple[str, re.Pattern[str], int]]
    nav_words: frozenset[str]
    nav_max_len: int
    trims: list[tuple[str, re.Pattern[str]]]


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
    keys = sorted(data["credits"]["keys"], key=len, reverse=True)
    return Rules(
        tail_headings=frozenset(h.lower() for h in data["tail"]["headings"]),
        tail_min_position=float(data["tail"].get("min_position", 0.3)),
        tail_max_len=int(data["tail"].get("max_len", 24)),
        lifts=[(r["field"], re.compile(r["pattern"], flags), int(r.get("max_len", 200))) for r in data["lift"]],
        credit_key=re.compile(r"(?:^|(?<=[\s|｜/,，;；、(（\[【]))(" + "|".join(map(re.escape, keys)) +
                              r")(?=\s*(?:[:：/|｜丨]|\s|$)|[\u4e00-\u9fff])\s*[:：/|｜丨]?\s*", re.I),
        credit_max_len=int(data["credits"].get("max_len", 90)),
        credit_max_value=int(data["credits"].get("max_value_len", 16)),
        drops=[(r["name"], re.compile(r["pattern"], flags), int(r.get("max_len", 10_000))) for r in data["drop"]],
        nav_words=frozenset(w.lower() for w in data["nav"]["words"]),
        nav_max_len=int(data["nav"].get("max_len", 60)),
        trims=[(r["name"], re.compile(r["pattern"], flags)) for r in data["trim"]],
    )


def is_tail_heading(text: str, rules: Rules) -> bool:
    """A short line such as '▼ 推荐阅读 ▼' or 'Related stories'."""
    if len(text) > rules.tail_max_len:
        return False
    core = text.strip(_DECOR).lower()
    return core in rules.tail_headings


def parse_credits(text: str, rules: Rules) -> dict[str, str] | None:
    """'编辑 王子烨 审读 刘春生' -> {'编辑': '王子烨', '审读': '刘春生'}; None if not a credit line."""
    line = text.strip().strip("()（）[]【】").strip()
    if not line or len(line) > rules.credit_max_len:
        return None
    matches = list(rules.credit_key.finditer(line))
    if not matches or matches[0].start() != 0:
        return None
    credits: dict[str, str] = {}
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
        value = line[m.end():end].strip(" \t,，;；|｜/、")
        value = re.sub(r"_[A-Z]{2,}\d+$", "", value)  # 163's "张三_NBJS10226" staff codes
        if not value or len(value) > rules.credit_max_value or re.search(r"[。！？!?：:；;“”\"《》]", value):
            return None
        if re.search(r"[a-z]", value) and not re.fullmatch(r"[A-Z][\w'\-]*(?:[\s,&]+(?:and\s+)?[A-Z][\w'\-]*){0,5}", value):
            return None  # English credits are names, not lowercase prose
        key = m.group(1)
        credits[key] = f"{credits[key]}、{value}" if key in credits else value
    return credits


def _lift(text: str, rules: Rules) -> tuple[str, str] | None:
    for field_name, rx, max_len in rules.lifts:
        if len(text) <= max_len:
            m = rx.match(text)
            if m and m.group("value").strip():
                return field_name, m.group("value").strip()
    return None


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
                return kept, text[m.start():].strip()
    return text, None


def clean(blocks: list[Block], rules: Rules | None = None) -> Cleaned:
    """Drop boilerplate blocks, lift metadata lines, trim credit tails."""
    rules = rules or load_rules()
    out = Cleaned(blocks=[])
    n_text = sum(1 for b in blocks if b.kind != "image") or 1
    seen_text = 0
    for idx, block in enumerate(blocks):
        if block.kind == "image":
            out.blocks.append(block)
            continue
        text = block.text
        single = " ".join(text.split())
        if is_tail_heading(single, rules):
            if seen_text >= max(1, rules.tail_min_position * n_text):
                out.removed.extend(b.text for b in blocks[idx:] if b.kind != "image" and b.text)
                break
            out.removed.append(text)
            seen_text += 1
            continue
        seen_text += 1
        lifted = _lift(single, rules)
        if lifted:
            out.lifted.setdefault(lifted[0], lifted[1])
            out.removed.append(text)
            continue
        credits = parse_credits(single, rules)
        if credits:
            editors = out.lifted.setdefault("editors", {})
            for key, value in credits.items():
                editors.setdefault(key, value)
            out.removed.append(text)
            continue
        if _drop(single, rules):
            out.removed.append(text)
            continue
        kept, tail = trim_credit_tail(text, rules)
        if tail:
            out.removed.append(tail)
            block = Block(text=kept, kind=block.kind, src=block.src, bold=block.bold)
            block.kind = "caption" if block.kind == "p" else block.kind  # a credit tail marks a caption
        out.blocks.append(block)
    return out
