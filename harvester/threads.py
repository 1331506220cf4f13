"""Work finished on another thread, handed back to Scrapy's reactor.

The extraction pool's feeder threads and the archive's writer thread complete
`concurrent.futures.Future`s; Scrapy code awaits Deferreds on the reactor thread.
`deferred_of` bridges the two with `reactor.callFromThread`, which works under
any reactor (asyncio's included).
"""
from __future__ import annotations

from concurrent.futures import Future
from typing import Any, Callable

from twisted.internet.defer import Deferred


def deferred_of(future: Future, result: Callable[[Future], Any] = Future.result) -> Deferred:
    """A Deferred fired, on the reactor thread, with `result(future)` (or its exception)."""
    from twisted.internet import reactor  # the one Scrapy installed; imported late on purpose

    deferred: Deferred = Deferred()

    def fire(done: Future) -> None:
        try:
            value = result(done)
        except BaseException as exc:
            deferred.errback(exc)
        else:
            deferred.callback(value)

    future.add_done_callback(lambda done: reactor.callFromThread(fire, done))
    return deferred
