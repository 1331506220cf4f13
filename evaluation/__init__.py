"""Measuring extraction, apart from the runtime: nothing in `harvester` or `archive` imports this.

- `evaluation.cases`: where pages and their truth come from (fixture pages, the shared corpus).
- `evaluation.scoring`: the metrics of a page against hand-written truth, and their totals.
- `evaluation.systems`: our `extract()` and bare trafilatura run on the same bytes, side by side.
- `evaluation.realbench`: bag-of-tokens P/R/F1, author and date accuracy on a real-page benchmark
  with human answers (`../shared/realbench/cwce-dev` layout).
- `evaluation.gate`: pinned floors (and ceilings) that `harvest eval --gate` refuses to go below.
- `evaluation.report`: the text tables `harvest eval` prints.
"""
