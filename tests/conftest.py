"""Shared test helpers: the `harvest` command run for real in a subprocess.

Crawls run in their own process because Twisted's reactor cannot restart.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from evaluation.cases import SHARED_DIR

ROOT = Path(__file__).resolve().parent.parent
SHARED = SHARED_DIR  # ../shared beside the checkout, or $HARVEST_SHARED


def run_harvest(*args: str, cwd: Path | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    """Run `harvest ARGS...` as a user would; returns the completed process (text output)."""
    return subprocess.run([sys.executable, "-m", "harvester.cli", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=timeout)


@pytest.fixture
def harvest():
    return run_harvest
