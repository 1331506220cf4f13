"""The extraction worker pool: results come back, and a dead worker loses nothing."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from archive.prepare import prepare
from fixtures.loader import iter_cases
from harvester.extract import extract
from harvester.extraction import InlinePool, PageJob, extract_all, make_pool, run_job
from harvester.page import Page
from harvester.workers import WorkerDied, WorkerPool


def square(n: int) -> int:
    return n * n


def refuse(n: int) -> int:
    raise ValueError(f"no {n}")


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def burn(seconds: float) -> float:
    """Use `seconds` of this process's CPU; return how much it used."""
    started = time.process_time()
    while time.process_time() - started < seconds:
        pass
    return time.process_time() - started


def report_pid_then_wait(marker: str) -> str:
    """Write our pid where the test can read it, then work long enough to be killed."""
    Path(marker).write_text(str(os.getpid()))
    for _ in range(600):
        time.sleep(0.05)
        if Path(marker + ".go").exists():
            break
    return "finished"


def pid() -> int:
    return os.getpid()


def report_pid_then_die(marker: str) -> None:
    """Write our pid, wait for the test's word, then die as the OOM killer would kill us."""
    Path(marker).write_text(str(os.getpid()))
    for _ in range(600):
        if Path(marker + ".go").exists():
            break
        time.sleep(0.05)
    os.kill(os.getpid(), signal.SIGKILL)


def _wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_results_and_exceptions_come_back_in_order():
    with WorkerPool(2) as pool:
        assert [f.result() for f in pool.map(square, range(10))] == [n * n for n in range(10)]
        with pytest.raises(ValueError, match="no 3"):
            pool.submit(refuse, 3).result()
        assert pool.submit(square, 4).result() == 16  # the worker survived the exception


def test_the_pool_counts_its_workers_cpu_without_waiting_for_them_to_exit():
    with WorkerPool(2) as pool:
        before = pool.cpu_seconds()
        used = sum(f.result() for f in pool.map(burn, [0.2] * 4))
        assert pool.cpu_seconds() - before >= used
        with pytest.raises(WorkerDied):
            pool.submit(die).result()
        assert pool.cpu_seconds() >= before + used  # workers that died keep the CPU they had reported
    assert InlinePool().cpu_seconds() == 0.0


def test_a_killed_worker_is_replaced_and_its_task_retried_once(tmp_path):
    marker = str(tmp_path / "pid")
    with WorkerPool(2) as pool:
        future = pool.submit(report_pid_then_wait, marker)
        while not Path(marker).exists():
            time.sleep(0.02)
        first = int(Path(marker).read_text())
        Path(marker).unlink()
        os.kill(first, signal.SIGKILL)  # as the OOM killer would
        while not Path(marker).exists():  # the retry reports from a fresh worker
            time.sleep(0.02)
        assert int(Path(marker).read_text()) != first
        Path(marker + ".go").touch()
        assert future.result(timeout=60) == "finished"
        assert pool.deaths == 1
        assert first not in pool.pids() and len(pool.pids()) == 2


def test_a_task_that_kills_every_worker_fails_after_one_retry():
    with WorkerPool(1) as pool:
        with pytest.raises(WorkerDied, match="died twice"):
            pool.submit(die).result(timeout=60)
        assert pool.deaths == 2
        assert pool.submit(square, 5).result(timeout=60) == 25  # the pool goes on


def test_page_jobs_give_the_same_dicts_in_workers_as_in_process():
    cases = list(iter_cases())[:12]
    jobs = [PageJob.of(c.body, c.url, c.headers) for c in cases]
    with make_pool(2) as pool:
        pooled = list(extract_all(pool, jobs))
    assert pooled == list(extract_all(InlinePool(), jobs))
    for case, job, result in zip(cases, jobs, pooled):
        direct = extract(Page.from_headers(case.body, case.url, case.headers))
        expected = {"article": direct.to_dict()}
        if direct.to_dict()["status"] == "article":  # with what the archive stores, worked out in the worker
            expected["prepared"] = prepare(direct.to_dict())
        assert result == expected, case.name


def test_non_html_is_an_error_result_not_an_exception():
    assert run_job(PageJob.of(b"%PDF-1.4", "http://x/a.pdf", {"Content-Type": "application/pdf"})) == {
        "error": "not HTML: content-type application/pdf"}


def test_a_worker_that_dies_holding_two_tasks_has_both_retried_on_its_replacement(tmp_path):
    marker = str(tmp_path / "pid")
    with WorkerPool(1, depth=2) as pool:
        blocking = pool.submit(report_pid_then_wait, marker)
        behind = pool.submit(pid)  # sent into the same worker's pipe, behind the first
        _wait_for(lambda: Path(marker).exists() and behind.running())
        first = int(Path(marker).read_text())
        Path(marker).unlink()
        os.kill(first, signal.SIGKILL)
        _wait_for(lambda: Path(marker).exists())  # the first task again, on a fresh worker
        assert int(Path(marker).read_text()) != first
        Path(marker + ".go").touch()
        assert blocking.result(timeout=60) == "finished"
        assert behind.result(timeout=60) not in (first, None)  # it ran on the fresh worker
        assert pool.deaths == 1


def test_a_task_that_kills_workers_fails_alone_the_task_sent_with_it_succeeds(tmp_path):
    marker = str(tmp_path / "pid")
    with WorkerPool(1, depth=2) as pool:
        killer = pool.submit(report_pid_then_die, marker)
        behind = pool.submit(square, 6)
        _wait_for(lambda: Path(marker).exists() and behind.running())
        Path(marker + ".go").touch()  # it dies now, and again at once when retried
        with pytest.raises(WorkerDied, match="died twice"):
            killer.result(timeout=60)
        assert behind.result(timeout=60) == 36  # retried apart from the killer
        assert pool.deaths == 2
        assert pool.submit(square, 5).result(timeout=60) == 25


def test_workers_are_recycled_after_max_tasks_with_tasks_in_flight():
    with WorkerPool(1, max_tasks=3, depth=2) as pool:
        futures = [pool.submit(pid) for _ in range(9)]
        pids = [f.result(timeout=60) for f in futures]
    assert [pids.count(p) for p in dict.fromkeys(pids)] == [3, 3, 3]


def test_closing_with_cancel_runs_the_tasks_in_flight_and_cancels_the_queued_ones():
    pool = WorkerPool(1, depth=2)
    pool.submit(square, 1).result(timeout=60)  # the worker is up
    futures = [pool.submit(burn, 0.3) for _ in range(8)]
    _wait_for(lambda: futures[0].running())
    pool.close(cancel=True)
    assert all(f.done() for f in futures)
    ran = [f for f in futures if not f.cancelled()]
    assert 1 <= len(ran) <= 2 and all(f.result() >= 0.3 for f in ran)
    assert futures[-1].cancelled()
