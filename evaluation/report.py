"""The text tables `harvest eval` prints: totals side by side, a row per page, the failures."""
from __future__ import annotations

from typing import Iterable

from evaluation.realbench import BASELINE_NOTE as BENCH_NOTE
from evaluation.realbench import FIGURES, LABELS, BenchReport
from evaluation.scoring import METRIC_LABELS, METRICS
from evaluation.systems import BASELINE_NOTE, Report

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
    row = f"  {'articles lost':<21}"
    for n in names:
        row += f"{len(report.lost(n)):>24}"
    lines.append(row)
    below = report.below_baseline()
    if below is not None:
        lines.append(f"  pages where our body recall < trafilatura's: {len(below)}")
        lines.extend(f"    {name}: {ours:.2f} < {theirs:.2f}" for name, ours, theirs in below)
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



# --------------------------------------------------------------------------- real-page benchmark

def _bench_value(metric: str, value: float | int) -> str:
    return f"{value:>6}" if metric == "lost" else f"{value:6.3f}"


def format_bench_summary(report: BenchReport) -> str:
    names = list(report.systems)
    figures = {n: report.figures(n) for n in names}
    lines = [f"{report.label}: {len(report.cases)} pages with human answers",
             f"  {'metric':<21}" + "".join(f"{n:>14}" for n in names)]
    for m in FIGURES:
        lines.append(f"  {LABELS[m]:<21}" + "".join(f"{_bench_value(m, figures[n][m]):>14}" for n in names))
    lost = [s.stem[:8] for s in report.systems["ours"] if s.lost]
    if lost:
        lines.append(f"  lost by ours: {' '.join(lost)}")
    if "trafilatura" in names:
        lines.append(f"  note: {BENCH_NOTE}")
    return "\n".join(lines)


def format_bench_pages(report: BenchReport) -> str:
    """A row per page: token P/R/F1, author, date and status of each system."""
    names = list(report.systems)
    head = f"  {'page':<8}"
    for n in names:
        head += f" | {n[:11] + ' P':<13} {'R':>4} {'F1':>4} {'author':<6} {'date':<4} status"
    lines = [head]
    for i, case in enumerate(report.cases):
        row = f"  {case.stem[:8]:<8}"
        for n in names:
            s = report.systems[n][i]
            row += (f" | {s.precision:13.2f} {s.recall:4.2f} {s.f1:4.2f} "
                    f"{'ok' if s.author_ok else 'MISS':<6} {'ok' if s.date_ok else 'MISS':<4} {s.status}")
        lines.append(row)
    return "\n".join(lines)


def format_bench_misses(report: BenchReport, system: str = "ours") -> str:
    """What one system got wrong on each page: author and date (expected vs got), status, errors."""
    lines = []
    for case, s in zip(report.cases, report.systems[system]):
        wrong = []
        if s.error:
            wrong.append(f"error: {s.error}")
        if s.lost:
            wrong.append(f"status {s.status}")
        if not s.author_ok:
            wrong.append(f"author: expected {case.author!r}, got {s.author!r}")
        if not s.date_ok:
            wrong.append(f"date: expected {case.date!r}, got {s.date!r}")
        if wrong:
            lines.append(f"  {case.stem[:8]} (F1 {s.f1:.2f}): " + "; ".join(wrong))
    return f"misses ({system}): {len(lines)} pages\n" + "\n".join(lines) if lines else ""
