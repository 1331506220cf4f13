"""`harvest schedule`: crawl each source when it is due, one process per crawl.

Why processes: Twisted's reactor cannot be restarted, so a long-lived scheduler
cannot run Scrapy itself; each crawl is `harvest crawl NAME` in a child process, which
also means a crawl that crashes cannot take the scheduler down.

- Due: a source never crawled is due at once; after that `every` counts from the
  start of its last run, and a cron `schedule` (croniter, local time) is due at the
  first cron time after that start. Runs are read from the archive's `crawls` table,
  so a manual `harvest crawl NAME` counts as a run too.
- Never two crawls of one source: the child holds `<state>/locks/NAME.lock`
  (harvester.crawl.source_lock); the scheduler skips a locked source.
- Every run is in `crawls`: the child's pipeline opens and closes its row; when the
  child dies first (crash, kill, bad settings) the scheduler closes that row, or
  writes one, with the error.
- Every line the scheduler prints starts with a local timestamp (long-running services
  are read from their logs); each child logs its own timestamped progress lines to
  `<state>/logs/NAME.log`.
"""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Sequence

from archive import queries
from harvester.crawl import EX_TEMPFAIL, is_locked, state_dir
from harvester.progress import timestamp
from harvester.sources import Source, SourceError, load_sources


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def last_starts(db_path: str | Path) -> dict[str, datetime]:
    """source -> start of its latest crawl, from the archive (empty if there is none yet)."""
    out = {}
    for source, started in queries.last_starts(db_path).items():
        when = _parse_time(started)
        if when:
            out[source] = when
    return out


def next_due(source: Source, last_start: datetime | None, now: datetime) -> datetime | None:
    """When `source` should next run; None for sources without a schedule (manual only)."""
    if not source.scheduled:
        return None
    if last_start is None:
        return now
    if source.every is not None:
        return last_start + source.every
    from croniter import croniter

    local_start = last_start.astimezone()  # cron fields mean the machine's local time, as in crontab
    return croniter(source.schedule, local_start).get_next(datetime).astimezone(timezone.utc)


def format_every(every) -> str:
    """timedelta -> "1h30m" (the sources-file spelling)."""
    seconds, out = int(every.total_seconds()), ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            out += f"{seconds // size}{unit}"
            seconds %= size
    return out or "0s"


def due_sources(sources: dict[str, Source], db_path: str | Path,
                now: datetime | None = None) -> list[Source]:
    """The sources whose next run time has come, in sources-file order."""
    now = now or datetime.now(timezone.utc)
    starts = last_starts(db_path)
    due = []
    for source in sources.values():
        when = next_due(source, starts.get(source.name), now)
        if when is not None and when <= now:
            due.append(source)
    return due


@dataclass
class Run:
    """One child crawl: its process, and what it said when it ended."""

    source: str
    process: subprocess.Popen
    started: datetime
    log_path: Path
    log_offset: int
    returncode: int | None = None
    summary: str = ""
    error: str | None = None
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def busy(self) -> bool:
        return self.returncode == EX_TEMPFAIL


@dataclass
class Scheduler:
    sources_path: str
    db_path: str
    warc_dir: str
    refresh: bool = False
    jobs: int = 2
    extra_args: Sequence[str] = ()
    echo: Callable[[str], None] = print
    python: str = sys.executable
    running: dict[str, Run] = field(default_factory=dict)
    stopping: bool = False

    @property
    def state(self) -> Path:
        return state_dir(self.db_path)

    def command(self, name: str) -> list[str]:
        cmd = [self.python, "-m", "harvester.cli", "crawl", name, "--sources", self.sources_path,
               "--db", self.db_path, "--warc-dir", self.warc_dir]
        if self.refresh:
            cmd.append("--refresh")
        return cmd + list(self.extra_args)

    def say(self, line: str) -> None:
        """One scheduler line, stamped with the local time."""
        self.echo(f"{timestamp()} {line}")

    # -- one child -----------------------------------------------------------------
    def start(self, source: Source) -> Run | None:
        if is_locked(self.state, source.name):
            self.say(f"{source.name}: skipped, a crawl of it is already running")
            return None
        log_dir = self.state / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / f"{source.name}.log"
        started = datetime.now(timezone.utc).replace(microsecond=0)
        with open(log_path, "ab") as log:
            log.write(f"--- {started.isoformat()} {' '.join(self.command(source.name))}\n".encode())
            offset = log.tell()
            # Own session: a terminal's Ctrl-C reaches the scheduler only, which then stops
            # each child exactly once (a second signal would make Scrapy stop uncleanly).
            process = subprocess.Popen(self.command(source.name), stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        self.say(f"{source.name}: started ({source.kind}, pid {process.pid})")
        run = Run(source.name, process, started, log_path, offset)
        self.running[source.name] = run
        return run

    def finish(self, run: Run) -> None:
        """Read the child's result and make sure the run has a closed `crawls` row."""
        run.returncode = run.process.returncode
        run.elapsed = (datetime.now(timezone.utc) - run.started).total_seconds()
        with open(run.log_path, "rb") as log:
            log.seek(run.log_offset)
            lines = [line.strip() for line in log.read().decode("utf-8", "replace").splitlines() if line.strip()]
        run.summary = next((line for line in reversed(lines) if line.startswith("fetched ")), "")
        if run.busy:
            self.say(f"{run.source}: skipped, a crawl of it is already running")
            return
        if run.returncode != 0:
            if run.returncode < 0:
                reason = f"killed by signal {signal.Signals(-run.returncode).name}"
            else:
                # "harvest: error: ..." or a traceback's "SomeError: ...", not a count like "errors 0"
                last = next((line for line in reversed(lines) if "error:" in line.lower()), "")
                reason = f"exit status {run.returncode}" + (f": {last}" if last else "")
            run.error = reason
            self.record_failure(run)
        status = "ok" if run.ok else f"FAILED ({run.error})"
        if run.ok and self.stopping:
            status = "stopped (the next run resumes it)"
        self.say(f"{run.source}: {status} in {run.elapsed:.1f}s" + (f" - {run.summary}" if run.summary else ""))

    def record_failure(self, run: Run) -> None:
        """Close the crawl row the child left open, or write one, with the error."""
        import sqlite3

        from archive.store import Archive

        try:
            with Archive(self.db_path) as archive:
                rows = queries.crawl_runs(self.db_path, run.source, run.started.isoformat(timespec="seconds"))
                if any(ended for _, ended in rows):
                    return  # the crawl closed its own row (it ran; its failures are in the counts)
                open_rows = [crawl_id for crawl_id, ended in rows if not ended]
                crawl_id = open_rows[-1] if open_rows else archive.start_crawl(run.source)
                archive.finish_crawl(crawl_id, {}, error=run.error)
        except (sqlite3.Error, OSError) as exc:
            self.say(f"{run.source}: could not record the failure in {self.db_path}: {exc}")

    def reap(self) -> list[Run]:
        done = []
        for name, run in list(self.running.items()):
            if run.process.poll() is not None:
                del self.running[name]
                self.finish(run)
                done.append(run)
        return done

    # -- the loop -----------------------------------------------------------------------
    def load(self) -> dict[str, Source]:
        return load_sources(self.sources_path)

    def prepare_archive(self) -> None:
        """Create or migrate the archive once here, not in parallel children that would race."""
        from archive.store import Archive

        Path(self.db_path).parent.mkdir(parents=True, exist_ok=True)
        Archive(self.db_path).close()

    def launch_due(self, sources: dict[str, Source], exclude: set[str] = frozenset()) -> None:
        for source in due_sources(sources, self.db_path):
            if self.stopping or len(self.running) >= self.jobs:
                return
            if source.name not in self.running and source.name not in exclude:
                self.start(source)

    def run_once(self) -> list[Run]:
        """Run every due source (at most `jobs` at a time), wait for them all, return the runs."""
        sources = self.load()
        due = [s for s in due_sources(sources, self.db_path)]
        if not due:
            self.say("nothing due")
            return []
        self.prepare_archive()
        runs: list[Run] = []
        pending = list(due)
        while (pending or self.running) and not self.stopping:
            while pending and len(self.running) < self.jobs and not self.stopping:
                self.start(pending.pop(0))
            time.sleep(0.2)
            runs.extend(self.reap())
        runs.extend(self.wait_all())
        return runs

    def run_forever(self, poll: float = 1.0) -> None:
        """Keep running due sources until SIGINT/SIGTERM; reloads the sources file each round."""
        sources = self.load()
        self.prepare_archive()
        self.say(f"scheduling {sum(s.scheduled for s in sources.values())} sources from {self.sources_path}")
        while not self.stopping:
            try:
                sources = self.load()
            except SourceError as exc:
                self.say(f"sources file not reloaded, keeping the previous one: {exc}")
            self.launch_due(sources)
            self.reap()
            time.sleep(poll)
        self.wait_all()

    def stop(self, *_args) -> None:
        """Stop launching; ask every child to stop cleanly (Scrapy keeps its JOBDIR to resume)."""
        if self.stopping:
            return
        self.stopping = True
        for run in self.running.values():
            if run.process.poll() is None:
                run.process.send_signal(signal.SIGTERM)

    def wait_all(self) -> list[Run]:
        runs = []
        while self.running:
            time.sleep(0.2)
            runs.extend(self.reap())
        return runs

    def status_lines(self, now: datetime | None = None) -> list[str]:
        """One line per source: kind, schedule, last run, next run."""
        now = now or datetime.now(timezone.utc)
        starts = last_starts(self.db_path)
        lines = []
        for source in self.load().values():
            rule = source.schedule or (f"every {format_every(source.every)}" if source.every else "manual only")
            last = starts.get(source.name)
            when = next_due(source, last, now)
            nxt = "-" if when is None else ("due now" if when <= now else when.astimezone().isoformat(timespec="seconds"))
            lines.append(f"{source.name}\t{source.kind}\t{rule}\tlast {last.astimezone().isoformat(timespec='seconds') if last else 'never'}\tnext {nxt}")
        return lines
