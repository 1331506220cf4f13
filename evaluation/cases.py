"""Where evaluation pages come from: fixture pages with truth.json, or real pages of the shared corpus.

A directory of cases is either laid out like ``fixtures/pages`` (``<name>/page.html`` +
``meta.json`` + ``truth.json``) or like ``fixtures/corpus_truth`` (``<corpus-relative-path>.json``
files naming a page of the shared real-page corpus by its ``path``; the page itself is read in
place from ``CORPUS_DIR`` and never copied into the project).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: third-party real pages beside the checkout (``$HARVEST_SHARED`` overrides); read in place, never copied
SHARED_DIR = Path(os.environ.get("HARVEST_SHARED") or PROJECT_ROOT.parent / "shared")
CORPUS_DIR = SHARED_DIR / "corpus"
#: the real-page benchmark with human answers that the floors file gates
REALBENCH_DIR = SHARED_DIR / "realbench" / "cwce-dev"
#: our expectations for some corpus pages, one JSON file per page
CORPUS_TRUTH_DIR = PROJECT_ROOT / "fixtures" / "corpus_truth"
DEFAULT_FLOORS = PROJECT_ROOT / "fixtures" / "eval_floors.json"


class EvalError(Exception):
    """A user-facing problem with the evaluation input (one line)."""


@dataclass
class EvalCase:
    name: str
    url: str
    body: bytes
    truth: dict
    content_type: str = ""


def read_json(path: Path) -> dict:
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
            meta = read_json(d / "meta.json") if (d / "meta.json").exists() else {}
            cases.append(EvalCase(name=d.name, url=meta.get("url", ""), body=(d / "page.html").read_bytes(),
                                  truth=read_json(d / "truth.json"), content_type=meta.get("content_type", "")))
        if not cases:
            raise EvalError(f"{directory}: no page has a truth.json")
        return cases
    truth_files = sorted(directory.rglob("*.json"))
    if not truth_files:
        raise EvalError(f"{directory}: no pages (expected <name>/page.html + truth.json, corpus truth *.json, "
                        "or a benchmark with original/ and cleaned/)")
    return load_corpus_cases(directory, corpus_dir)


def load_corpus_cases(truth_dir: Path | str | None = None, corpus_dir: Path | str | None = None) -> list[EvalCase]:
    """Corpus pages that have a truth file; raises EvalError when the corpus is absent."""
    truth_dir = Path(truth_dir) if truth_dir is not None else CORPUS_TRUTH_DIR
    corpus = Path(corpus_dir) if corpus_dir is not None else CORPUS_DIR
    if not corpus.is_dir():
        raise EvalError(f"{corpus}: corpus not present, corpus evaluation skipped")
    cases = []
    for f in sorted(truth_dir.rglob("*.json")):
        truth = read_json(f)
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
