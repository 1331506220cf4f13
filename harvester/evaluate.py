"""Score the extractor on pages with hand-written expectations (`harvest eval`).

Pure functions, no Scrapy. A directory of cases is either laid out like
``fixtures/pages`` (``<name>/page.html`` + ``meta.json`` + ``truth.json``) or like
``fixtures/corpus_truth`` (``<corpus-relative-path>.json`` files naming a page of the
shared real-page corpus by its ``path``; the page itself is read in place from
``CORPUS_DIR`` and never copied into the project).

Every page is scored twice, by our ``extract()`` and by bare trafilatura, on the same bytes.

Metrics (each is "right / counted", micro-averaged over pages):

- status accuracy: predicted status == truth status (every page).
- metadata accuracy: over the truth's metadata fields that are present in truth.json
  (title, title_en, title_zh, original_title, source, author, published, language; a
  ``null`` truth means "must be absent"), plus one count per expected ``editors``
  key/value. Strings match exactly after whitespace normalisation (runs of whitespace
  -> one space, stripped; ``""`` counts as absent). ``published`` is compared as
  datetimes (same instant; a value without offset is read as +08:00); a date-only
  prediction (htmldate's usual output) matches when its calendar date equals the
  truth's local date. Scored on article pages only.
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

The trafilatura baseline is ``trafilatura.bare_extraction(body, url=..., with_metadata=True)``:
its text split into lines is its paragraphs; status is ``article`` when it returns text,
else ``not_article``; title/author/date/sitename are its title/author/published/source; it
has no title_en/title_zh/original_title/editors. Its language and its pairs come from a
naive script test: adjacent paragraphs of different scripts (EN/ZH) are paired. That is the
honest naive baseline, not something trafilatura itself claims to do.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: the shared corpus of real pages (third-party; read in place, never copied)
CORPUS_DIR = PROJECT_ROOT.parent / "shared" / "corpus"
#: our expectations for some of its pages, one JSON file per page
CORPUS_TRUTH_DIR = PROJECT_ROOT / "fixtures" / "corpus_truth"
DEFAULT_FLOORS = PROJECT_ROOT / "fixtures" / "eval_floors.json"

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
BASELINE_NOTE = ("trafilatura = bare_extraction(body, url, with_metadata=True); its pairs and language come "
                 "from a naive script test (adjacent EN/ZH paragraphs paired), the honest naive baseline.")
CST = timezone(timedelta(hours=8))


class EvalError(Exception):
    """A user-facing problem with the evaluation input (one line)."""


# --------------------------------------------------------------------------- cases

@dataclass
class EvalCase:
    name: str
    url: str
    body: bytes
    truth: dict
    content_type: str = ""


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EvalError(f"{path}: {exc}") from None


def load_cases(directory: Path | str, corpus_dir: Path | str | None = None) -> list[EvalCase]:
    """Cases of a fixture-style directory, or of a corpus-truth directory (pages from corpus_dir)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise EvalError(f"{directory}: no such directory")
    page_dirs = sorted(d for d in directory.iterdir() if d.is_dir() and (d / "page.html").exists())
    if page_dirs:
        cases = []
        for d in page_dirs:
            if not (d / "truth.json").exists():
                continue
            meta = _read_json(d / "meta.json") if (d / "meta.json").exists() else {}
            cases.append(EvalCase(name=d.name, url=meta.get("url", ""), body=(d / "page.html").read_bytes(),
                                  truth=_read_json(d / "truth.json"), content_type=meta.get("content_type", "")))
        if not cases:
            raise EvalError(f"{directory}: no page has a truth.json")
        return cases
    truth_files = sorted(directory.rglob("*.json"))
    if not truth_files:
        raise EvalError(f"{directory}: no pages (expected <name>/page.html + truth.json, or corpus truth *.json)")
    return load_corpus_cases(directory, corpus_dir)


def load_corpus_cases(truth_dir: Path | str | None = None, corpus_dir: Path | str | None = None) -> list[EvalCase]:
    """Corpus pages that have a truth file; raises EvalError when the corpus is absent."""
    truth_dir = Path(truth_dir) if truth_dir is not None else CORPUS_TRUTH_DIR
    corpus = Path(corpus_dir) if corpus_dir is not None else CORPUS_DIR
    if not corpus.is_dir():
        raise EvalError(f"{corpus}: corpus not present, corpus evaluation skipped")
    cases = []
    for f in sorted(truth_dir.rglob("*.json")):
        truth = _read_json(f)
        rel = truth.get("path")
        if not rel:
            raise EvalError(f"{f}: no \"path\" naming a corpus page")
        page = corpus / rel
        if not page.is_file():
            continue  # this copy of the corpus lacks the page
        cases.append(EvalCase(name=rel, url=truth.get("url") or "", body=page.read_bytes(), truth=truth))
    if not cases:
        raise EvalError(f"{truth_dir}: no corpus truth file names a page present in {corpus}")
    return cases


# --------------------------------------------------------------------------- matching

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


def published_matches(expected: str | None, got: str | None) -> bool:
    """Same instant; a date-only prediction matches the truth's local calendar date."""
    if not norm(expected):
        return not norm(got)
    exp, _ = _parse_when(expected)
    pred, date_only = _parse_when(got or "")
    if exp is None or pred is None:
        return norm(expected) == norm(got)
    if date_only:
        return pred.date() == exp.date()
    return pred == exp


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


# --------------------------------------------------------------------------- the two systems

def ours(case: EvalCase) -> dict:
    from harvester.extract import extract
    from harvester.page import Page

    headers = {"content-type": case.content_type} if case.content_type else {}
    return extract(Page.from_headers(case.body, case.url or "", headers)).to_dict()


_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def script_of(text: str) -> str:
    """'zh' when Chinese characters dominate, 'en' when Latin letters do, else 'other'."""
    han = len(_HAN.findall(text))
    latin_words = len(re.findall(r"[A-Za-z]+", text))
    if han == 0 and latin_words == 0:
        return "other"
    if han >= 2 and han >= latin_words:
        return "zh"
    return "en" if latin_words >= 2 or han == 0 else "zh"


def naive_pairs(paragraphs: list[str]) -> list[dict]:
    """Pair adjacent paragraphs of different scripts (EN then ZH, or ZH then EN), left to right."""
    pairs = []
    langs = [script_of(p) for p in paragraphs]
    i = 0
    while i + 1 < len(paragraphs):
        a, b = langs[i], langs[i + 1]
        if {a, b} == {"en", "zh"}:
            en, zh = (paragraphs[i], paragraphs[i + 1]) if a == "en" else (paragraphs[i + 1], paragraphs[i])
            pairs.append({"en": en, "zh": zh})
            i += 2
        else:
            i += 1
    return pairs


def trafilatura_output(case: EvalCase) -> dict:
    """Bare trafilatura on the same bytes, shaped like our contract JSON."""
    import trafilatura

    doc = trafilatura.bare_extraction(case.body, url=case.url or None, with_metadata=True)
    if doc is not None and not isinstance(doc, dict):
        doc = doc.as_dict()
    doc = doc or {}
    text = doc.get("text") or ""
    paragraphs = [line.strip() for line in text.split("\n") if line.strip()]
    langs = [script_of(p) for p in paragraphs]
    has_en, has_zh = "en" in langs, "zh" in langs
    language = "bilingual" if has_en and has_zh else ("zh" if has_zh else ("en" if has_en else None))
    return {
        "status": "article" if paragraphs else "not_article",
        "title": doc.get("title"),
        "title_en": None, "title_zh": None, "original_title": None,
        "source": doc.get("sitename"),
        "author": doc.get("author"),
        "editors": {},
        "published": doc.get("date"),
        "language": language,
        "paragraphs": [{"text": p, "lang": l, "role": "body"} for p, l in zip(paragraphs, langs)],
        "pairs": naive_pairs(paragraphs),
        "text_en": "\n".join(p for p, l in zip(paragraphs, langs) if l == "en"),
        "text_zh": "\n".join(p for p, l in zip(paragraphs, langs) if l == "zh"),
    }


SYSTEMS: dict[str, Callable[[EvalCase], dict]] = {"ours": ours, "trafilatura": trafilatura_output}


def run_system(system: Callable[[EvalCase], dict], case: EvalCase) -> PageScore:
    try:
        output = system(case)
        error = None
    except Exception as exc:  # an extractor crash is a failure of that page, not of the run
        output, error = {"status": "error"}, f"{type(exc).__name__}: {exc}"
    return score_page(case.name, case.truth, output, error)


@dataclass
class Report:
    label: str
    systems: dict  # system name -> list[PageScore]

    def summary(self, system: str) -> Summary:
        return summarize(self.systems[system])

    def to_dict(self) -> dict:
        return {
            "label": self.label,
            "note": BASELINE_NOTE if "trafilatura" in self.systems else None,
            "summary": {name: self.summary(name).to_dict() for name in self.systems},
            "pages": {name: [dict(asdict(s), failures=s.failures) for s in scores]
                      for name, scores in self.systems.items()},
        }


def evaluate(cases: list[EvalCase], label: str = "", baseline: bool = True) -> Report:
    names = ["ours", "trafilatura"] if baseline else ["ours"]
    return Report(label=label, systems={n: [run_system(SYSTEMS[n], c) for c in cases] for n in names})


# --------------------------------------------------------------------------- text output

def _fmt(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def _count(counts: list) -> str:
    right, total = counts
    return f"({right}/{total})"


def format_summary(report: Report) -> str:
    names = list(report.systems)
    sums = {n: report.summary(n) for n in names}
    first = sums[names[0]]
    lines = [f"{report.label}: {first.pages} pages, {first.articles} articles"]
    header = f"  {'metric':<21}" + "".join(f"{n:>24}" for n in names)
    lines.append(header)
    for m in METRICS:
        row = f"  {METRIC_LABELS[m]:<21}"
        for n in names:
            s = sums[n]
            row += f"{_fmt(s.scores[m]) + ' ' + _count(s.counts[m]):>24}"
        lines.append(row)
    if "trafilatura" in names:
        lines.append(f"  note: {BASELINE_NOTE}")
    return "\n".join(lines)


def format_pages(report: Report) -> str:
    names = list(report.systems)
    width = max([len(s.name) for s in report.systems[names[0]]] + [4])
    head = f"  {'page':<{width}}"
    for n in names:
        head += f" | {n[:11]:<11} {'meta':>6} {'body':>6} {'boiler':>6} {'pairs m/p/e':>11}"
    lines = [head]
    for i, s0 in enumerate(report.systems[names[0]]):
        row = f"  {s0.name:<{width}}"
        for n in names:
            s = report.systems[n][i]
            st = ("ok " if s.status_ok else "BAD ") + s.status
            if s.expected_status == "article":
                row += (f" | {st[:11]:<11} {s.meta_right:>2}/{s.meta_total:<3} {s.body_found:>2}/{s.body_total:<3}"
                        f" {s.boiler_absent:>2}/{s.boiler_total:<3} {s.pairs_matched:>3}/{s.pairs_predicted}/{s.pairs_expected:<3}")
            else:
                row += f" | {st[:11]:<11} {'':>6} {'':>6} {'':>6} {'':>11}"
        lines.append(row)
    return "\n".join(lines)


def format_failures(report: Report, systems: Iterable[str] = ("ours",)) -> str:
    lines = []
    for n in systems:
        if n not in report.systems:
            continue
        failing = [s for s in report.systems[n] if s.failures]
        lines.append(f"failures ({n}): {len(failing)} pages")
        for s in failing:
            lines.append(f"  {s.name}")
            lines.extend(f"    - {f}" for f in s.failures)
    return "\n".join(lines)


# --------------------------------------------------------------------------- gate

def floor_down(value: float, places: int = 3) -> float:
    """Round down (never up) so a pinned floor is one the current code really reaches."""
    q = 10 ** places
    return math.floor(value * q + 1e-9) / q


def floors_of(summary: Summary, places: int = 3) -> dict:
    return {m: floor_down(v, places) for m, v in summary.scores.items() if v is not None}


def load_floors(path: Path | str) -> dict:
    path = Path(path)
    if not path.is_file():
        raise EvalError(f"{path}: no such gate file")
    data = _read_json(path)
    if not isinstance(data, dict):
        raise EvalError(f"{path}: expected a JSON object of floors")
    return data


def check_gate(summary: Summary, floors: dict) -> list[str]:
    """Metrics below their floor, as one-line messages (empty when the gate passes)."""
    problems = []
    for metric, floor in floors.items():
        if metric not in METRICS:
            problems.append(f"{metric}: unknown metric in gate file")
            continue
        value = summary.scores.get(metric)
        if value is None:
            continue
        if value + 1e-9 < float(floor):
            problems.append(f"{METRIC_LABELS[metric]} {value:.3f} is below its floor {float(floor):.3f}")
    return problems


def floors_for(data: dict, section: str) -> dict:
    """The floors of one section ("pages", "corpus") of a gate file; a flat file is one section."""
    if isinstance(data.get(section), dict):
        return data[section]
    if any(isinstance(v, dict) for v in data.values()):
        return {}
    return {k: v for k, v in data.items() if not k.startswith("_")}
