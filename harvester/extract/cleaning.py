"""Data-driven boilerplate removal: rules live in boilerplate_rules.toml, not in ifs.

`clean()` takes body blocks in order and returns the kept ones, every removed line
(for the audit trail in Article.removed) and the metadata lifted out on the way
(原标题 -> original_title, credit lines -> editors, 来源 -> source, 作者 -> author).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from harvester.extract.blocks import Block, code_lines
from harvester.extract.rules import Rules, load_rules

_LEADING_WIDGETS = re.compile(r"^(?:【[^】]{1,6}】\s*)+(?=【)")  # "【纠错】 【责任编辑:张樵苏 】"
HAN_RX = re.compile(r"[\u4e00-\u9fff]")
_DECOR = " \t▼▲▽△►▶◆◇■□●○★☆•·-—–_=~|｜:：【】[]()（）<>《》〈〉「」『』\"'“”‘’.。!！#*+"


@dataclass
class Cleaned:
    blocks: list[Block]
    removed: list[str] = field(default_factory=list)
    lifted: dict[str, Any] = field(default_factory=dict)


def is_tail_heading(text: str, rules: Rules) -> bool:
    """A short line such as '▼ 推荐阅读 ▼' or 'Related stories'."""
    if any(rx.search(text) for rx in rules.tail_patterns):
        return True
    if len(text) > rules.tail_max_len:
        return False
    core = text.strip(_DECOR).lower()
    return core in rules.tail_headings or core in rules.next_article


# a sentence's last mark, then closing quotes/brackets or blanks: running text (is_running_text) ends so,
# a name box's line (_drop_box) does not. One pattern for both: a second definition further down used to
# shadow this one silently, so the one in force then is the one kept.
_SENTENCE_END = re.compile(r"[。！？!?；;.…]\W*$")


def is_running_text(text: str, rules: Rules) -> bool:
    """A paragraph of the story itself: long (a Chinese character counts two) and ending a sentence."""
    return len(text) + len(HAN_RX.findall(text)) >= rules.tail_running_chars and bool(_SENTENCE_END.search(text))


def article_continues(rest: list[Block], rules: Rules) -> bool:
    """Whether the blocks after a tail heading are the article going on, not a trailing block.

    English pages put 'Read more' expanders and 'Recommended' / 'Trending' boxes inside the
    story; trafilatura keeps the story's paragraphs after them. A trailing block is headlines
    (with a date or a summary): it does not start with the story's running text and is not
    mostly made of it.
    """
    texts = [b.text for b in rest if b.kind != "image" and b.text.strip()]
    if not texts or not is_running_text(texts[0], rules):
        return False
    running = [t for t in texts if is_running_text(t, rules)]
    return len(running) >= rules.tail_continue_paragraphs and \
        sum(map(len, running)) >= rules.tail_continue_share * sum(map(len, texts))


def is_next_article(text: str, rules: Rules) -> bool:
    """'下一篇', '下一篇：…', 'Next article': the head of the next/previous article box."""
    core = re.split(r"[:：]", text.strip(_DECOR), maxsplit=1)[0].strip(_DECOR).lower()
    return core in rules.next_article


# a date (and time) at either end of an info line: "Source: Xinhua | Editor: Wang Mingjie | 2024-03-09 15:20:11"
_EDGE_DATE = r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
_DATE_LABEL = r"(?:(?:发布|发表|发稿|更新|录入)?(?:时间|日期)\s*[:：]\s*)?"
_TRAILING_DATE = re.compile(r"[\s|｜/丨·]*" + _DATE_LABEL + _EDGE_DATE + r"\s*$")
_LEADING_DATE = re.compile(r"^\s*" + _DATE_LABEL + _EDGE_DATE + r"[\s|｜/丨·]*(?=\S)")


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


def _lead_lift(text: str, rules: Rules, position: float) -> tuple[str, str, str] | None:
    """(field, value, the rest of the paragraph) when a byline is run into the first words of an
    early paragraph ('By Liang Yuqing' in bold, then 'Cyclists …' with no space between)."""
    for field_name, rx, max_position in rules.lead_lifts:
        if position <= max_position:
            m = rx.match(text)
            if m and m.group("value").strip() and text[m.end():].strip():
                return field_name, m.group("value").strip(), text[m.end():].lstrip()
    return None


def ends_article(keys: set[str], markers: frozenset[str]) -> bool:
    """A credit key that closes the article: one of `markers` itself or a qualified form of it
    ('英文编辑', '本期编辑', 'Executive editor' end it as '编辑' / 'Editor' do)."""
    return any(key == m or key.endswith(m) for key in keys for m in markers)


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


# drop rules applied only once the body is final (furniture.drop_info_lines): a blog's or forum's
# dated entry heading is an info line too, and cut_later_entries needs it to find the next entry
DEFERRED_DROPS = frozenset(("info-line", "info-line-tail"))


def drop_reason(text: str, rules: Rules, position: float = 0.0, deferred: bool = False) -> str | None:
    """The name of the rule that drops this line as boilerplate, else None (`deferred`: the rules
    applied only to the final body, DEFERRED_DROPS)."""
    for name, rx, max_len, min_position, max_position in rules.drops:
        if (name in DEFERRED_DROPS) != deferred:
            continue
        if len(text) <= max_len and min_position <= position <= max_position and rx.search(text):
            return name
    if not deferred and len(text) <= rules.nav_max_len:
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


SPLIT_VALUE_MAX = 24  # characters of the value line under a credit label that stands alone


def bare_credit_label(text: str, rules: Rules) -> str | None:
    """'作者：', '【稿件来源：】': a credit's label standing alone, its value in the next element; else None."""
    label = text.strip().strip("【】[]()（）")
    return label if label[-1:] in ":：" and rules.credit_key.fullmatch(label) else None


def join_split_credits(blocks: list[Block], rules: Rules) -> list[Block]:
    """'作者：' in one element and '记者王敬照' in the next ('稿件来源：' / '河北日报'): one credit line.

    Old portal templates put a credit's label and its value in separate cells or spans; read
    apart, the label is an empty credit and the name a stray line of body text."""
    out: list[Block] = []
    skip = False
    for k, block in enumerate(blocks):
        if skip:
            skip = False
            continue
        nxt = blocks[k + 1] if k + 1 < len(blocks) else None
        label = bare_credit_label(block.text, rules)
        if label and block.kind != "image" and nxt is not None and nxt.kind != "image" \
                and len(nxt.text.strip()) <= SPLIT_VALUE_MAX and not re.search(r"[:：。，！？]", nxt.text):
            out.append(Block(text=f"{label}{nxt.text.strip()}", kind=block.kind, bold=block.bold, lead=block.lead))
            skip = True
            continue
        out.append(block)
    return out


def clean(blocks: list[Block], rules: Rules | None = None) -> Cleaned:
    """Drop boilerplate blocks, lift metadata lines, trim credit tails.

    Positions are shares of the body's characters, so a long list of short
    'related' headlines after the article does not make the article look short.
    """
    rules = rules or load_rules()
    blocks = join_split_credits(blocks, rules)
    out = Cleaned(blocks=[])
    total = sum(len(b.text) for b in blocks if b.kind != "image") or 1
    seen = 0
    in_glossary = False
    closed = False  # the article's closing credit (责任编辑 …) stood after its text: a tail heading ends it anywhere
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
            if (position >= rules.tail_min_position or closed) and not article_continues(blocks[idx + 1:], rules):
                if is_next_article(single, rules):
                    _drop_stubs(out)
                _drop_rest(out, blocks, idx, rules)
                break
            out.removed.append(text)
            continue
        if "\n" in text:  # lines joined by <br>: a credit, a prompt or a byline among them goes, the rest stays
            text, cut = _clean_lines(out, text, position, rules)
            if cut:
                if text:
                    out.blocks.append(Block(text=text, kind=block.kind, src=block.src, bold=block.bold, lead=block.lead))
                _drop_rest(out, blocks, idx + 1, rules)
                break
            if not text:
                continue
            single = " ".join(text.split())
            if text != block.text:
                block = Block(text=text, kind=block.kind, src=block.src, bold=block.bold, lead=block.lead)
        credits = parse_credits(single, rules)
        lifted = None if credits else _lift(single, rules)
        if lifted:
            out.lifted.setdefault(lifted[0], lifted[1])
            out.removed.append(text)
            continue
        lead = None if credits else _lead_lift(single, rules, position)
        if lead:  # the byline goes to its field, the words run into it stay the paragraph's
            out.lifted.setdefault(lead[0], lead[1])
            out.removed.append(single[:len(single) - len(lead[2])].strip())
            block = Block(text=lead[2], kind=block.kind, src=block.src, bold=block.bold, lead=block.lead)
            text = single = lead[2]
        if credits:
            _add_credits(out, credits, rules)
            keys = {k.lower() for k in credits}
            if (position >= rules.end_min_position and ends_article(keys, rules.ends_article)) or \
                    (position >= rules.end_strong_min_position and ends_article(keys, rules.ends_article_strong)):
                _drop_box(out, rules)
                _drop_rest(out, blocks, idx, rules)
                break
            if (ends_article(keys, rules.ends_article) or ends_article(keys, rules.ends_article_strong)) and \
                    any(is_running_text(b.text, rules) for b in out.blocks if b.kind != "image"):
                closed = True  # early in the page's text only because a long trailing block follows
            out.removed.append(text)
            continue
        dropped = drop_reason(single, rules, position)
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


STUB_MAX = 20  # characters of a stub line: a name or a headline fragment, no sentence
_ANY_PUNCT = re.compile(r"[，。！？、；：,.!?;:]")


def _drop_stubs(out: Cleaned) -> None:
    """Short lines with no punctuation right before a trailing block's heading belong to that box
    (an institute's name over '下一篇' and the next headline): they go with it."""
    while out.blocks and out.blocks[-1].kind != "image" and len(out.blocks[-1].text) <= STUB_MAX \
            and not _ANY_PUNCT.search(out.blocks[-1].text) and len(out.blocks) > 1:
        out.removed.append(out.blocks.pop().text)


BOX_LINE_MAX = 80  # characters of a line in a name box (an institute's name in Chinese, then in English)
BOX_LINES = 3


def _drop_box(out: Cleaned, rules: Rules) -> None:
    """The credits that close an article may sit under a name box (an institute or studio named in
    both languages: short lines without a sentence's end, each naming an organisation, rules
    [credits] box_line): those few lines just above go with them."""
    box: list[Block] = []
    for block in reversed(out.blocks):
        text = " ".join(block.text.split())
        if block.kind != "p" or len(text) > BOX_LINE_MAX or _SENTENCE_END.search(text) or len(box) == BOX_LINES \
                or rules.box_line is None or not rules.box_line.search(text):
            break
        box.append(block)
    if box and len(box) < len([b for b in out.blocks if b.kind != "image"]):
        for _ in box:
            out.removed.append(out.blocks.pop().text)


def _clean_lines(out: Cleaned, text: str, position: float, rules: Rules) -> tuple[str, bool]:
    """Clean a paragraph made of lines joined by <br> line by line ('By Chen Lu<br>Travelers …',
    '责编|陈梦莹<br>校对|黄慧敏<br>扫描下方二维码…'): credit and byline lines are lifted, boilerplate
    lines dropped, the rest kept together. Returns (kept text, whether a tail heading among the
    lines ends the article here)."""
    lines = text.split("\n")  # a blank line stands only inside program code (blocks.code_lines)
    if sum(1 for line in lines if line.strip()) < 2:
        return text, False
    kept: list[str] = []
    for k, line in enumerate(lines):
        if not line.strip():
            kept.append(line)
            continue
        single = " ".join(line.split())
        if kept and position >= rules.tail_min_position and is_tail_heading(single, rules):
            for rest in (line for line in lines[k:] if line.strip()):
                out.removed.append(rest)
                credits = parse_credits(" ".join(rest.split()), rules)
                if credits:
                    _add_credits(out, credits, rules)
            return _joined(kept), True
        credits = parse_credits(single, rules)
        lifted = None if credits else _lift(single, rules)
        if credits:
            _add_credits(out, credits, rules)
        elif lifted:
            out.lifted.setdefault(lifted[0], lifted[1])
        elif not drop_reason(single, rules, position):
            kept.append(line)
            continue
        out.removed.append(line)
    return _joined(kept), False


def _joined(lines: list[str]) -> str:
    """Kept lines back into one text; blank lines (code) folded as blocks.code_lines does."""
    return code_lines("\n".join(lines)) if "" in lines else "\n".join(lines)


def _drop_rest(out: Cleaned, blocks: list[Block], idx: int, rules: Rules) -> None:
    """Everything from blocks[idx] on is trailing furniture: record it as removed.

    Credit lines in that tail ('责任编辑：黄芳' then '校对：周立') are still credits: lift them.
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
