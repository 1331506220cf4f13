"""The archive's writer thread: one connection per crawl, several articles per transaction.

A crawl stores articles from the reactor thread, where a commit per article (an fsync
each, in WAL mode) and the SQL work would stall fetching. `ArchiveWriter` owns the
crawl's one `Archive` (connection) in a thread of its own. Callers submit work and
get a `concurrent.futures.Future`; the thread takes whatever has queued up (at most
`max_batch` jobs), runs it inside one transaction, every job in a savepoint of its
own, and commits. So:

- an article is still all-or-nothing: a job that fails rolls back to its savepoint,
  its future gets the exception, and the rest of the batch goes on;
- a future resolves only after the COMMIT that made its job durable;
- with nothing queued a job commits alone, as before; under load the batches grow
  by themselves. With `linger` > 0 a batch also waits that long after its first job
  for more (a crawl sets it: each commit costs CPU of its own, and the search index
  writes a new segment per transaction), at the price of that much latency.

Jobs run in submission order. Anything an `Archive` method does can be a job
(`call`), so the crawl row, captures and articles all go through one connection.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Callable

from .store import Archive

logger = logging.getLogger(__name__)

MAX_BATCH = 256  # jobs per transaction at most: bounds the time a reader's snapshot lags


class _Job:
    __slots__ = ("function", "future")

    def __init__(self, function: Callable[[Archive], Any], future: Future) -> None:
        self.function, self.future = function, future


_STOP = object()


class ArchiveWriter:
    """`ArchiveWriter(path)` opens the archive in its thread; `close()` commits and stops it.

    Raises, from the constructor, whatever opening the archive raises (a locked or
    unreadable file), so a crawl refuses to start instead of fetching for nothing.
    """

    def __init__(self, path: str | Path, *, max_batch: int = MAX_BATCH, linger: float = 0.0) -> None:
        self.path = path
        self.max_batch = max_batch
        self.linger = linger  # seconds a batch waits for more jobs after its first (0: none)
        self.batches = 0  # transactions committed
        self.jobs = 0  # jobs run
        self.cpu_seconds = 0.0  # CPU time the writer thread has used (make bench reports it)
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._archive: Archive | None = None
        opened: Future = Future()
        self._thread = threading.Thread(target=self._run, args=(opened,), name="archive-writer", daemon=True)
        self._thread.start()
        opened.result()  # re-raises an error from opening

    # -- submitting ----------------------------------------------------------
    def call(self, method: str, *args: Any, **kwargs: Any) -> Future:
        """Run `Archive.<method>(*args, **kwargs)` in the writer's transaction; its result later."""
        return self.submit(lambda archive: getattr(archive, method)(*args, **kwargs))

    def submit(self, function: Callable[[Archive], Any]) -> Future:
        """Run `function(archive)` in the writer's next transaction."""
        future: Future = Future()
        self._queue.put(_Job(function, future))
        return future

    def store_article(self, article: dict[str, Any], **kwargs: Any) -> Future:
        """`Archive.store_article` in a batch: a future of "new", "changed" or "unchanged"."""
        return self.call("store_article", article, **kwargs)

    def record_capture(self, capture: dict[str, Any]) -> Future:
        return self.call("record_capture", capture)

    def close(self) -> None:
        """Run what is queued, commit, close the connection and stop the thread."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()

    def __enter__(self) -> "ArchiveWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the thread ------------------------------------------------------------
    def _run(self, opened: Future) -> None:
        try:
            self._archive = Archive(self.path)
        except BaseException as exc:
            opened.set_exception(exc)
            return
        opened.set_result(None)
        try:
            while True:
                batch, stop = self._take()
                if batch:
                    started = time.thread_time()
                    self._run_batch(batch)
                    self.cpu_seconds += time.thread_time() - started
                if stop:
                    return
        finally:
            self._archive.close()

    def _take(self) -> tuple[list[_Job], bool]:
        """The next job (waiting for it) plus whatever else is already queued."""
        first = self._queue.get()
        if first is _STOP:
            return [], True
        batch = [first]
        deadline = None
        while len(batch) < self.max_batch:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                if not self.linger:
                    break
                if deadline is None:
                    deadline = time.monotonic() + self.linger
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    job = self._queue.get(timeout=remaining)
                except queue.Empty:
                    break
            if job is _STOP:
                return batch, True
            batch.append(job)
        return batch, False

    def _run_batch(self, batch: list[_Job]) -> None:
        archive = self._archive
        conn = archive.conn
        results: list[tuple[Future, bool, Any]] = []
        try:
            with archive.transaction():
                for job in batch:
                    if not job.future.set_running_or_notify_cancel():
                        continue
                    try:
                        with archive.transaction():  # nested: a savepoint
                            value = job.function(archive)
                    except Exception as exc:  # this job's rows are rolled back; the batch goes on
                        if not conn.in_transaction:
                            raise  # the error ended the whole transaction: every job in it failed
                        results.append((job.future, False, exc))
                    else:
                        results.append((job.future, True, value))
        except Exception as exc:
            logger.error("archive: a batch of %d writes failed: %s", len(batch), exc)
            for job in batch:
                if not job.future.done():
                    job.future.set_exception(exc)
            return
        self.batches += 1
        self.jobs += len(results)
        for future, ok, value in results:  # only now are they durable
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

