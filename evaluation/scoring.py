"""Metrics of one page against hand-written truth (`truth.json`, corpus truth), and their totals.

Each metric is "right / counted", micro-averaged over pages:

- status accuracy: predicted status == truth status (every page).
- metadata accuracy: over the truth's metadata fields that are present in truth.json
  (title, title_en, title_zh, original_title, source, author, published, language; a
  ``null`` truth means "must be absent"), plus one count per expected ``editors``
  key/value. Strings match exactly after whitespace normalisation (runs of whitespace
  -> one space, stripped; ``""`` counts as absent). ``published`` is compared as
  datetimes at the truth's precision (same second; any instant of the minute for a truth
  written ``HH:MM``, of the local day for a date-only truth; a value without offset is read
  as +08:00); a date-only prediction (htmldate's usual output) matches when its calendar
  date equals the truth's local date. Scored on article pages only.
- body recall: fraction of ``body_contains`` strings found in the joined paragraph texts.
- boilerplate removal: fraction of ``boilerplate_absent`` strings absent from every
  paragraph, ``text_en``, ``text_zh`` and pair.
- pairs: a predicted pair matches an expected ``[en_prefix, zh_prefix]`` when its ``en``
  starts with (or contains) the English prefix and its ``zh`` contains the Chinese prefix
  (whitespace-normalised); each predicted pair matches at most one expected pair.
  Precision = matched / predicted, recall = matched / expected, F1 from the two.

Body, boilerplate and pairs are scored on pages whose truth status is ``article``; a page
predicted as anything but ``article`` contributes an empty output there (it would not be
stored).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterable

META_FIELDS = ("title", "title_en", "title_zh", "original_title", "source", "author", "published", "language")
METRICS = ("status_accuracy", "metadata_accuracy", "body_recall", "boilerplate_removal",
           "pair_precision", "pair_recall", "pair_f1")
METRIC_LABELS = {
    "status_accuracy": "status accuracy",
    "metadata_accuracy": "metadata accuracy",
    "body_recall": "body recall",
    "boilerplate_removal": "boilerplate removal",
    "pair_precision": "pair precision",
    "pair_recall": "pair recall",
    "pair_f1": "pair F1",
}
CST = timezone(timedelta(hours=8))


_WS = re.compile(r"\s+")


def norm(text: object) -> str:
    """Whitespace-normalised text: runs of whitespace (incl. NBSP, ideographic space) -> one space."""
    if text is None:
        return ""
    return _WS.sub(" ", str(text).replace("\u00a0", " ").replace("\u3000", " ")).strip()


def _parse_when(value: str) -> tuple[datetime | None, bool]:
    """(datetime, date_only) of an ISO-ish string; naive values are read as +08:00."""
    s = norm(value).replace("/", "-")
    if not s:
        return None, False
    date_only = bool(re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", s))
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00").replace(" ", "T", 1) if not date_only else s)
    except ValueError:
        return None, False
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=CST)
    return dt, date_only


def _precision(value: str) -> timedelta:
    """How precise a truth's time is: to the day (date only), the minute (HH:MM) or the second."""
    s = norm(value)
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", s.replace("/", "-")):
        return timedelta(days=1)
    if re.search(r"[T ]\d{1,2}:\d{2}(?!:)", s):
        return timedelta(minutes=1)
    return timedelta(0)


def published_matches(expected: str | None, got: str | None) -> bool:
    """The prediction falls within the truth's precision (same second, minute or local day).

    A truth written ``HH:MM`` (the page's byline gives minutes) matches any instant in that
    minute; a date-only truth any instant of that day in its zone (+08:00 by default); a
    date-only prediction matches the truth's local calendar date.
    """
    if not norm(expected):
        return not norm(got)
    exp, _ = _parse_when(expected)
    pred, date_only = _parse_when(got or "")
    if exp is None or pred is None:
        return norm(expected) == norm(got)
    if date_only:
        return pred.date() == exp.date()
    width = _precision(expected)
    if width == timedelta(days=1):
        return pred.astimezone(exp.tzinfo).date() == exp.date()
    return exp <= pred < exp + width if width else pred == exp


def field_matches(name: str, expected: object, got: object) -> bool:
    if name == "published":
        return published_matches(expected, got)  # type: ignore[arg-type]
    return norm(expected) == norm(got)


def pair_matches(expected: tuple[str, str] | list[str], got: dict) -> bool:
    en_prefix, zh_prefix = norm(expected[0]), norm(expected[1])
    en, zh = norm(got.get("en")), norm(got.get("zh"))
    return (en.startswith(en_prefix) or en_prefix in en) and zh_prefix in zh


def match_pairs(expected: list, got: list[dict]) -> tuple[int, list[int], list[int]]:
    """(matched count, indexes of expected pairs missed, indexes of predicted pairs unmatched).

    Greedy in document order; each predicted pair matches at most one expected pair.
    """
    used: set[int] = set()
    missed = []
    start = 0
    for i, exp in enumerate(expected):
        hit = next((j for j in list(range(start, len(got))) + list(range(0, start))
                    if j not in used and pair_matches(exp, got[j])), None)
        if hit is None:
            missed.append(i)
        else:
            used.add(hit)
            start = hit + 1
    spurious = [j for j in range(len(got)) if j not in used]
    return len(used), missed, spurious


def prf(matched: int, predicted: int, expected: int) -> tuple[float | None, float | None, float | None]:
    """Micro precision, recall, F1; a ratio with nothing to count (0 predicted / 0 expected) is None.

    F1 = 2*matched / (predicted + expected), which equals 2PR/(P+R) whenever both are defined.
    """
    p = matched / predicted if predicted else None
    r = matched / expected if expected else None
    f = 2 * matched / (predicted + expected) if predicted + expected else None
    return p, r, f


# --------------------------------------------------------------------------- scoring one page

@dataclass
class PageScore:
    name: str
    expected_status: str
    status: str
    status_ok: bool
    meta_right: int = 0
    meta_total: int = 0
    meta_wrong: list = field(default_factory=list)  # [field, expected, got]
    body_found: int = 0
    body_total: int = 0
    body_missed: list = field(default_factory=list)
    boiler_absent: int = 0
    boiler_total: int = 0
    boiler_present: list = field(default_factory=list)  # [string, where]
    pairs_matched: int = 0
    pairs_predicted: int = 0
    pairs_expected: int = 0
    pairs_missed: list = field(default_factory=list)  # expected [en, zh] prefixes
    pairs_spurious: list = field(default_factory=list)  # predicted [en, zh] (shortened)
    error: str | None = None

    @property
    def lost(self) -> bool:
        """A real article that would not be stored (predicted anything but article)."""
        return self.expected_status == "article" and self.status != "article"

    @property
    def body_recall(self) -> float | None:
        return self.body_found / self.body_total if self.body_total else None

    @property
    def failures(self) -> list[str]:
        out = []
        if self.error:
            out.append(f"error: {self.error}")
        if not self.status_ok:
            out.append(f"status: expected {self.expected_status}, got {self.status}")
        for name, exp, got in self.meta_wrong:
            out.append(f"{name}: expected {exp!r}, got {got!r}")
        for s in self.body_missed:
            out.append(f"body missing: {s!r}")
        for s, where in self.boiler_present:
            out.append(f"boilerplate kept ({where}): {s!r}")
        for en, zh in self.pairs_missed:
            out.append(f"pair missed: {en!r} / {zh!r}")
        for en, zh in self.pairs_spurious:
            out.append(f"pair spurious: {en!r} / {zh!r}")
        return out


def _short(text: str, n: int = 40) -> str:
    text = norm(text)
    return text if len(text) <= n else text[:n] + "…"


def score_page(name: str, truth: dict, output: dict, error: str | None = None) -> PageScore:
    """Score one extractor output (contract JSON shape) against one truth dict."""
    expected_status = truth.get("status", "article")
    status = output.get("status") or "error"
    ps = PageScore(name=name, expected_status=expected_status, status=status,
                   status_ok=status == expected_status, error=error)
    if expected_status != "article":
        return ps
    stored = status == "article"
    # metadata: fields the truth has (null = must be absent) + each editors credit
    for f in META_FIELDS:
        if f not in truth:
            continue
        got = output.get(f) if stored else None
        ps.meta_total += 1
        if field_matches(f, truth[f], got):
            ps.meta_right += 1
        else:
            ps.meta_wrong.append([f, truth[f], got])
    got_editors = (output.get("editors") or {}) if stored else {}
    for key, value in (truth.get("editors") or {}).items():
        ps.meta_total += 1
        if norm(got_editors.get(key)) == norm(value):
            ps.meta_right += 1
        else:
            ps.meta_wrong.append([f"editors.{key}", value, got_editors.get(key)])

    paragraphs = [norm(p.get("text")) for p in output.get("paragraphs") or []] if stored else []
    pairs = list(output.get("pairs") or []) if stored else []
    body = "\n".join(paragraphs)
    for s in truth.get("body_contains") or []:
        ps.body_total += 1
        if norm(s) in body:
            ps.body_found += 1
        else:
            ps.body_missed.append(s)

    places = [("paragraph", t) for t in paragraphs]
    if stored:
        places += [("text_en", norm(output.get("text_en"))), ("text_zh", norm(output.get("text_zh")))]
        for p in pairs:
            places += [("pair", norm(p.get("en"))), ("pair", norm(p.get("zh")))]
    for s in truth.get("boilerplate_absent") or []:
        ps.boiler_total += 1
        where = next((w for w, t in places if norm(s) in t), None)
        if where is None:
            ps.boiler_absent += 1
        else:
            ps.boiler_present.append([s, where])

    expected_pairs = truth.get("pairs") or []
    matched, missed, spurious = match_pairs(expected_pairs, pairs)
    ps.pairs_matched, ps.pairs_predicted, ps.pairs_expected = matched, len(pairs), len(expected_pairs)
    ps.pairs_missed = [list(expected_pairs[i]) for i in missed]
    ps.pairs_spurious = [[_short(pairs[j].get("en", "")), _short(pairs[j].get("zh", ""), 15)] for j in spurious]
    return ps


# --------------------------------------------------------------------------- totals

@dataclass
class Summary:
    pages: int
    articles: int
    counts: dict  # metric -> [right, total]
    scores: dict  # metric -> float | None

    def to_dict(self) -> dict:
        return asdict(self)


def summarize(scores: Iterable[PageScore]) -> Summary:
    scores = list(scores)
    articles = [s for s in scores if s.expected_status == "article"]
    matched = sum(s.pairs_matched for s in articles)
    predicted = sum(s.pairs_predicted for s in articles)
    expected = sum(s.pairs_expected for s in articles)
    counts = {
        "status_accuracy": [sum(s.status_ok for s in scores), len(scores)],
        "metadata_accuracy": [sum(s.meta_right for s in articles), sum(s.meta_total for s in articles)],
        "body_recall": [sum(s.body_found for s in articles), sum(s.body_total for s in articles)],
        "boilerplate_removal": [sum(s.boiler_absent for s in articles), sum(s.boiler_total for s in articles)],
        "pair_precision": [matched, predicted],
        "pair_recall": [matched, expected],
        "pair_f1": [2 * matched, predicted + expected],  # F1 = 2TP / (predicted + expected)
    }
    values: dict[str, float | None] = {}
    for m in ("status_accuracy", "metadata_accuracy", "body_recall", "boilerplate_removal"):
        right, total = counts[m]
        values[m] = right / total if total else None
    p, r, f = prf(matched, predicted, expected)
    values.update(pair_precision=p, pair_recall=r, pair_f1=f)
    return Summary(pages=len(scores), articles=len(articles), counts=counts, scores=values)


