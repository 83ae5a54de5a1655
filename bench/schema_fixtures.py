"""What the schema benchmarks share: the models, throwaway databases on each server, projects for each tool, timing.

Not a benchmark itself: ``bench_schema.py``, ``bench_diff.py`` and ``bench_memory.py`` import it.
Servers: PostgreSQL at ``$DBSHIFT_BENCH_PG`` (default ``postgresql://postgres@127.0.0.1:5432``), MariaDB at
``$DBSHIFT_BENCH_MYSQL`` (default ``mysql://root@127.0.0.1:3306``); SQLite files live in the work directory.
"""

from __future__ import annotations

import argparse
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import sqlalchemy as sa

PG = os.environ.get("DBSHIFT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
MYSQL = os.environ.get("DBSHIFT_BENCH_MYSQL", "mysql://root@127.0.0.1:3306")
ROOT = Path(__file__).resolve().parent.parent
DIALECTS = ("postgresql", "sqlite", "mariadb")


def dialects_option(parser: argparse.ArgumentParser, value: str) -> list[str]:
    """The dialects named in ``--dialects`` (comma-separated); an unknown one ends the script with one line."""
    dialects = [d for d in value.split(",") if d]
    unknown = sorted(set(dialects) - set(DIALECTS))
    if unknown:
        parser.error(f"--dialects: unknown {', '.join(unknown)} (known: {', '.join(DIALECTS)})")
    return dialects

# 8 columns, a primary key, a foreign key, two indexes and a unique constraint per table
MODELS = '''\
import sqlalchemy as sa

metadata = sa.MetaData()
for i in range({tables}):
    sa.Table(
        f"t{{i:05d}}", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("amount", sa.Numeric(12, 2), server_default="0", nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("flag", sa.Boolean, server_default=sa.false(), nullable=False),
        sa.Column("parent_id", sa.ForeignKey(f"t{{max(i - 1, 0):05d}}.id")),
        sa.Index(f"ix_t{{i:05d}}_name", "name"),
        sa.Index(f"ix_t{{i:05d}}_parent", "parent_id"),
        sa.UniqueConstraint("code", name=f"uq_t{{i:05d}}_code"),
    )
'''

ALEMBIC_ENV = '''\
from alembic import context
from sqlalchemy import create_engine
import bench_models

def run_migrations_online():
    engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=bench_models.metadata)
        with context.begin_transaction():
            context.run_migrations()

run_migrations_online()
'''

# Run in a child process: the statements ``dbshift check`` sends, captured below the driver's cursor.
CAPTURE = '''\
import pickle, sys
import sqlalchemy as sa

statements = []

@sa.event.listens_for(sa.engine.Engine, "before_cursor_execute")
def _capture(conn, cursor, statement, parameters, context, executemany):
    statements.append((statement, parameters))

from dbshift.cli import main
try:
    main(["--url", sys.argv[2], "check"])
except SystemExit:
    pass
with open(sys.argv[1], "wb") as f:
    pickle.dump(statements, f)
'''

# Run in a child process: the captured statements, sent with the driver alone (the floor: no tool is faster).
FLOOR = '''\
import pickle, sys, time
dialect, url, path = sys.argv[1:4]
with open(path, "rb") as f:
    statements = pickle.load(f)
if dialect == "postgresql":
    import psycopg
    conn = psycopg.connect(url)
elif dialect == "sqlite":
    import sqlite3
    conn = sqlite3.connect(url)
else:
    import pymysql
    host, _, rest = url.partition("/")
    conn = pymysql.connect(host=host.split(":")[0], port=int(host.split(":")[1]), user="root", database=rest)
cur = conn.cursor()
for statement, parameters in statements:
    cur.execute(statement, parameters) if parameters else cur.execute(statement)
    if cur.description is not None:
        cur.fetchall()
conn.close()
'''


def python() -> list[str]:
    return [sys.executable]


def bench_env(work: Path) -> dict[str, str]:
    """The environment every timed process runs in: dbshift from this checkout, the models module from ``work``."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "0"}
    env["PYTHONPATH"] = os.pathsep.join([str(work), str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p])
    return env


@dataclass
class Timing:
    median: float  # wall seconds
    runs: list[float]
    max_rss_mib: float  # the largest of the runs' own max RSS
    cpu: float = 0.0  # median user + system CPU seconds of the process itself (a server's work is not in it)


@dataclass
class Run:
    wall: float
    rss_mib: float
    cpu: float


def run_once(argv: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> Run:
    """One run of ``argv`` as a fresh process: wall seconds, and from ``wait4``'s rusage of that child alone
    its max RSS and CPU time."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        took = time.perf_counter() - started
        child.returncode = code = os.waitstatus_to_exitcode(status)
        if code not in ok:
            err.seek(0)
            raise SystemExit(f"{' '.join(argv[:6])} … exited {code}: {err.read().decode().strip()[-800:]}")
    return Run(took, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


def timed(argv: list[str], cwd: Path, env: dict[str, str], repeat: int, ok: tuple[int, ...] = (0,),
          before: Callable[[], None] | None = None) -> Timing:
    """Run ``argv`` ``repeat`` times (``before`` untimed ahead of each run): medians of wall and CPU seconds,
    and the peak RSS."""
    runs = []
    for _ in range(repeat):
        if before is not None:
            before()
        runs.append(run_once(argv, cwd, env, ok))
    return Timing(statistics.median(r.wall for r in runs), [r.wall for r in runs], max(r.rss_mib for r in runs),
                  statistics.median(r.cpu for r in runs))


@dataclass
class Command:
    """One command line to time, where it runs, the exit codes that are not failures, and what to do (untimed)
    before each run."""

    argv: list[str]
    cwd: Path
    ok: tuple[int, ...] = (0,)
    before: Callable[[], None] | None = None


def taking_turns(commands: dict[str, Command], env: dict[str, str], repeat: int) -> dict[str, Timing]:
    """Time every command ``repeat`` times, one run of each per round, so that the machine's pace drifting over
    the minutes a benchmark takes falls on every command alike (all runs of one command, then all of the next,
    compared one phase of the machine with another: two commands doing the same work differed by 40 %)."""
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            if command.before is not None:
                command.before()
            runs[name].append(run_once(command.argv, command.cwd, env, command.ok))
    return {
        name: Timing(statistics.median(r.wall for r in done), [r.wall for r in done], max(r.rss_mib for r in done),
                     statistics.median(r.cpu for r in done))
        for name, done in runs.items()
    }


# ---------------------------------------------------------------- databases

class Database:
    """A throwaway database on one server: ``url`` for dbshift/Alembic (SQLAlchemy form) and ``driver_url`` for the floor."""

    def __init__(self, dialect: str, work: Path) -> None:
        self.dialect = dialect
        self.name = f"dbshift_bench_{uuid.uuid4().hex[:8]}"
        if dialect == "postgresql":
            self.url = f"{PG.replace('postgresql://', 'postgresql+psycopg://', 1)}/{self.name}"
            self.driver_url = f"{PG}/{self.name}"
            self._admin("CREATE DATABASE \"{}\"")
        elif dialect == "mariadb":
            self.url = f"{MYSQL.replace('mysql://', 'mysql+pymysql://', 1)}/{self.name}"
            self.driver_url = f"{MYSQL.split('@', 1)[1]}/{self.name}"
            self._admin("CREATE DATABASE `{}`")
        else:
            path = work / f"{self.name}.db"
            self.url, self.driver_url = f"sqlite:///{path}", str(path)

    def _admin_engine(self) -> sa.Engine:
        if self.dialect == "postgresql":
            return sa.create_engine(f"{PG.replace('postgresql://', 'postgresql+psycopg://', 1)}/postgres",
                                    isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        return sa.create_engine(f"{MYSQL.replace('mysql://', 'mysql+pymysql://', 1)}/mysql", poolclass=sa.pool.NullPool)

    def _admin(self, sql: str) -> None:
        engine = self._admin_engine()
        with engine.connect() as conn:
            conn.exec_driver_sql(sql.format(self.name))
            conn.commit()
        engine.dispose()

    def create_all(self, metadata: sa.MetaData) -> None:
        engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        if self.dialect == "sqlite":
            with engine.begin() as conn:  # one transaction: thousands of tables in seconds
                metadata.create_all(conn)
        else:  # in batches: one transaction would need a lock for each of thousands of tables (PostgreSQL)
            tables = metadata.sorted_tables
            for start in range(0, len(tables), 500):
                metadata.create_all(engine, tables=tables[start:start + 500])
        engine.dispose()

    def drop(self) -> None:
        if self.dialect == "postgresql":
            self._admin('DROP DATABASE IF EXISTS "{}" WITH (FORCE)')
        elif self.dialect == "mariadb":
            self._admin("DROP DATABASE IF EXISTS `{}`")


def load_models(work: Path, tables: int, module: str = "bench_models") -> sa.MetaData:
    """Write the models module for ``tables`` tables in ``work`` and return its metadata (built in this process)."""
    source = MODELS.format(tables=tables)
    (work / f"{module}.py").write_text(source)
    namespace: dict = {}
    exec(compile(source, f"{module}.py", "exec"), namespace)  # noqa: S102 - our own text, written just above
    return namespace["metadata"]


# ---------------------------------------------------------------- projects

def dbshift_project(work: Path, name: str) -> Path:
    """A project directory whose pyproject.toml names the models; its history is empty (the database is at head)."""
    root = work / name
    (root / "migrations").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.dbshift]\nmetadata = "bench_models:metadata"\nmigrations = "migrations"\n')
    return root


def alembic_project(work: Path, name: str, url: str) -> Path:
    root = work / name
    (root / "versions").mkdir(parents=True)
    (root / "alembic.ini").write_text(f"[alembic]\nscript_location = .\nsqlalchemy.url = {url}\n")
    (root / "env.py").write_text(ALEMBIC_ENV)
    (root / "script.py.mako").write_text('"""${message}"""\nrevision = ${repr(up_revision)}\n'
                                         'down_revision = ${repr(down_revision)}\n')
    return root


def clear_versions(root: Path, folder: str = "versions") -> Callable[[], None]:
    """What empties ``root/folder`` of migration files (Alembic's ``versions``, dbshift's ``migrations``)."""
    def clear() -> None:
        for path in (root / folder).glob("*.py"):
            path.unlink()
        shutil.rmtree(root / folder / "__pycache__", ignore_errors=True)
    return clear


def capture_statements(db: Database, work: Path, env: dict[str, str]) -> Path:
    """Run ``dbshift check`` once in a child with a cursor listener; the pickled statements it sent."""
    (work / "capture_check.py").write_text(CAPTURE)
    (work / "floor.py").write_text(FLOOR)
    out = work / f"statements_{db.dialect}.pickle"
    project = work / f"dbshift_{db.dialect}"
    subprocess.run(python() + [str(work / "capture_check.py"), str(out), db.url], cwd=project, env=env, check=True,
                   capture_output=True)
    return out


def statement_count(path: Path) -> int:
    with open(path, "rb") as f:
        return len(pickle.load(f))


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())
