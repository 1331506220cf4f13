"""The two systems scored side by side on the same bytes: our ``extract()`` and bare trafilatura.

The trafilatura baseline is ``trafilatura.bare_extraction(body, url=..., with_metadata=True)``:
its text split into lines is its paragraphs; status is ``article`` when it returns text,
else ``not_article``; title/author/date/sitename are its title/author/published/source; it
has no title_en/title_zh/original_title/editors. Its language and its pairs come from a
naive script test: adjacent paragraphs of different scripts (EN/ZH) are paired. That is the
honest naive baseline, not something trafilatura itself claims to do.

Pages are independent, so ``jobs > 1`` scores them in worker processes (the crawl's
`harvester.workers.WorkerPool`, which survives a worker's death); ``jobs=1`` runs in this process.
"""
from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass
from typing import Callable, Iterable, TypeVar

from evaluation.cases import EvalCase
from evaluation.scoring import PageScore, Summary, score_page, summarize

BASELINE_NOTE = ("trafilatura = bare_extraction(body, url, with_metadata=True); its pairs and language come "
                 "from a naive script test (adjacent EN/ZH paragraphs paired), the honest naive baseline.")
T = TypeVar("T")
R = TypeVar("R")


def default_jobs() -> int:
    """Worker processes for a run: the machine's cores, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


def parallel_map(fn: Callable[[T], R], items: Iterable[T], jobs: int = 1,
                 on_death: Callable[[T, Exception], R] | None = None) -> list[R]:
    """``[fn(x) for x in items]``, in order; in worker processes when jobs > 1 and there is work to share.

    The workers are `harvester.workers.WorkerPool`'s, the crawl's own: an item whose
    worker dies (killed, out of memory) is retried once on a fresh worker, and if it
    kills that one too, `on_death(item, error)` stands for its result (else it raises).
    """
    from harvester.workers import WorkerDied, WorkerPool

    items = list(items)
    if jobs <= 1 or len(items) < 2:
        return [fn(x) for x in items]
    results = []
    with WorkerPool(min(jobs, len(items)), preload=("harvester.extract", "trafilatura")) as pool:
        for item, future in zip(items, pool.map(fn, items)):
            try:
                results.append(future.result())
            except WorkerDied as exc:
                if on_death is None:
                    raise
                results.append(on_death(item, exc))
    return results


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


def _score_case(job: tuple[tuple[str, ...], EvalCase]) -> list[PageScore]:
    names, case = job
    return [run_system(SYSTEMS[n], case) for n in names]


def _died(job: tuple[tuple[str, ...], EvalCase], exc: Exception) -> list[PageScore]:
    """A page that killed its worker twice: a failure of that page in every system."""
    names, case = job
    return [score_page(case.name, case.truth, {"status": "error"}, str(exc)) for _ in names]


@dataclass
class Report:
    """Scores of one set of truth pages, per system, in page order."""
    label: str
    systems: dict  # system name -> list[PageScore]

    def summary(self, system: str) -> Summary:
        return summarize(self.systems[system])

    def lost(self, system: str = "ours") -> list[str]:
        """Real articles the system would not store."""
        return [s.name for s in self.systems[system] if s.lost]

    def below_baseline(self) -> list[tuple[str, float, float]] | None:
        """(page, our body recall, trafilatura's) where ours is lower; None without the baseline."""
        if "trafilatura" not in self.systems:
            return None
        return [(o.name, o.body_recall, t.body_recall)
                for o, t in zip(self.systems["ours"], self.systems["trafilatura"])
                if o.body_recall is not None and t.body_recall is not None and o.body_recall < t.body_recall]

    def figures(self, system: str = "ours") -> dict:
        """The gated figures of one system: the summary scores, articles lost, pages below the baseline."""
        figures = dict(self.summary(system).scores) | {"articles_lost": len(self.lost(system))}
        if system == "ours":
            below = self.below_baseline()
            figures["pages_below_trafilatura"] = None if below is None else len(below)
        return figures

    def to_dict(self) -> dict:
        below = self.below_baseline()
        return {
            "label": self.label,
            "note": BASELINE_NOTE if "trafilatura" in self.systems else None,
            "summary": {name: self.summary(name).to_dict() | {"figures": self.figures(name)} for name in self.systems},
            "below_trafilatura": None if below is None else [
                {"page": n, "ours": o, "trafilatura": t} for n, o, t in below],
            "pages": {name: [dict(asdict(s), body_recall=s.body_recall, lost=s.lost, failures=s.failures)
                             for s in scores]
                      for name, scores in self.systems.items()},
        }


def evaluate(cases: list[EvalCase], label: str = "", baseline: bool = True, jobs: int = 1) -> Report:
    names = ("ours", "trafilatura") if baseline else ("ours",)
    rows = parallel_map(_score_case, [(names, c) for c in cases], jobs, on_death=_died)
    return Report(label=label, systems={n: [row[i] for row in rows] for i, n in enumerate(names)})
