"""A process pool that survives its workers' deaths and knows which task killed one.

`concurrent.futures.ProcessPoolExecutor` turns one dead worker (the OOM killer, a
segfault in a C parser) into `BrokenProcessPool` for *every* pending task and cannot
say which task the dead worker held. Here each worker process is fed by one thread
of the parent over its own pipe, `depth` tasks at a time (default 2): the next task
is already in the worker's pipe when it sends a result, so it never waits for the
parent (a thread that may be slow to get the GIL in a busy crawl process) between
tasks. A worker reads its pipe on a thread of its own, so a task and a result
crossing in the pipe never wait for each other.

When a worker dies, it is replaced and every task it held (sent, no result yet) is
retried on the fresh one, one at a time, so a task that kills workers cannot take
a task sent with it down twice; a task whose second worker dies too fails with
`WorkerDied`. Other tasks never notice; nothing is lost silently.

Tasks are `(function, *args)` with a module-level function and picklable arguments;
results come back pickled, each with the worker's CPU time so far, so `cpu_seconds()`
says what the workers cost without waiting for them to exit (make bench reports it). Workers start with "spawn" (safe in a process that runs
threads, such as a Twisted reactor with its thread pool) and import `preload`
modules before their first task, so warm-up overlaps the caller's own start-up.
"""
from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import pickle
import queue
import signal
import threading
import time
import traceback
from collections import deque
from concurrent.futures import Future
from typing import Any, Callable, Iterable, Iterator, Sequence

logger = logging.getLogger(__name__)

ATTEMPTS = 2  # a task whose worker dies is retried once, then fails with WorkerDied
_STOP = None


class WorkerDied(RuntimeError):
    """The worker process running a task died (killed, out of memory, crashed) twice."""


class RemoteError(RuntimeError):
    """An exception raised in a worker that could not be sent back as itself."""


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _serve(conn: Any, preload: Sequence[str]) -> None:
    """A worker's life: import `preload`, then run tasks until told to stop or orphaned."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    inbox: queue.SimpleQueue = queue.SimpleQueue()
    threading.Thread(target=_receive, args=(conn, inbox), name="harvest-worker-inbox", daemon=True).start()
    for name in preload:
        importlib.import_module(name)
    while True:
        task = inbox.get()
        if task is _STOP:
            return
        function, args = task
        try:
            reply = (True, function(*args), time.process_time())
        except Exception as exc:  # sent back to the caller, the worker stays alive
            reply = (False, _portable(exc), time.process_time())
        try:
            conn.send(reply)
        except (OSError, EOFError):
            return
        except Exception as exc:  # an unpicklable result
            conn.send((False, RemoteError(f"result not picklable: {type(exc).__name__}: {exc}"),
                       time.process_time()))


def _receive(conn: Any, inbox: queue.SimpleQueue) -> None:
    """A worker's reader: take tasks off the pipe as they come (the parent's sends never
    block on a worker busy sending a result), until told to stop or orphaned."""
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            task = _STOP  # the parent is gone
        except Exception as exc:  # a task that cannot be unpickled here: its error is the reply
            task = (_raise, (RemoteError(f"task not readable in the worker: {type(exc).__name__}: {exc}"),))
        inbox.put(task)
        if task is _STOP:
            return


def _raise(exc: Exception) -> None:
    raise exc


def _portable(exc: Exception) -> Exception:
    """The exception itself if it survives pickling, else a RemoteError with its traceback."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        text = "".join(traceback.format_exception(exc)).strip()
        return RemoteError(f"{type(exc).__name__}: {exc}\n{text}")


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


class _Task:
    __slots__ = ("function", "args", "future", "attempts")

    def __init__(self, function: Callable[..., Any], args: tuple, future: Future) -> None:
        self.function, self.args, self.future = function, args, future
        self.attempts = 0  # workers that died holding it


class WorkerPool:
    """`workers` processes; `submit(fn, *args)` returns a concurrent.futures.Future."""

    def __init__(self, workers: int | None = None, *, preload: Sequence[str] = (),
                 start_method: str = "spawn", max_tasks: int = 0, depth: int = 2) -> None:
        self.size = workers or default_workers()
        self.preload = tuple(preload)
        self.max_tasks = max_tasks  # recycle a worker after this many tasks (0: never)
        self.depth = max(1, depth)  # tasks sent to a worker ahead of its results
        self.deaths = 0  # workers that died holding a task
        self._cpu_done = 0.0  # CPU seconds of workers gone (as of their last reply)
        self._cpu_live: dict[int, float] = {}  # feeder number -> its worker's CPU seconds so far
        self._context = multiprocessing.get_context(start_method)
        self._tasks: queue.SimpleQueue[_Task | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._processes: set[Any] = set()
        self._closed = False
        self._threads = [threading.Thread(target=self._feed, args=(n,), name=f"worker-feed-{n}", daemon=True)
                         for n in range(self.size)]
        for thread in self._threads:
            thread.start()

    # -- workers ----------------------------------------------------------
    def _spawn(self) -> tuple[Any, Any]:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(child, self.preload), daemon=True,
                                        name="harvest-worker")
        process.start()
        child.close()
        with self._lock:
            self._processes.add(process)
        return process, parent

    def _retire(self, process: Any, conn: Any, *, stop: bool) -> int | None:
        if stop:
            try:
                conn.send(_STOP)
            except OSError:
                pass
        conn.close()
        process.join(5 if stop else 1)
        if process.is_alive():
            process.kill()
            process.join()
        with self._lock:
            self._processes.discard(process)
        return process.exitcode

    def pids(self) -> list[int]:
        """Process ids of the live workers (for tests that kill one, and for memory figures)."""
        with self._lock:
            return [p.pid for p in self._processes if p.pid is not None]

    def cpu_seconds(self) -> float:
        """CPU time the workers have used, as of their latest replies (start-up included)."""
        with self._lock:
            return self._cpu_done + sum(self._cpu_live.values())

    def _worker_gone(self, slot: int) -> None:
        with self._lock:
            self._cpu_done += self._cpu_live.pop(slot, 0.0)

    def _feed(self, slot: int) -> None:
        """One worker's feeder: keep `depth` tasks in its pipe, replace it when it dies.

        A worker runs its tasks in the order they were sent, so each result belongs to
        the oldest task in `held`. Tasks a dead worker held go to `retry` and are sent
        to the fresh worker one at a time; new tasks wait until `retry` is empty.
        """
        process, conn = self._spawn()
        held: deque[_Task] = deque()  # sent to this worker, result not back yet, oldest first
        retry: deque[_Task] = deque()  # held by a worker that died, to run again one by one
        sent = 0  # tasks sent to this worker (for max_tasks)
        stopping = False
        try:
            while True:
                died = False
                while not (self.max_tasks and sent >= self.max_tasks):
                    if retry or (held and held[0].attempts):
                        if held:
                            break
                        task = retry.popleft()
                    elif stopping or len(held) >= self.depth:
                        break
                    else:
                        try:
                            task = self._tasks.get_nowait() if held else self._tasks.get()
                        except queue.Empty:
                            break
                        if task is _STOP:
                            stopping = True
                            break
                        if not task.future.set_running_or_notify_cancel():
                            continue
                    try:
                        conn.send((task.function, task.args))
                    except (OSError, EOFError):  # the worker died (holding `held`, or idle)
                        held.append(task)
                        died = True
                        break
                    except Exception as exc:  # unpicklable arguments (nothing was sent): the caller's error
                        task.future.set_exception(exc)
                        continue
                    held.append(task)
                    sent += 1
                if not died:
                    if not held:
                        if stopping and not retry:
                            return
                        if self.max_tasks and sent >= self.max_tasks:
                            self._retire(process, conn, stop=True)
                            self._worker_gone(slot)
                            process, conn = self._spawn()
                            sent = 0
                        continue
                    try:
                        ok, value, cpu = conn.recv()
                    except (OSError, EOFError):
                        died = True
                    else:
                        task = held.popleft()
                        with self._lock:
                            self._cpu_live[slot] = cpu
                        (task.future.set_result if ok else task.future.set_exception)(value)
                        continue
                # The worker died: replace it; what it held is retried once, then fails.
                pid, code = process.pid, self._retire(process, conn, stop=False)
                self._worker_gone(slot)
                with self._lock:
                    self.deaths += 1
                process, conn = self._spawn()
                sent = 0
                failed = 0
                while held:
                    task = held.pop()
                    task.attempts += 1
                    if task.attempts < ATTEMPTS:
                        retry.appendleft(task)
                    else:
                        failed += 1
                        task.future.set_exception(WorkerDied(
                            f"worker process died twice on this task ({_describe_exit(code)})"))
                logger.warning("worker process %s died (%s); tasks it held: %d to retry, %d failed",
                               pid, _describe_exit(code), len(retry), failed)
        finally:
            self._retire(process, conn, stop=True)
            self._worker_gone(slot)

    # -- tasks ------------------------------------------------------------
    def submit(self, function: Callable[..., Any], *args: Any) -> Future:
        """Run `function(*args)` in a worker; the future holds its result or exception."""
        if self._closed:
            raise RuntimeError("the worker pool is closed")
        future: Future = Future()
        self._tasks.put(_Task(function, args, future))
        return future

    def map(self, function: Callable[..., Any], items: Iterable[Any], *,
            window: int | None = None) -> Iterator[Future]:
        """Futures of `function(item)` in input order, at most `window` running ahead.

        Yields futures rather than results so each caller decides what a failed item
        means; memory stays flat however long `items` is.
        """
        window = window or 2 * self.size
        pending: deque[Future] = deque()
        for item in items:
            pending.append(self.submit(function, item))
            if len(pending) >= window:
                first = pending.popleft()
                first.exception()  # wait
                yield first
        for future in pending:
            future.exception()
            yield future

    def close(self, *, cancel: bool = False) -> None:
        """Stop the workers after the queued tasks (or cancel those with `cancel=True`)."""
        if self._closed:
            return
        self._closed = True
        if cancel:
            while True:
                try:
                    task = self._tasks.get_nowait()
                except queue.Empty:
                    break
                if task is not _STOP:
                    task.future.cancel()
        for _ in self._threads:
            self._tasks.put(_STOP)
        for thread in self._threads:
            thread.join()

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(cancel=exc[0] is not None)
