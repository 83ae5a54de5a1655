"""Running ``dbshift`` (or ``flask db``) as a person does: a real process, its output on a terminal.

stdout and stderr go to one pseudo-terminal (what a person sees, in order); stdin is not a terminal, so
nothing is asked.  The environment is the test's own: ``HOME`` (hence the embedded database) under the
test's directory, and the worktree first on the import path.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Seen:
    """What one command showed (line endings as in a file) and its exit code."""

    argv: tuple[str, ...]
    code: int
    text: str

    def __contains__(self, part: str) -> bool:
        return part in self.text


def environment(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a fresh user: ``HOME`` and the data directory under ``home``, no dbshift variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBSHIFT_", "FLASK_", "XDG_"))}
    env.update(HOME=str(home), PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
               COLUMNS="200", TERM="dumb", PYTHONDONTWRITEBYTECODE="1")
    env.update(extra)
    return env


def on_terminal(argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 60) -> Seen:
    """Run ``argv`` (``dbshift …`` or ``flask …``: run with this Python) with its output on a terminal."""
    program = [sys.executable, "-m", "dbshift"] if argv[0] == "dbshift" else [sys.executable, "-m", argv[0]]
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(program + argv[1:], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                   stdout=follower, stderr=follower, close_fds=True)
    finally:
        os.close(follower)
    chunks: list[bytes] = []
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], timeout)
            if not ready:
                process.kill()
                raise TimeoutError(f"{' '.join(argv)} did not finish in {timeout} s")
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the process ended and closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    code = process.wait(timeout)
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    return Seen(tuple(argv), code, text)
