"""Chinese personal names: whether a short line is one to four people's names (bylines, info bars)."""
from __future__ import annotations

import re

from harvester.extract.rules import Rules

HAN_NAME = r"[\u4e00-\u9fff·]{2,4}"
NAMES = HAN_NAME + r"(?:[ 、，,]+" + HAN_NAME + r"){0,3}"


def looks_like_names(text: str, rules: Rules, titles: tuple[str, ...] = ()) -> bool:
    """'许文清', '林小雨、陈立': one to four Chinese names, none a word that names no person ('城南旧事',
    '公告'). A lone name must start with a family name (rules [bylines] surnames) unless the headline
    announces it ('茉莉：我是怎样…', a pen name); of several names joined by 、 at least half must."""
    cfg = rules.bylines
    text = text.strip()
    if not re.fullmatch(NAMES, text) or any(w in text for w in cfg.not_names):
        return False
    if any(re.match(re.escape(text) + r"\s*[:：]", t.strip()) for t in titles if t):
        return True
    names = [n.strip("·") for n in re.split(r"[ 、，,]+", text) if n.strip("·")]
    surnamed = sum(1 for name in names
                   if name[:2] in cfg.compound_surnames and len(name) >= 3 or name[0] in cfg.surnames and len(name) <= 3)
    if len(names) == 1 or "、" not in text:
        return surnamed == len(names)
    return 2 * surnamed >= len(names) and all(len(n) <= 3 for n in names)
