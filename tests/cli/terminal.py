"""Running ``dbshift`` (or ``flask db``) as a person does: a process of its own per command, its output on a
terminal.

stdout and stderr go to one pseudo-terminal (what a person sees, in order); stdin is not a terminal, so
nothing is asked.  The environment is the test's own: ``HOME`` (hence the embedded database) under the
test's directory, and the worktree first on the import path.

Starting Python and importing SQLAlchemy and Flask takes most of a command's time, so a :class:`Terminal`
starts one process that imports them once and forks a child for each command: every command still runs in
a process of its own (its own modules, exit code, file descriptors; the project's modules imported fresh),
through ``python -m dbshift`` / ``flask``'s own entry points, in a fraction of the time.  :func:`on_terminal`
runs one command from a cold start.  :meth:`Terminal.capture` runs one with stdout and stderr apart, in files
of its own, for tests that tell them apart.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import tempfile
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
    """The environment of a fresh user: ``HOME`` (and so the data directory) under ``home``, no dbshift,
    Flask or XDG variables, this worktree first on the import path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBSHIFT_", "FLASK_", "XDG_"))}
    path = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.update(HOME=str(home), PYTHONPATH=path, COLUMNS="200", TERM="dumb", PYTHONDONTWRITEBYTECODE="1")
    env.update(extra)
    return env


def _program(argv: list[str]) -> list[str]:
    return [sys.executable, "-m", "dbshift" if argv[0] == "dbshift" else argv[0], *argv[1:]]


def on_terminal(argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 60) -> Seen:
    """Run ``argv`` (``dbshift …`` or ``flask …``) from a cold start, its output on a terminal."""
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(_program(argv), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                   stdout=follower, stderr=follower, close_fds=True)
    finally:
        os.close(follower)
    try:
        text = _drain(leader, lambda: process.poll() is not None, timeout)
    finally:
        os.close(leader)
    return Seen(tuple(argv), process.wait(timeout), text)


def _drain(leader: int, finished, timeout: float, extra: int | None = None) -> str:  # type: ignore[no-untyped-def]
    """Read the terminal until ``finished()`` and nothing more comes (reading as it goes, so no writer blocks)."""
    chunks: list[bytes] = []
    waited = 0.0
    while True:
        ready, _, _ = select.select([leader] + ([extra] if extra is not None else []), [], [], 0.05)
        if leader in ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the last writer closed the terminal
                break
            if chunk:
                chunks.append(chunk)
                continue
        if finished():
            rest, _, _ = select.select([leader], [], [], 0)
            if not rest:
                break
        waited += 0.05
        if waited > timeout:
            raise TimeoutError(f"no end after {timeout} s")
    return b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


_CHILD = r'''
import json, os, sys

import sqlalchemy, sqlalchemy.orm  # noqa: F401 - imported once, before the children fork
import dbshift.cli, dbshift.console.commands, dbshift.api.records, dbshift.api.run  # noqa: F401
from dbshift.cli.process import run as run_dbshift
import dbshift.api.compare, dbshift.api.diff, dbshift.api.autogenerate, dbshift.sqla.reflect, dbshift.render.sqlite  # noqa: F401
try:
    import flask, flask.cli, flask_sqlalchemy  # noqa: F401
except ImportError:
    pass

replies = os.fdopen(int(sys.argv[1]), "w")
for request in sys.stdin:
    job = json.loads(request)
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        for fd, path in ((1, job.get("stdout")), (2, job.get("stderr"))):
            if path:  # its own files rather than the terminal: what subprocess.run(capture_output=True) sees
                opened = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                os.dup2(opened, fd)
                os.close(opened)
        os.chdir(job["cwd"])
        os.environ.clear()
        os.environ.update(job["env"])
        sys.argv = job["argv"]
        code = 0
        try:
            if job["argv"][0] == "dbshift":
                run_dbshift(quick_exit=False)  # as python -m dbshift, but returning here
            else:
                flask.cli.main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # as the interpreter ends on an uncaught exception: its traceback, exit code 1
            sys.excepthook(*sys.exc_info())
            code = 1
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    replies.write(json.dumps(os.waitstatus_to_exitcode(status)) + "\n")
    replies.flush()
'''


class Terminal:
    """One terminal, one warm process: :meth:`run` forks a process per command (see the module's doc)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.leader, follower = pty.openpty()
        self.replies, reply_end = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _CHILD, str(reply_end)], env=env, stdin=subprocess.PIPE, stdout=follower, stderr=follower,
                pass_fds=(reply_end,), text=True, cwd=ROOT,
            )
        finally:
            os.close(follower)
            os.close(reply_end)

    def run(self, argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 60) -> Seen:
        """Run ``argv`` (``dbshift …`` or ``flask …``) in a process of its own, its output on the terminal."""
        code, text = self._ask({"argv": argv, "cwd": str(cwd), "env": env}, timeout)
        return Seen(tuple(argv), code, text)

    def capture(self, argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
        """Run ``argv`` in a process of its own, stdout and stderr apart and not on a terminal, as
        ``subprocess.run(..., capture_output=True, text=True)`` would."""
        with tempfile.TemporaryDirectory(prefix="dbshift-out-") as folder:
            out, err = Path(folder, "stdout"), Path(folder, "stderr")
            code, _ = self._ask({"argv": argv, "cwd": str(cwd), "env": env, "stdout": str(out), "stderr": str(err)}, timeout)
            return subprocess.CompletedProcess(list(argv), code, out.read_text(errors="replace"), err.read_text(errors="replace"))

    def _ask(self, job: dict, timeout: float) -> tuple[int, str]:
        """Have the warm process run ``job``: its exit code and what showed on the terminal meanwhile."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        reply: list[int] = []

        def finished() -> bool:
            if not reply:
                ready, _, _ = select.select([self.replies], [], [], 0)
                if ready:
                    line = b""
                    while not line.endswith(b"\n"):
                        line += os.read(self.replies, 1)
                    reply.append(int(json.loads(line)))
            return bool(reply)

        text = _drain(self.leader, finished, timeout)
        return reply[0], text

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(30)
        os.close(self.leader)
        os.close(self.replies)
