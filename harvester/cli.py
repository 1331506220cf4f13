"""`harvest`: the command line. Each command parses options and makes one call inward.

Bad input (missing file, non-HTML, broken WARC, unreachable host) ends in one line on
stderr naming the input and a non-zero exit, never a traceback.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

# Every command that opens an archive takes both, so one HARVEST_DB / HARVEST_WARC_DIR
# in the environment points every command (and the scheduler's children) at one archive.
DB_OPTION = click.option("--db", "db_path", default="archive.db", show_default=True, envvar="HARVEST_DB",
                         show_envvar=True, type=click.Path(dir_okay=False), help="SQLite archive file.")
WARC_DIR_OPTION = click.option("--warc-dir", default="warcs", show_default=True, envvar="HARVEST_WARC_DIR",
                               show_envvar=True, type=click.Path(file_okay=False),
                               help="Directory of WARC files.")
SOURCES_OPTION = click.option("--sources", "sources_path", default="sources.toml", show_default=True,
                              type=click.Path(dir_okay=False), help="Sources file (TOML).")
WORKERS_OPTION = click.option("--workers", default=None, type=click.IntRange(0, 256),
                              help="Extraction worker processes (default: one per core; 0: in this process).")


SETTING_OPTION = click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
                              help="Override a Scrapy setting (repeatable).")


def _scrapy_overrides(pairs: tuple[str, ...]) -> dict[str, str]:
    """`-s NAME=VALUE` options as a settings dict, as `scrapy crawl -s` takes them."""
    settings = {}
    for item in pairs:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise HarvestError(f"-s {item}: expected NAME=VALUE")
        settings[name] = value
    return settings


def require_archive(db_path: str) -> None:
    """Commands that read an archive refuse a missing one instead of creating it empty."""
    if not Path(db_path).is_file():
        raise HarvestError(f"{db_path}: no such archive (run harvest crawl first)")


class HarvestError(click.ClickException):
    """A one-line, user-facing failure."""

    def show(self, file=None) -> None:
        click.echo(f"harvest: error: {self.format_message()}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="news-harvester")
def cli() -> None:
    """Harvest bilingual news articles into WARC files and a SQLite archive."""


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


@cli.command()
@click.argument("targets", nargs=-1, required=True)
@DB_OPTION
@WARC_DIR_OPTION
@SOURCES_OPTION
@click.option("--refresh", is_flag=True, help="Fetch again articles already in the archive.")
@click.option("--replay", "replay_from", multiple=True, type=click.Path(exists=True),
              help="Answer requests from this WARC file, or the WARC files of this directory, "
                   "instead of the network (repeatable).")
@click.option("--frontier", default=None, metavar="redis://HOST:PORT/DB",
              help="Join a crawl shared by several workers through this Redis server (docs/scale-out.md).")
@click.option("--quiet", is_flag=True,
              help="No progress (a line on a terminal, else a log line every HARVEST_PROGRESS_INTERVAL s).")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
@SETTING_OPTION
def crawl(targets: tuple[str, ...], db_path: str, warc_dir: str, sources_path: str, refresh: bool,
          replay_from: tuple[str, ...], frontier: str | None, quiet: bool, verbose: bool,
          overrides: tuple[str, ...]) -> None:
    """Crawl article URLs (or named sources from the sources file) into the archive."""
    from harvester.crawl import run_crawl

    urls = [t for t in targets if _is_url(t)]
    names = [t for t in targets if not _is_url(t)]
    settings: dict = {"LOG_LEVEL": "INFO" if verbose else "CRITICAL", "HARVEST_REFRESH": refresh,
                      **_scrapy_overrides(overrides)}
    if replay_from:
        from archive.cdxj import expand_warc_paths

        files = expand_warc_paths(replay_from)
        if not files:
            raise HarvestError(f"{', '.join(replay_from)}: no WARC files to replay from")
        settings["REPLAY_WARCS"] = [str(p) for p in files]
    if frontier:
        from harvester.sources import check_frontier_url

        try:
            settings["HARVEST_FRONTIER"] = check_frontier_url(frontier)
        except ValueError as exc:
            raise HarvestError(f"--frontier: {exc}") from None
    source = "urls"
    if names:
        from harvester.sources import SourceError, load_sources

        for name in names:  # a WARC path among the targets: --replay takes one path per flag
            if Path(name).exists() or name.endswith((".warc", ".warc.gz")):
                raise HarvestError(f"{name}: not a URL and not a source name (to replay WARC files, "
                                   f"give each with --replay, or their directory: --replay DIR)")
        try:
            sources = load_sources(sources_path)
        except SourceError as exc:
            raise HarvestError(f"{names[0]}: not a URL, and no source of that name ({exc})") from None
        for name in names:
            if name not in sources:
                raise HarvestError(f"{name}: not a URL and not a source in {sources_path}")
    # Named sources run with their own spider (feed/sitemap/index), lock and JOBDIR.
    from harvester.crawl import EX_TEMPFAIL, FrontierUnavailable, SourceBusy, run_sources

    try:
        if names:
            summary = run_sources([sources[name] for name in dict.fromkeys(names)], urls=urls,
                                  db_path=db_path, warc_dir=warc_dir, refresh=refresh,
                                  progress=not quiet, settings=settings)
        else:
            summary = run_crawl(urls, db_path=db_path, warc_dir=warc_dir, source=source,
                                progress=not quiet, settings=settings)
    except SourceBusy as exc:
        click.echo(f"harvest: error: {exc}", err=True)
        sys.exit(EX_TEMPFAIL)
    except FrontierUnavailable as exc:
        raise HarvestError(str(exc)) from None
    except OSError as exc:  # the state directory (locks, JOBDIRs) next to --db
        raise HarvestError(f"{exc.filename or db_path}: {exc.strerror or exc}") from None
    click.echo(summary.line())
    for url, reason in summary.failures:
        click.echo(f"harvest: error: {url}: {reason}", err=True)
    if summary.stopped or (summary.failures and not summary.stored and not summary.outcomes.get("unchanged")):
        sys.exit(1)


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--url", default=None, help="The page's URL (default: a file: URL of PATH).")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
def extract(path: str, url: str | None, fmt: str) -> None:
    """Extract one saved HTML file (raw bytes, any encoding); no network, no archive."""
    from harvester.extract import extract as extract_page
    from harvester.extract.errors import ExtractionError
    from harvester.page import Page

    file = Path(path)
    try:
        body = file.read_bytes()
    except OSError as exc:
        raise HarvestError(f"{path}: {exc.strerror or exc}") from None
    try:
        article = extract_page(Page(body=body, url=url or file.resolve().as_uri()))
    except ExtractionError as exc:
        raise HarvestError(f"{path}: {exc}") from None
    data = article.to_dict()
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"[{data['status']}: {article.status_reason}] {data['title']}")
    for para in data["paragraphs"]:
        click.echo(f"  ({para['lang']}/{para['role']}) {para['text']}")


@cli.command()
@click.argument("warcs", nargs=-1, type=click.Path())
@DB_OPTION
@WARC_DIR_OPTION
@WORKERS_OPTION
def replay(warcs: tuple[str, ...], db_path: str, warc_dir: str, workers: int | None) -> None:
    """Re-run extraction over recorded WARC files or directories (default: --warc-dir) into the archive, no network."""
    from archive.cdxj import expand_warc_paths
    from archive.store import Archive
    from archive.warcstore import WarcError
    from harvester.replay import replay as replay_warcs

    if not warcs:  # after an extractor change: re-extract everything the archive recorded
        if not Path(warc_dir).is_dir():
            raise HarvestError(f"{warc_dir}: no such WARC directory (name WARC files, or set --warc-dir)")
        warcs = tuple(sorted(str(p) for p in Path(warc_dir).glob("*.warc.gz")))
        if not warcs:
            raise HarvestError(f"{warc_dir}: no .warc.gz files to replay")
    for path in warcs:
        if not Path(path).exists():
            raise HarvestError(f"{path}: no such file")
    files = [str(p) for p in expand_warc_paths(warcs)]
    if not files:
        raise HarvestError(f"{', '.join(warcs)}: no WARC files")
    warcs = tuple(files)
    archive = Archive(db_path)
    try:
        summary = replay_warcs(warcs, archive, workers=workers)
    except WarcError as exc:
        raise HarvestError(str(exc)) from None
    click.echo(summary.line())


@cli.command()
@DB_OPTION
@WARC_DIR_OPTION
@click.option("--port", default=8001, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
def serve(db_path: str, warc_dir: str, port: int, host: str) -> None:
    """Open the archive in Datasette (in this process) with the project's metadata and plugins."""
    from archive.serve import serve as serve_archive

    require_archive(db_path)
    try:
        serve_archive(db_path, warc_dir=warc_dir, port=port, host=host)
    except KeyboardInterrupt:  # Ctrl-C: the server has already shut down
        pass


@cli.command()
@click.argument("urls", nargs=-1, required=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The WARC file to write.")
@click.option("--quiet", is_flag=True, help="No progress line.")
@SETTING_OPTION
def record(urls: tuple[str, ...], out: str, quiet: bool, overrides: tuple[str, ...]) -> None:
    """Fetch pages into one WARC file on purpose (new test fixtures); archive nothing."""
    from harvester.crawl import run_crawl

    for url in urls:
        if not _is_url(url):
            raise HarvestError(f"{url}: not an http(s) URL")
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    summary = run_crawl(urls, db_path=None, warc_dir=None, source="record",
                        progress=not quiet,
                        settings={"LOG_LEVEL": "CRITICAL", **_scrapy_overrides(overrides), "WARC_FILE": out})
    click.echo(f"recorded {summary.fetched} responses into {out}")
    for url, reason in summary.failures:
        click.echo(f"harvest: error: {url}: {reason}", err=True)
    if summary.failures:
        sys.exit(1)


@cli.command()
@DB_OPTION
@WARC_DIR_OPTION
@click.option("--repair", is_flag=True,
              help="Cut a torn WARC back to its last whole record (the cut bytes are kept beside it as "
                   "FILE.torn-OFFSET) and mark the rows whose records were lost.")
def verify(db_path: str, warc_dir: str, repair: bool) -> None:
    """Check that every WARC file reads to its end and every archive row's pointer resolves with matching digests."""
    from archive.verify import verify as verify_archive

    require_archive(db_path)
    report = verify_archive(db_path, warc_dir, repair=repair)
    for problem in report.problems:
        click.echo(problem)
    for line in report.repaired:
        click.echo(f"REPAIRED {line}")
    for line in report.lost:
        click.echo(f"LOST {line}")
    for path in report.busy:
        click.echo(f"SKIPPED {path}: being written by a crawl, not checked")
    click.echo(f"checked {report.files} WARC files and {report.checked} pointers, {len(report.problems)} problems"
               + (f", {len(report.repaired)} files repaired" if report.repaired else "")
               + (f", {len(report.lost)} rows lost" if report.lost else ""))
    if not report.ok:
        if not repair and any(p.startswith("TORN ") for p in report.problems):
            click.echo("harvest: error: torn WARC files; `harvest verify --repair` cuts them back", err=True)
        sys.exit(1)


@cli.command()
@click.argument("shards", nargs=-1, required=True, metavar="SHARD.db[=WARC_DIR]...")
@DB_OPTION
@WARC_DIR_OPTION
@click.option("--copy", "copy_files", is_flag=True, help="Copy WARC files instead of hard-linking them.")
def merge(shards: tuple[str, ...], db_path: str, warc_dir: str, copy_files: bool) -> None:
    """Merge archive shards (workers of a shared crawl) into --db, their WARC files into --warc-dir.

    A shard's WARC directory is `warcs/` next to it unless given as SHARD.db=WARC_DIR.
    Idempotent: merging a shard again adds only what it gained since.
    """
    from archive.merge import MergeError, Shard, merge_shards

    try:
        merge_shards(db_path, warc_dir, [Shard.parse(spec) for spec in shards], link=not copy_files,
                     progress=lambda report: click.echo(report.line()))
    except MergeError as exc:
        raise HarvestError(str(exc)) from None


@cli.command()
@DB_OPTION
@WARC_DIR_OPTION
@SOURCES_OPTION
@click.option("--once", is_flag=True, help="Run the sources that are due, wait for them, exit (cron, systemd timers).")
@click.option("--refresh", is_flag=True, help="Re-fetch archived articles with conditional requests.")
@click.option("--jobs", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Crawls (of different sources) at the same time.")
@click.option("--list", "list_only", is_flag=True, help="Show each source's last and next run; crawl nothing.")
def schedule(db_path: str, warc_dir: str, sources_path: str, once: bool, refresh: bool, jobs: int,
             list_only: bool) -> None:
    """Run the crawl scheduler for the sources file (one process per crawl)."""
    import signal

    from harvester.schedule import Scheduler
    from harvester.sources import SourceError

    scheduler = Scheduler(sources_path, db_path, warc_dir, refresh=refresh, jobs=jobs,
                          echo=lambda line: click.echo(line, err=False))
    try:
        if list_only:
            for line in scheduler.status_lines():
                click.echo(line)
            return
        signal.signal(signal.SIGTERM, scheduler.stop)
        signal.signal(signal.SIGINT, scheduler.stop)
        if once:
            runs = scheduler.run_once()
            if any(not run.ok and not run.busy for run in runs):
                sys.exit(1)
        else:
            scheduler.run_forever()
    except SourceError as exc:
        raise HarvestError(str(exc)) from None


@cli.command()
@click.argument("query")
@DB_OPTION
@WARC_DIR_OPTION
@click.option("--limit", default=10, show_default=True, type=int)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def search(query: str, db_path: str, warc_dir: str, limit: int, fmt: str) -> None:
    """Full-text search, English or Chinese: best hits with a snippet.

    --warc-dir is taken (and unused: search reads only the database) so that one set of
    archive options, or HARVEST_DB / HARVEST_WARC_DIR, works with every command.
    """
    from archive.store import Archive

    require_archive(db_path)
    hits = Archive(db_path).search(query, limit=limit)
    if fmt == "json":
        click.echo(json.dumps(hits, ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo(f"no articles match {query!r}")
    for hit in hits:
        title = hit.get("title") or hit.get("title_zh") or hit.get("title_en") or ""
        click.echo(f"[{hit['id']}] {title}  ({hit.get('source') or '-'}, {hit.get('published') or '-'})")
        click.echo(f"    {hit.get('snippet', '')}")
        click.echo(f"    {hit.get('canonical_url') or hit.get('url') or ''}")


@cli.command()
@DB_OPTION
@WARC_DIR_OPTION
@click.option("--format", "fmt", type=click.Choice(["jsonl", "tmx", "wacz"]), required=True)
@click.option("--out", default="-", show_default=True, help="Output file ('-' for stdout; required for wacz).")
@click.option("--source", default=None, help="Only pairs of this source.")
@click.option("--since", default=None, help="Only articles published on or after this date (YYYY-MM-DD).")
@click.option("--until", default=None, help="Only articles published on or before this date.")
def export(db_path: str, warc_dir: str, fmt: str, out: str, source: str | None, since: str | None,
           until: str | None) -> None:
    """Export the aligned EN/ZH pairs (jsonl, tmx), or the WARCs as a WACZ."""
    from archive.store import Archive

    require_archive(db_path)
    if fmt == "wacz":
        from archive.wacz import WaczError, export_wacz

        if out == "-":
            raise HarvestError("--out FILE.wacz is required for --format wacz")
        try:
            count = export_wacz(db_path, warc_dir, out)
        except WaczError as exc:
            raise HarvestError(str(exc)) from None
        click.echo(f"wrote {out} with {count} WARC files", err=True)
        return
    from archive.export import export_jsonl, export_tmx

    writer = export_jsonl if fmt == "jsonl" else export_tmx
    archive = Archive(db_path)
    if out == "-":
        count = writer(archive, sys.stdout.buffer if fmt == "tmx" else sys.stdout,
                       source=source, since=since, until=until)
    else:
        count = writer(archive, out, source=source, since=since, until=until)
    click.echo(f"exported {count} pairs", err=True)


@cli.command(name="eval")
@click.argument("directory", required=False, type=click.Path())
@click.option("--corpus", "with_corpus", is_flag=True,
              help="Also score the real pages of ../shared/corpus that have fixtures/corpus_truth files.")
@click.option("--corpus-dir", default=None, type=click.Path(), help="The real-page corpus (default ../shared/corpus).")
@click.option("--realbench", "bench_dir", default=None, type=click.Path(),
              help="Also score a benchmark with human answers (original/, cleaned/, author/, date/), "
                   "e.g. ../shared/realbench/cwce-dev; a DIR laid out so is detected by itself.")
@click.option("--baseline/--no-baseline", default=True, show_default=True,
              help="Score bare trafilatura on the same pages, side by side.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-v", "--verbose", is_flag=True, help="A row per page, and trafilatura's failures too.")
@click.option("--gate", "gate_path", default=None, type=click.Path(dir_okay=False),
              help="JSON floors (e.g. fixtures/eval_floors.json); exit 1 when a figure breaks its floor.")
@click.option("--write-floors", default=None, type=click.Path(dir_okay=False),
              help="Write floors from the figures measured now (review the diff).")
@click.option("--margin", default=0.0, show_default=True, type=click.FloatRange(0, 1),
              help="With --write-floors: how far below today's figures the floors sit (never below trafilatura's).")
@click.option("-j", "--jobs", default=None, type=click.IntRange(1), help="Worker processes (default: cores, at most 4).")
def eval_(directory: str | None, with_corpus: bool, corpus_dir: str | None, bench_dir: str | None, baseline: bool,
          fmt: str, verbose: bool, gate_path: str | None, write_floors: str | None, margin: float,
          jobs: int | None) -> None:
    """Score the extractor (and bare trafilatura) on pages with hand-written truth or human answers."""
    from evaluation import gate, report as fmt_report
    from evaluation.cases import EvalError, load_cases, load_corpus_cases
    from evaluation.realbench import evaluate_bench, is_benchmark, load_bench
    from evaluation.systems import default_jobs, evaluate

    if directory is None and not with_corpus and bench_dir is None:
        raise HarvestError("give a DIR of pages (e.g. fixtures/pages), --corpus or --realbench DIR")
    if directory is not None and bench_dir is not None and is_benchmark(directory):
        raise HarvestError(f"{directory}: give the benchmark once (as DIR or --realbench)")
    if directory is not None and is_benchmark(directory):
        directory, bench_dir = None, directory
    jobs = jobs or default_jobs()
    floors = gate.load_floors(gate_path) if gate_path else None
    reports = []  # (section, report)
    try:
        if directory is not None:
            reports.append((gate.section_for(directory, floors), evaluate(load_cases(directory, corpus_dir),
                                                                           label=directory, baseline=baseline, jobs=jobs)))
        if with_corpus:
            try:
                cases = load_corpus_cases(corpus_dir=corpus_dir)
            except EvalError as exc:
                click.echo(f"harvest: corpus skipped: {exc}", err=True)
            else:
                reports.append(("corpus", evaluate(cases, label="corpus", baseline=baseline, jobs=jobs)))
        if bench_dir is not None:
            reports.append(("realbench", evaluate_bench(load_bench(bench_dir), label=bench_dir,
                                                        baseline=baseline, jobs=jobs)))
    except EvalError as exc:
        raise HarvestError(str(exc)) from None
    measured = {section: (r.figures("ours"), r.figures("trafilatura") if baseline else None) for section, r in reports}
    problems = []
    if floors is not None:
        for section, (ours, theirs) in measured.items():
            problems += [f"{section}: {p}" for p in gate.check_gate(ours, gate.floors_for(floors, section), theirs)]
    if fmt == "json":
        click.echo(json.dumps({section: r.to_dict() for section, r in reports} | {"gate": problems},
                              ensure_ascii=False, indent=2))
    else:
        for section, report in reports:
            if section == "realbench":
                if verbose:
                    click.echo(fmt_report.format_bench_pages(report))
                click.echo(fmt_report.format_bench_summary(report))
                misses = fmt_report.format_bench_misses(report)
                if verbose and misses:
                    click.echo(misses)
            else:
                if verbose:
                    click.echo(fmt_report.format_pages(report))
                click.echo(fmt_report.format_summary(report))
                failures = fmt_report.format_failures(report, ("ours", "trafilatura") if verbose else ("ours",))
                if failures:
                    click.echo(failures)
            click.echo("")
        if floors is not None:
            click.echo(f"gate {gate_path}: " + ("FAILED" if problems else "passed"))
    for p in problems:
        click.echo(f"harvest: gate: {p}", err=True)
    if write_floors:
        data = {"_comment": gate.COMMENT}
        data |= {section: gate.floors_from(ours, theirs, margin) for section, (ours, theirs) in measured.items()}
        Path(write_floors).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        click.echo(f"wrote floors to {write_floors}", err=True)
    if problems:
        sys.exit(1)


def main() -> None:
    cli(prog_name="harvest")


if __name__ == "__main__":
    main()
