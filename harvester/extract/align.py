"""English-Chinese paragraph alignment: Gale-Church length DP plus translation anchors.

The English and the Chinese paragraphs are taken as two sequences in document order
(so alternating EN/ZH, ZH/EN and block layouts are the same problem) and aligned by
dynamic programming over beads 1:1, 1:0, 0:1, 1:2 and 2:1. A bead's cost is Gale &
Church (1993): -log P(length difference | bead) - log P(bead), with the length ratio
estimated from the document itself (Chinese characters per English character).
Anchors that survive translation (numbers, months, dates, Latin names, 《titles》) and,
in alternating layouts, adjacency in the page pull true pairs together; a caption
pays a toll to pair with body text, so an untranslated caption is skipped (1:0)
instead of shifting every later pair.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property

from harvester.extract.language import HAN

# bead -> prior probability (Gale & Church 1993, with more room for untranslated captions)
PRIORS: dict[tuple[int, int], float] = {(1, 1): 0.86, (1, 0): 0.025, (0, 1): 0.025, (2, 1): 0.045, (1, 2): 0.045}
VARIANCE = 9.0  # per-character variance of the length difference; en-zh is looser than en-fr's 6.8
ANCHOR_BONUS = 1.2
ANCHOR_MISS = 0.35
ADJACENT_BONUS = 1.5
ADJACENT_SPLITS = True  # a 1:2 / 2:1 bead whose parts sit side by side in the page earns the bonus too
DISJOINT_MIN = 3
DISJOINT_TOLL = 2.0
CAPTION_TOLL = 2.5
LEAD_TOLL = 1.0
# roles that often stand untranslated: a caption, the lead (导语) box at the head of the body
ASIDE_ROLES = frozenset(("caption", "lead"))
# certain captions (language.paragraphs_from_blocks 'legend'): by convention captions are in no pair
NO_PAIR_ROLES = frozenset(("legend",))
# A journal article's apparatus is no translation of its neighbours: the keyword line (关键词: / Key words:), a
# classification line (中图分类号: / DOI:), the 'cite this article' line, the references heading and each
# bibliography entry ('[3] 作者. 题名[J]. 刊名, 2020, 39(7): 1-9.').
# Such pages list keywords and references in one language or in unequal numbers, so the length DP would pair
# them with whatever stands near; they stay in the body and only sit out the alignment.
_KEYWORD_LINE = re.compile(r"^(?:[\[【(（]\s*(?:关键词|关键字|key\s*words?|index\s+terms)\s*[\]】)）]|"
                           r"(?:关键词|关键字|key\s*words?|index\s+terms)\s*[:：])", re.I)
_CLASS_LINE = re.compile(r"^(?:中图分类号|中图法分类号|文献标识码|文章编号|DOI|CLC\s+number|Document\s+code|Article\s+ID)"
                         r"\s*[:：]", re.I)
CLASS_LINE_MAX = 80  # a classification line is a label and a code, not a paragraph
# the heading over the reference list, alone on its line
_REFERENCES_HEADING = re.compile(r"^(?:参考文献|主要参考文献|references|bibliography|literature\s+cited|works\s+cited)\s*[:：]?$", re.I)
# a labelled citation of the article itself: '引用本文: 作者. 题名[J]. …' / 'Cite this article: …' ...
_CITE_LABEL = re.compile(r"^(?:引用本文|本文引用格式|引用格式|cite\s+this\s+(?:article|paper)|how\s+to\s+cite(?:\s+this\s+article)?)"
                         r"\s*[:：]", re.I)
# ... or a numbered entry: '[12]', '［12］', '12.' at the start ...
_REFERENCE_NUMBER = re.compile(r"^\s*(?:[\[［]\d{1,3}[\]］]|\d{1,3}\.(?!\d))\s*\S")
# ... either of them a citation: a GB/T 7714 document-type code ([J] journal, [M] book, [D] thesis, [EB/OL] web ...)
# or a volume(issue) and page range, as every citation style writes them ('39(7): 2301-2310', '39(7), 2301–2310')
_CITATION = re.compile(r"\[(?:J|M|D|C|N|R|P|S|Z|A|G|EB/OL|DB/OL|J/OL|M/OL|N/OL|C/OL|CP/DK)\]|"
                       r"\d+\s*[(（]\s*\d+\s*[)）]\s*[:：,，;]\s*\d+\s*[-–—~]\s*\d+")
# Leaving a paragraph untranslated costs its prior plus a toll per character (in
# English-character units): cheap for a short caption, dear for a long body paragraph.
# (Gale-Church's own 1:0 cost, the length delta against zero, would make every
# untranslated caption cost more than a misalignment.)
SKIP_PRIOR_CAPTION = 0.12
SKIP_PER_CHAR = 0.012
SKIP_PER_CHAR_CAPTION = 0.008
BAND_MIN = 12
ADJACENT_RATIO_MIN = 2  # neighbouring pairs with identical anchors needed to estimate the ratio from them
ADJACENT_RATIO_GAP = 1.6  # ... and how far (a factor) the document's ratio must be off to use theirs
RATIO_SHIFT = 0.1  # realign when the ratio of the 1:1 beads differs this much from the document's

_MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_NUM = re.compile(r"\d+(?:[.,]\d+)*")
_EN_MONTH = re.compile(r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?\b", re.I)
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9\-]+")
# small numbers spelt out survive translation as words ('two years' / '两年', 'six-month' / '六个月'); their
# tokens ('n2') are apart from digits, which dates and figures use ('Jan. 6' / '1月6日');
# 'one' is left out (a pronoun as often as a number), and so is 一 (it is in countless words)
_EN_NUMBER_WORDS = {w: f"n{i}" for i, w in enumerate(
    "two three four five six seven eight nine ten eleven twelve".split(), 2)}
_EN_NUMBER = re.compile(r"\b(" + "|".join(_EN_NUMBER_WORDS) + r")\b", re.I)
_ZH_DIGITS = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
# a Chinese numeral counts only as a quantity: alone (not inside 十二, 第三, 三分之二 ...) and before a measure word
_ZH_NUMBER = re.compile(r"(?<![一二两三四五六七八九十百千万亿零第之])([两二三四五六七八九十])(?=(?:个|名|位|辆|年|天|次|家|条|"
                        r"项|种|座|小时|倍|届|批|所|支|台|架|艘|部|场|只|张|层|栋|间|趟|轮|岁|队|艘|款|件|份|道|首|本|"
                        r"篇|句|点))")
# weekdays: 'on Thursday' / '周四', '星期四'
_EN_WEEKDAY = re.compile(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
_ZH_WEEKDAY = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天])")
_WEEKDAY_EN = {d: f"wd{i}" for i, d in enumerate("Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split(), 1)}
_WEEKDAY_ZH = {c: f"wd{i}" for i, c in enumerate("一二三四五六", 1)} | {"日": "wd7", "天": "wd7"}
_DIGIT = re.compile(r"[0-9]")
_SQRT2 = math.sqrt(2)
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


@dataclass
class Segment:
    """One paragraph taking part in alignment."""

    text: str
    lang: str  # en | zh
    role: str = "body"
    pos: int = 0  # index among all paragraphs, for adjacency

    @cached_property
    def length(self) -> int:
        """English: non-space characters; Chinese: Han characters plus other non-space ones."""
        return len("".join(self.text.split()))

    @cached_property
    def anchors(self) -> frozenset[str]:
        """`anchors(text, lang)`, worked out once: the ratio estimate and both DP passes use it."""
        return anchors(self.text, self.lang)


def anchors(text: str, lang: str) -> frozenset[str]:
    """Tokens a translation keeps: numbers (commas dropped; small ones spelt out too), month
    numbers, weekdays, Latin names."""
    text = text.translate(_FULLWIDTH)
    found = {n.replace(",", "") for n in _NUM.findall(text)}
    if lang == "en":
        found |= {_EN_NUMBER_WORDS[m.group(1).lower()] for m in _EN_NUMBER.finditer(text)}
        found |= {_WEEKDAY_EN[m.group(1)] for m in _EN_WEEKDAY.finditer(text)}
        found |= {str(_MONTHS[m.group(1).lower()]) for m in _EN_MONTH.finditer(text)
                  if m.group(1)[0].isupper()}
        # Latin names in English text are anchors only if a Chinese text may keep them (acronyms, brands)
        found |= {w.lower() for w in _LATIN.findall(text) if _kept_latin(w)}
    else:
        found |= {w.lower() for w in _LATIN.findall(text)}
        found |= {f"n{_ZH_DIGITS[m.group(1)]}" for m in _ZH_NUMBER.finditer(text)}
        found |= {_WEEKDAY_ZH[m.group(1)] for m in _ZH_WEEKDAY.finditer(text)}
    return frozenset(found)


def _kept_latin(word: str) -> bool:
    """An all-caps word, one with a digit, or a camel-cased one (iPhone): what Chinese text keeps.

    `word` is ASCII (_LATIN), so lower() changes exactly its capitals; string methods
    rather than a loop per character, since every English word of a page comes here.
    """
    return word.isupper() or _DIGIT.search(word) is not None or \
        (word[0].islower() and word[1:] != word[1:].lower())


def _match_cost(len_en: float, len_zh: float, ratio: float) -> float:
    """-log P(delta): how surprising these two lengths are for a translation pair."""
    zh_as_en = len_zh / ratio
    mean = (len_en + zh_as_en) / 2 or 1.0
    delta = (zh_as_en - len_en) / math.sqrt(mean * VARIANCE)
    prob = math.erfc(abs(delta) / math.sqrt(2))
    return -math.log(max(prob, 1e-12))


def align_segments(en: list[Segment], zh: list[Segment]) -> list[tuple[list[int], list[int]]]:
    """Best bead sequence as (english indices, chinese indices) per bead."""
    n, m = len(en), len(zh)
    if not n or not m:
        return []
    band = max(BAND_MIN, int(0.15 * max(n, m)) + abs(n - m))
    first = _first_ratio(en, zh)
    costs = _BeadCosts(en, zh)
    beads = costs.best_beads(band, first)
    # The first ratio counts untranslated paragraphs too; re-estimate it from the
    # 1:1 beads found and align again when it moved (Gale-Church's own suggestion).
    ratio = _ratio_from(beads, en, zh)
    if ratio is not None and abs(ratio - first) > RATIO_SHIFT * first:
        beads = costs.best_beads(band, ratio)
    return beads


def _first_ratio(en: list[Segment], zh: list[Segment]) -> float:
    """The document's length ratio, unless its side-by-side pairs say otherwise.

    A bilingual intro followed by a long Chinese-only transcript makes the whole-document
    ratio several times the translation ratio, and every length cost then points the
    wrong way. When paragraphs standing next to each other (EN then ZH or ZH then EN,
    sharing their anchors) give a ratio far from the document's, theirs is the estimate.
    """
    doc = _doc_ratio(en, zh)
    adjacent = _adjacent_ratio(en, zh)
    if adjacent is not None and max(adjacent, doc) > ADJACENT_RATIO_GAP * min(adjacent, doc):
        return adjacent
    return doc


def _adjacent_ratio(en: list[Segment], zh: list[Segment]) -> float | None:
    """Length ratio over neighbouring EN/ZH body paragraphs that share all their anchors."""
    by_pos = {s.pos: s for s in zh if s.role == "body"}
    used: set[int] = set()
    len_en = len_zh = 0
    count = 0
    for s in en:
        if s.role != "body":
            continue
        a = s.anchors
        for pos in (s.pos + 1, s.pos - 1):
            other = by_pos.get(pos)
            if other is None or pos in used:
                continue
            if a and a == other.anchors:
                used.add(pos)
                len_en += max(s.length, 1)
                len_zh += max(other.length, 1)
                count += 1
                break
    if count < ADJACENT_RATIO_MIN:
        return None
    return max(len_zh / len_en, 0.05)


def _doc_ratio(en: list[Segment], zh: list[Segment]) -> float:
    return max(sum(max(s.length, 1) for s in zh) / sum(max(s.length, 1) for s in en), 0.05)


def _ratio_from(beads: list[tuple[list[int], list[int]]], en: list[Segment], zh: list[Segment]) -> float | None:
    ones = [(i[0], j[0]) for i, j in beads if len(i) == 1 and len(j) == 1]
    if len(ones) < 3:
        return None
    return max(sum(max(zh[j].length, 1) for _, j in ones) / sum(max(en[i].length, 1) for i, _ in ones), 0.05)


class _BeadCosts:
    """A document's bead costs: what does not depend on the length ratio is worked out once
    per bead and kept, since the DP runs twice when the ratio moves (align_segments)."""

    def __init__(self, en: list[Segment], zh: list[Segment]) -> None:
        self.en, self.zh = en, zh
        self.len_en = [max(s.length, 1) for s in en]
        self.len_zh = [max(s.length, 1) for s in zh]
        self.alternating = _is_alternating(en, zh)
        self.log_prior = {bead: -math.log(p) for bead, p in PRIORS.items()}
        # per paragraph, looked up for every bead: its anchors, is it a caption, is it the lead, where it is
        self._anchors = ([s.anchors for s in en], [s.anchors for s in zh])
        self._caption = ([s.role == "caption" for s in en], [s.role == "caption" for s in zh])
        self._lead = ([s.role == "lead" for s in en], [s.role == "lead" for s in zh])
        self._pos = ([s.pos for s in en], [s.pos for s in zh])
        self._terms: dict[tuple[int, int, int, int], tuple[float, ...]] = {}

    def terms(self, i0: int, i1: int, j0: int, j1: int) -> tuple[float, ...]:
        """The anchor, caption, lead and adjacency terms of a matching bead, in the order
        they are added to its cost (so the sums come out the same to the last bit)."""
        key = (i0, i1, j0, j1)
        found = self._terms.get(key)
        if found is not None:
            return found
        anc_en, anc_zh = self._anchors
        a = anc_en[i0] if i1 - i0 == 1 else frozenset().union(*anc_en[i0:i1])
        b = anc_zh[j0] if j1 - j0 == 1 else frozenset().union(*anc_zh[j0:j1])
        terms: list[float] = []
        if a or b:
            common = len(a & b)
            if common:
                terms.append(-(ANCHOR_BONUS * min(common, 3)))
            # a number or name on one side only: translations keep them
            missing = len(a ^ b)
            if missing:
                terms.append(ANCHOR_MISS * min(missing, 4))
            if not common and len(a | b) >= DISJOINT_MIN:
                terms.append(DISJOINT_TOLL)  # several anchors, none shared: not a translation
        roles = self._caption[0][i0:i1] + self._caption[1][j0:j1]
        if any(roles) and not all(roles):  # a caption joined with body text
            terms.append(CAPTION_TOLL * max(1, min(sum(roles), len(roles) - 1)))
        leads = self._lead[0][i0:i1] + self._lead[1][j0:j1]
        if any(leads) and not all(leads):  # the lead box joined with body text
            terms.append(LEAD_TOLL)
        if self.alternating:
            pos_en, pos_zh = self._pos
            if (abs(pos_en[i0] - pos_zh[j0]) == 1 if i1 - i0 == 1 and j1 - j0 == 1 else ADJACENT_SPLITS
                    and _side_by_side(pos_en[i0:i1], pos_zh[j0:j1])):
                # side by side in the page: 1:1, and a 1:2 / 2:1 split whose parts follow each other
                terms.append(-ADJACENT_BONUS)
        found = self._terms[key] = tuple(terms)
        return found

    def match_cost(self, i0: int, i1: int, j0: int, j1: int, ratio: float) -> float:
        """A bead pairing en[i0:i1] with zh[j0:j1]: its prior, the surprise of its lengths
        (`_match_cost`, written out here: this runs for every cell of the DP), its terms."""
        le = sum(self.len_en[i0:i1])
        lz = sum(self.len_zh[j0:j1])
        zh_as_en = lz / ratio
        mean = (le + zh_as_en) / 2 or 1.0
        delta = (zh_as_en - le) / math.sqrt(mean * VARIANCE)
        prob = math.erfc(abs(delta) / _SQRT2)
        cost = self.log_prior[(i1 - i0, j1 - j0)] + -math.log(max(prob, 1e-12))
        for term in self.terms(i0, i1, j0, j1):
            cost += term
        return cost

    def skip_costs(self, ratio: float) -> tuple[list[float], list[float]]:
        """What leaving each English, each Chinese paragraph unpaired costs (beads 1:0, 0:1)."""
        def skip(seg: Segment, length: float, bead: tuple[int, int]) -> float:
            if seg.role in ASIDE_ROLES:
                return -math.log(SKIP_PRIOR_CAPTION) + SKIP_PER_CHAR_CAPTION * length
            return self.log_prior[bead] + SKIP_PER_CHAR * length

        return ([skip(s, le, (1, 0)) for s, le in zip(self.en, self.len_en)],
                [skip(s, lz / ratio, (0, 1)) for s, lz in zip(self.zh, self.len_zh)])

    def best_beads(self, band: int, ratio: float) -> list[tuple[list[int], list[int]]]:
        """The cheapest bead sequence within `band` of the diagonal, by dynamic programming.

        Beads are tried in PRIORS order and a later one wins only when strictly cheaper.
        """
        n, m = len(self.en), len(self.zh)
        skip_en, skip_zh = self.skip_costs(ratio)
        match = self.match_cost
        inf = float("inf")
        best = [[inf] * (m + 1) for _ in range(n + 1)]
        back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
        best[0][0] = 0.0
        for i in range(n + 1):
            centre = i * m / n
            lo, hi = max(0, int(centre) - band), min(m, int(centre) + band + 1)
            row, up = best[i], best[i - 1] if i else None
            up2 = best[i - 2] if i >= 2 else None
            for j in range(lo, hi + 1):
                if i == 0 and j == 0:
                    continue
                row_best, row_back = inf, None
                if up is not None:
                    if j and up[j - 1] != inf:  # 1:1
                        row_best, row_back = up[j - 1] + match(i - 1, i, j - 1, j, ratio), (1, 1)
                    if up[j] != inf:  # 1:0
                        c = up[j] + skip_en[i - 1]
                        if c < row_best:
                            row_best, row_back = c, (1, 0)
                if j and row[j - 1] != inf:  # 0:1
                    c = row[j - 1] + skip_zh[j - 1]
                    if c < row_best:
                        row_best, row_back = c, (0, 1)
                if up2 is not None and j and up2[j - 1] != inf:  # 2:1
                    c = up2[j - 1] + match(i - 2, i, j - 1, j, ratio)
                    if c < row_best:
                        row_best, row_back = c, (2, 1)
                if up is not None and j >= 2 and up[j - 2] != inf:  # 1:2
                    c = up[j - 2] + match(i - 1, i, j - 2, j, ratio)
                    if c < row_best:
                        row_best, row_back = c, (1, 2)
                row[j] = row_best
                back[i][j] = row_back
        if best[n][m] == inf:
            return []
        beads: list[tuple[list[int], list[int]]] = []
        i, j = n, m
        while i or j:
            di, dj = back[i][j]  # type: ignore[misc]
            beads.append((list(range(i - di, i)), list(range(j - dj, j))))
            i, j = i - di, j - dj
        beads.reverse()
        return beads


def _side_by_side(en_positions: list[int], zh_positions: list[int]) -> bool:
    """Does any of these English paragraphs stand right next to any of these Chinese ones?"""
    for p in en_positions:
        for q in zh_positions:
            if p - q == 1 or q - p == 1:
                return True
    return False


def _is_alternating(en: list[Segment], zh: list[Segment]) -> bool:
    """Do most English paragraphs sit next to a Chinese one in the page?"""
    zh_pos = {s.pos for s in zh}
    near = sum(1 for s in en if s.pos - 1 in zh_pos or s.pos + 1 in zh_pos)
    return near >= 0.5 * min(len(en), len(zh)) and min(len(en), len(zh)) > 2


def is_apparatus(text: str) -> bool:
    """A keyword, classification or cite-this line, the references heading or an entry under it: an
    article's apparatus, which is listed (often in one language only), not translated paragraph by paragraph."""
    if _KEYWORD_LINE.match(text):
        return True
    if _REFERENCES_HEADING.match(text) or len(text) <= CLASS_LINE_MAX and _CLASS_LINE.match(text):
        return True
    return (_REFERENCE_NUMBER.match(text) is not None or _CITE_LABEL.match(text) is not None) \
        and _CITATION.search(text) is not None


def align(paragraphs: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """[(text, lang, role)] in page order -> [(en, zh)] translation pairs in order.

    Only 'en' and 'zh' paragraphs take part, certain captions ('legend') and an article's apparatus
    (`is_apparatus`) never; headings align among the rest (a bilingual subheading is a pair too).
    Multi-paragraph beads are joined: English with a space, Chinese with nothing.
    """
    def takes_part(text: str, role: str) -> bool:
        return role not in NO_PAIR_ROLES and not is_apparatus(text)

    en = [Segment(t, "en", r, k) for k, (t, lang, r) in enumerate(paragraphs) if lang == "en" and takes_part(t, r)]
    zh = [Segment(t, "zh", r, k) for k, (t, lang, r) in enumerate(paragraphs) if lang == "zh" and takes_part(t, r)]
    pairs: list[tuple[str, str]] = []
    for ie, iz in align_segments(en, zh):
        if ie and iz:
            pairs.append((" ".join(en[k].text for k in ie), "".join(zh[k].text for k in iz)))
    return pairs


__all__ = ["Segment", "align", "align_segments", "anchors", "is_apparatus", "HAN"]
