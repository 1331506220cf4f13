"""Score extraction on a real-page benchmark with human answers, beside bare trafilatura.

Layout (``../shared/realbench/cwce-dev``): ``original/<id>.html`` (the page as saved),
``cleaned/<id>.txt`` (the body a person copied out), ``author/<id>.txt`` (names, space
separated, or ``UNKNOWN``), ``date/<id>.txt`` (``YYYY-MM-DD HH:MM:SS`` or ``UNKNOWN``).

The metrics are the ones the project is judged by (``../shared/tools/realbench_score.py``),
kept identical here so figures compare:

- bag-of-tokens precision, recall and F1 of title + body against ``cleaned/`` (each CJK
  character one token, other words lower-cased), averaged over pages; an empty gold and an
  empty prediction score 1, one of them empty scores 0;
- author right when one contains the other, spaces ignored (``UNKNOWN`` expects nothing);
- date right when year, month and day agree (``UNKNOWN`` expects nothing);
- lost: pages whose status is not ``article`` (for trafilatura: it returned nothing).

Ours is ``extract(Page(body, url="http://realbench.example/<id>.html"))`` with the title
line and every paragraph; trafilatura is ``bare_extraction(body, with_metadata=True)``
(no URL, as in the reference scorer) with its title line and text.
"""
from __future__ import annotations

import collections
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from evaluation.cases import EvalError
from evaluation.systems import parallel_map

TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W\u3400-\u9fff\uf900-\ufaff]+", re.UNICODE)
FOLDERS = ("original", "cleaned", "author", "date")
FIGURES = ("precision", "recall", "f1", "author_accuracy", "date_accuracy", "lost")
LABELS = {"precision": "token precision", "recall": "token recall", "f1": "token F1",
          "author_accuracy": "author accuracy", "date_accuracy": "date accuracy", "lost": "pages lost"}
BASELINE_NOTE = ("trafilatura = bare_extraction(body, with_metadata=True), title + text; "
                 "lost = it returned nothing.")
URL_BASE = "http://realbench.example/"


def tokens(text: str | None) -> collections.Counter:
    return collections.Counter(t.lower() for t in TOKEN.findall(text or ""))


def token_prf(gold: str, pred: str) -> tuple[float, float, float]:
    """Bag-of-tokens precision, recall, F1 of one page."""
    g, p = tokens(gold), tokens(pred)
    if not g or not p:
        return (0.0, 0.0, 0.0) if (g or p) else (1.0, 1.0, 1.0)
    common = sum((g & p).values())
    precision, recall = common / sum(p.values()), common / sum(g.values())
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def ymd(text: str | None) -> tuple[int, int, int] | None:
    m = re.search(r"(\d{4})\D(\d{1,2})\D(\d{1,2})", text or "")
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def author_ok(gold: str, got: str | None) -> bool:
    gold, got = gold.replace(" ", ""), (got or "").replace(" ", "")
    return not got if gold == "UNKNOWN" else bool(got) and (gold in got or got in gold)


def date_ok(gold: str, got: str | None) -> bool:
    return not got if gold == "UNKNOWN" else ymd(gold) is not None and ymd(gold) == ymd(got)


# --------------------------------------------------------------------------- the set

@dataclass
class BenchCase:
    stem: str
    body: bytes
    text: str  # gold title + body as copied out by a person
    author: str
    date: str


def is_benchmark(directory: Path | str) -> bool:
    directory = Path(directory)
    return (directory / "original").is_dir() and (directory / "cleaned").is_dir()


def load_bench(directory: Path | str) -> list[BenchCase]:
    """Every page of the set with its answers; a missing folder or answer is an EvalError."""
    directory = Path(directory)
    if not directory.is_dir():
        raise EvalError(f"{directory}: no such directory")
    missing = [f for f in FOLDERS if not (directory / f).is_dir()]
    if missing:
        raise EvalError(f"{directory}: not a benchmark folder (missing {', '.join(missing)}/)")

    def answer(folder: str, stem: str) -> str:
        path = directory / folder / f"{stem}.txt"
        try:
            return path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError as exc:
            raise EvalError(f"{path}: {exc.strerror or exc}") from None

    cases = [BenchCase(stem=page.stem, body=page.read_bytes(), text=answer("cleaned", page.stem),
                       author=answer("author", page.stem), date=answer("date", page.stem))
             for page in sorted((directory / "original").iterdir()) if page.is_file()]
    if not cases:
        raise EvalError(f"{directory}/original: no pages")
    return cases


# --------------------------------------------------------------------------- the two systems

@dataclass
class Prediction:
    text: str
    author: str | None
    date: str | None
    status: str
    error: str | None = None


def ours(case: BenchCase) -> Prediction:
    from harvester.extract import extract
    from harvester.page import Page

    try:
        d = extract(Page(body=case.body, url=f"{URL_BASE}{case.stem}.html")).to_dict()
    except Exception as exc:  # an extractor crash is a failure of that page, not of the run
        return Prediction("", None, None, "error", f"{type(exc).__name__}: {exc}")
    text = (d.get("title") or "") + "\n" + "\n".join(p["text"] for p in d.get("paragraphs") or [])
    return Prediction(text, d.get("author"), d.get("published"), d.get("status") or "error")


def trafilatura(case: BenchCase) -> Prediction:
    import trafilatura as traf

    try:
        doc = traf.bare_extraction(case.body, with_metadata=True)
    except Exception as exc:
        return Prediction("", None, None, "error", f"{type(exc).__name__}: {exc}")
    if doc is None:
        return Prediction("", None, None, "none")
    return Prediction((doc.title or "") + "\n" + (doc.text or ""), doc.author, doc.date, "article")


SYSTEMS = {"ours": ours, "trafilatura": trafilatura}


# --------------------------------------------------------------------------- scores

@dataclass
class BenchScore:
    stem: str
    precision: float
    recall: float
    f1: float
    author_ok: bool
    date_ok: bool
    status: str
    author: str | None
    date: str | None
    error: str | None = None

    @property
    def lost(self) -> bool:
        return self.status != "article"


def score(case: BenchCase, pred: Prediction) -> BenchScore:
    p, r, f = token_prf(case.text, pred.text)
    return BenchScore(case.stem, p, r, f, author_ok(case.author, pred.author), date_ok(case.date, pred.date),
                      pred.status, pred.author, pred.date, pred.error)


def _score_case(job: tuple[tuple[str, ...], BenchCase]) -> list[BenchScore]:
    names, case = job
    return [score(case, SYSTEMS[n](case)) for n in names]


@dataclass
class BenchReport:
    label: str
    cases: list  # BenchCase, in order
    systems: dict  # system name -> list[BenchScore]

    def figures(self, system: str = "ours") -> dict:
        """Averages over pages (P/R/F1), accuracies, and the count of pages lost."""
        rows = self.systems[system]
        n = len(rows)
        return {
            "precision": sum(s.precision for s in rows) / n,
            "recall": sum(s.recall for s in rows) / n,
            "f1": sum(s.f1 for s in rows) / n,
            "author_accuracy": sum(s.author_ok for s in rows) / n,
            "date_accuracy": sum(s.date_ok for s in rows) / n,
            "lost": sum(s.lost for s in rows),
        }

    def to_dict(self) -> dict:
        return {
            "label": self.label,
            "note": BASELINE_NOTE if "trafilatura" in self.systems else None,
            "summary": {n: {"pages": len(rows)} | self.figures(n) for n, rows in self.systems.items()},
            "pages": {n: [asdict(s) | {"lost": s.lost, "gold_author": c.author, "gold_date": c.date}
                          for s, c in zip(rows, self.cases)]
                      for n, rows in self.systems.items()},
        }


def evaluate_bench(cases: list[BenchCase], label: str = "", baseline: bool = True, jobs: int = 1) -> BenchReport:
    names = ("ours", "trafilatura") if baseline else ("ours",)
    rows = parallel_map(_score_case, [(names, c) for c in cases], jobs)
    return BenchReport(label=label, cases=cases, systems={n: [row[i] for row in rows] for i, n in enumerate(names)})
