"""The code checks CI runs with the suite: ruff (lint) and mypy (types), configured in pyproject.toml; and every
dataclass states its contract in a docstring."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing():
    result = _run("ruff", "check", "--no-cache", "dbshift", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def _mypy_cache() -> Path:
    """Where mypy keeps what it learned: in the user's cache folder, shared by every checkout of the project, so a
    fresh clone checks only what differs from the last one checked (mypy compares each module's hash, options and
    imports with what it stored, and checks again what changed); in the checkout when that folder cannot be made."""
    from platformdirs import user_cache_dir

    shared = Path(user_cache_dir("dbshift-checks")) / "mypy"
    try:
        shared.mkdir(parents=True, exist_ok=True)
    except OSError:
        return ROOT / ".pytest_cache" / "mypy"
    return shared


def test_mypy_finds_nothing():
    result = _run("mypy", "--cache-dir", str(_mypy_cache()))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_dataclass_has_a_docstring():
    # the contract, for the reader; and a dataclass without one has its signature computed and written as its
    # docstring when its module is imported: 0.4 ms per class, paid by every command that imports it
    missing = []
    for path in sorted((ROOT / "dbshift").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.ClassDef) and ast.get_docstring(node) is None
                    and any(ast.unparse(d).startswith(("dataclass", "dataclasses.dataclass", "frozen")) for d in node.decorator_list)):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not missing, "dataclasses without a docstring:\n" + "\n".join(missing)
