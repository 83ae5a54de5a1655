"""The code checks CI runs with the suite: ruff (lint) and mypy (types), configured in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing():
    result = _run("ruff", "check", "--no-cache", "dbshift", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing():
    # incremental: a module unchanged since the last run (same hash, same options, same imports) is not checked
    # again; the cache sits with pytest's own, which git ignores
    result = _run("mypy", "--cache-dir", str(ROOT / ".pytest_cache" / "mypy"))
    assert result.returncode == 0, result.stdout + result.stderr
