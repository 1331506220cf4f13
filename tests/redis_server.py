"""The `redis_url` fixture: a real, empty Redis server for one test (fixtures.redis_server).

`make test` installs Debian's redis-server when it is missing; where it still cannot
be had, the tests that need it skip and say why.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.redis_server import RedisUnavailable, free_port, redis_server

__all__ = ["free_port", "redis_url"]


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    directory = tmp_path / "redis"
    directory.mkdir()
    try:
        server = redis_server(directory)
        url = server.__enter__()
    except RedisUnavailable as exc:
        pytest.skip(str(exc))
    try:
        yield url
    finally:
        server.__exit__(None, None, None)
