"""Pinned floors that `harvest eval --gate` refuses to go below.

A gate file is a JSON object with one section per scored set ("pages", "corpus",
"realbench", and a holdout set by its directory's name, "holdout9"); a flat object is one
section. In a section:

- ``"metric": 0.93``: a floor; the figure must be at least this.
- ``"max_metric": 2``: a ceiling, for counts where less is better (``max_articles_lost``,
  ``max_pages_below_trafilatura``, ``max_lost``).
- ``"not_below_trafilatura": ["f1", ...]``: these figures must be at least bare
  trafilatura's in the same run (a count where less is better: at most trafilatura's).

Floors are set from measured figures, rounded down (``floors_from``), a margin below what
the code reaches today and never below trafilatura's figure of the same run.
"""
from __future__ import annotations

import math
from pathlib import Path

from evaluation.cases import EvalError, read_json
from evaluation.realbench import LABELS as BENCH_LABELS
from evaluation.scoring import METRIC_LABELS

LABELS = METRIC_LABELS | BENCH_LABELS | {
    "articles_lost": "articles lost",
    "pages_below_trafilatura": "pages where body recall < trafilatura's",
}
#: counts: fewer is better, gated by a ``max_`` ceiling
COUNTS = frozenset({"articles_lost", "pages_below_trafilatura", "lost"})
BASELINE_KEY = "not_below_trafilatura"
COMMENT = ("Pinned floors for `harvest eval --gate` (see evaluation/gate.py): measured figures of our extractor "
           "minus a margin, rounded down, never below bare trafilatura's; max_* are ceilings on counts. "
           "Raise them when the extractor improves; never lower one silently.")


def floor_down(value: float, places: int = 3) -> float:
    """Round down (never up) so a pinned floor is one the current code really reaches."""
    q = 10 ** places
    return math.floor(value * q + 1e-9) / q


def load_floors(path: Path | str) -> dict:
    path = Path(path)
    if not path.is_file():
        raise EvalError(f"{path}: no such gate file")
    data = read_json(path)
    if not isinstance(data, dict):
        raise EvalError(f"{path}: expected a JSON object of floors")
    return data


def section_for(directory: str | Path, floors: dict | None) -> str:
    """The gate section a directory of pages is held to: its own name when the gate file has a
    section by that name (a holdout set, "holdout9"), else "pages"."""
    name = Path(directory).name
    return name if floors is not None and isinstance(floors.get(name), dict) else "pages"


def floors_for(data: dict, section: str) -> dict:
    """The floors of one section of a gate file; a flat file is one section."""
    if isinstance(data.get(section), dict):
        return data[section]
    if any(isinstance(v, dict) for v in data.values()):
        return {}
    return {k: v for k, v in data.items() if not k.startswith("_")}


def _label(metric: str) -> str:
    return LABELS.get(metric, metric)


def check_gate(figures: dict, floors: dict, baseline: dict | None = None) -> list[str]:
    """Figures that break their floor, ceiling or baseline rule, as one-line messages (empty: passed).

    A figure that is ``None`` (nothing to count, or no baseline run) is not checked.
    """
    problems = []
    for key, bound in floors.items():
        if key.startswith("_"):
            continue
        if key == BASELINE_KEY:
            for metric in bound:
                if metric not in figures:
                    problems.append(f"{metric}: unknown metric in gate file")
                    continue
                ours, theirs = figures[metric], (baseline or {}).get(metric)
                if ours is None or theirs is None:
                    continue
                worse = ours > theirs if metric in COUNTS else ours + 1e-9 < theirs
                if worse:
                    problems.append(f"{_label(metric)} {ours:.3f} is worse than bare trafilatura's {theirs:.3f}")
            continue
        ceiling = key.startswith("max_")
        metric = key[4:] if ceiling else key
        if metric not in figures:
            problems.append(f"{key}: unknown metric in gate file")
            continue
        value = figures[metric]
        if value is None:
            continue
        if ceiling and value > bound:
            problems.append(f"{_label(metric)} {value} is above its ceiling {bound}")
        elif not ceiling and value + 1e-9 < float(bound):
            problems.append(f"{_label(metric)} {value:.3f} is below its floor {float(bound):.3f}")
    return problems


def floors_from(figures: dict, baseline: dict | None = None, margin: float = 0.0) -> dict:
    """Floors for the figures measured now: a margin below, rounded down, never below trafilatura's.

    Counts get a ceiling at today's count. Figures where ours is at least trafilatura's
    are also listed under ``not_below_trafilatura``.
    """
    floors: dict = {}
    ahead = []
    for metric, value in figures.items():
        if value is None:
            continue
        theirs = (baseline or {}).get(metric)
        if metric in COUNTS:
            floors[f"max_{metric}"] = value
            if theirs is not None and value <= theirs:
                ahead.append(metric)
            continue
        floor = floor_down(max(0.0, value - margin))
        if theirs is not None and value + 1e-9 >= theirs:
            floor = max(floor, floor_down(theirs))
            ahead.append(metric)
        floors[metric] = floor
    if baseline is not None:
        floors[BASELINE_KEY] = ahead
    return floors
