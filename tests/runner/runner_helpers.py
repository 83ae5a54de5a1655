"""Projects made of hand-written migrations, and ways to run ``dbshift`` on them (in-process and real processes)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from dbshift.cli import main
from dbshift.database.connect import create_engine

REPO = Path(__file__).resolve().parents[2]


def backend(url: str) -> str:
    """``postgresql``, ``sqlite`` or ``mysql`` (MariaDB is served by the mysql dialect)."""
    name = sa.engine.make_url(url).get_backend_name()
    return "mysql" if name in ("mysql", "mariadb") else name


def rev_id(n: int) -> str:
    return f"2026010100{n:04d}_{n:04x}"


@dataclass
class Project:
    """A directory with ``pyproject.toml`` and a ``migrations/`` folder of numbered migrations."""

    root: Path
    url: str
    count: int = 0
    files: dict[int, Path] = field(default_factory=dict)

    @classmethod
    def make(cls, root: Path, url: str) -> "Project":
        (root / "migrations").mkdir(parents=True)
        (root / "pyproject.toml").write_text('[tool.dbshift]\nmigrations = "migrations"\n')
        return cls(root, url)

    @property
    def migrations(self) -> Path:
        return self.root / "migrations"

    def add_sql(self, *statements: str, down: tuple[str, ...] = ()) -> str:
        """A ``.sql`` migration: one statement per argument; ``down`` statements after ``-- down``."""
        self.count += 1
        n = self.count
        parents = rev_id(n - 1) if n > 1 else ""
        text = f"-- revision: {rev_id(n)}\n-- parents: {parents}\n-- message: step {n}\n"
        text += "".join(s.rstrip(";") + ";\n" for s in statements)
        if down:
            text += "-- down\n" + "".join(s.rstrip(";") + ";\n" for s in down)
        path = self.migrations / f"{rev_id(n)}_step_{n}.sql"
        path.write_text(text)
        self.files[n] = path
        return rev_id(n)

    def add_python(self, body: str) -> str:
        """A Python migration; ``body`` defines ``upgrade = [...]`` (and anything it needs)."""
        self.count += 1
        n = self.count
        parents = (rev_id(n - 1),) if n > 1 else ()
        text = (
            f"from dbshift.migration import *  # noqa: F401,F403\n\n"
            f"revision = {rev_id(n)!r}\nparents = {parents!r}\nmessage = 'step {n}'\n\n"
            + textwrap.dedent(body)
        )
        path = self.migrations / f"{rev_id(n)}_step_{n}.py"
        path.write_text(text)
        self.files[n] = path
        return rev_id(n)

    # --- running ----------------------------------------------------------------

    def cli(self, *argv: str, expect: int | None = 0, stdin: io.StringIO | None = None, url: str | None = None) -> str:
        """``dbshift --url URL ARGV`` in-process; returns stdout + stderr; checks the exit code (unless None)."""
        out, err = io.StringIO(), io.StringIO()
        previous = Path.cwd()
        os.chdir(self.root)
        try:
            code = main(["--url", url or self.url, *argv], out, err, stdin or io.StringIO())
        finally:
            os.chdir(previous)
        text = out.getvalue() + err.getvalue()
        assert expect is None or code == expect, f"dbshift {' '.join(argv)} exited {code}, not {expect}:\n{text}"
        if code not in (0, 2):
            lines = err.getvalue().strip().splitlines()
            assert len(lines) == 1, f"errors must be one line:\n{err.getvalue()}"
            assert "Traceback" not in text
        return text

    def spawn(self, *argv: str, url: str | None = None) -> subprocess.Popen:
        """``python -m dbshift --url URL ARGV`` as a real process."""
        return subprocess.Popen(
            [sys.executable, "-m", "dbshift", "--url", url or self.url, *argv],
            cwd=self.root, env=_env(), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_ctrl_c_as_in_a_shell,
        )

    # --- looking at the database ------------------------------------------------------

    def query(self, sql: str) -> list[tuple]:
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return [tuple(r) for r in conn.exec_driver_sql(sql)]
        finally:
            engine.dispose()

    def execute(self, sql: str) -> None:
        engine = create_engine(self.url)
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql(sql)
        finally:
            engine.dispose()

    def tables(self) -> set[str]:
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return set(sa.inspect(conn).get_table_names()) - {"dbshift_history"}
        finally:
            engine.dispose()

    def history(self) -> list[tuple]:
        """``(revision, status, statements_done)`` rows, by revision."""
        return self.query("SELECT revision, status, statements_done FROM dbshift_history ORDER BY revision")


def _ctrl_c_as_in_a_shell() -> None:
    """In a spawned child: SIGINT neither ignored nor blocked, as for a command typed in a shell.

    A child inherits both from the test process, and a test worker of the suite was seen with SIGINT ignored:
    a child started from it shrugged Ctrl-C off, as ``nohup`` would want."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}


class Pool:
    """``n`` processes that each run ``python -m dbshift ARGV`` once per round, all starting at the same moment.

    A round names its project and arguments (``run_round``), so one pool can
    serve several databases.

    Each process imports SQLAlchemy, the drivers and dbshift once (on two cores,
    importing is most of the cost of a fresh process), then for every round
    says it is ready, waits for the round's start file, and runs the
    command line as ``python -m dbshift`` does.  The test
    starts a round only when every process is ready, so all of them reach the
    lock within milliseconds of each other.
    """

    def __init__(self, folder: Path, n: int, rounds: int) -> None:
        self.dir = folder
        self.dir.mkdir()
        self.n, self.rounds = n, rounds
        self.processes = [
            subprocess.Popen(
                [sys.executable, "-c", _WORKER, str(self.dir), str(rounds)],
                cwd=self.dir, env=_env(), stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
            for _ in range(n)
        ]

    def _wait_for(self, pattern: str, what: str, timeout: float) -> None:
        import time

        deadline = time.monotonic() + timeout
        while len(list(self.dir.glob(pattern))) < self.n:
            for p in self.processes:
                if p.poll() is not None and p.returncode != 0:
                    raise AssertionError(f"a process died: {p.communicate()}")
            assert time.monotonic() < deadline, f"processes not {what} after {timeout} s"
            time.sleep(0.02)

    def run_round(self, r: int, project: Project, *argv: str, timeout: float = 120) -> tuple[float, list[int]]:
        """Run ``dbshift --url URL ARGV`` in ``project`` in every process at once, once all are ready.

        Returns (seconds the round took, exit codes)."""
        import json
        import time

        (self.dir / f"args.{r}").write_text(json.dumps([str(project.root), "--url", project.url, *argv]))
        self._wait_for(f"ready.{r}.*", "ready", timeout)
        started = time.monotonic()
        (self.dir / f"go.{r}").touch()
        self._wait_for(f"exit.{r}.*", "done", timeout)
        took = time.monotonic() - started
        codes = [int(p.read_text()) for p in sorted(self.dir.glob(f"exit.{r}.*"))]
        return took, codes

    def finish(self) -> list[tuple[int, str, str]]:
        """Wait for the processes to end: (exit code, stdout, stderr) of each."""
        return [(p.wait(60), *p.communicate()) for p in self.processes]

    def kill(self) -> None:
        for p in self.processes:
            if p.poll() is None:
                p.kill()
                p.communicate()


# A pool process: imports everything once, then runs ``python -m dbshift ARGS`` once per round.
_WORKER = """
import os, sys, time
from dbshift.cli.process import run as run_dbshift
import sqlalchemy, psycopg, pymysql, sqlite3
import sqlalchemy.dialects.postgresql, sqlalchemy.dialects.mysql, sqlalchemy.dialects.sqlite
import dbshift.cli, dbshift.api, dbshift.runner, dbshift.database.lock, dbshift.database.connect
import dbshift.render.postgresql, dbshift.render.sqlite, dbshift.render.mysql
import json
folder, rounds = sys.argv[1], int(sys.argv[2])
for r in range(rounds):
    open(os.path.join(folder, f"ready.{r}.{os.getpid()}"), "w").close()
    while not os.path.exists(os.path.join(folder, f"go.{r}")):
        time.sleep(0.01)
    with open(os.path.join(folder, f"args.{r}")) as f:
        cwd, *args = json.load(f)
    os.chdir(cwd)
    sys.argv = ["dbshift", *args]
    print(f"@@ round {r}", flush=True)
    try:
        run_dbshift(quick_exit=False)  # as python -m dbshift, but returning here
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    sys.stdout.flush()
    sys.stderr.flush()
    with open(os.path.join(folder, f"tmp.{os.getpid()}"), "w") as f:
        f.write(str(code))
    os.replace(os.path.join(folder, f"tmp.{os.getpid()}"), os.path.join(folder, f"exit.{r}.{os.getpid()}"))
"""
