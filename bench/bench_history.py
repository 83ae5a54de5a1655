"""Long histories: what an everyday command costs over 100, 1,000 and 5,000 migrations, against its floor.

    python3 bench/bench_history.py [--sizes 100,1000,5000] [--repeat 7] [--upgrade-sizes 1000] [--no-alembic]

Every measurement is a whole process, as a user runs it (start-up counts), repeated ``--repeat`` times;
medians are printed.  The machine is noisy: compare ratios, measured in the same run, not seconds.

- ``upgrade`` with nothing to do, ``current``, ``heads`` and ``history`` over a linear chain of N small
  Python migrations (one ``CreateTable`` each), all applied, on SQLite and on PostgreSQL.  Their floor:
  ``python3 -c "import sqlite3 (psycopg); connect; SELECT 1"`` -- start-up, one connection, one query.
- ``upgrade`` of an empty database through the whole chain, against its floors: the same DDL run
  directly in one session by one process (one transaction; one commit per statement); and, with dbshift's
  guarantees, the script ``upgrade --sql`` writes (each migration in a transaction of its own, with its
  history row) run the same way.
- ``dbshift --help`` and ``--version``, against ``python3 -c pass``.
- Alembic's ``current``, ``heads``, ``history`` and ``upgrade head`` over an equivalent chain
  (``op.create_table`` each), where Alembic is installed.

Needs PostgreSQL at ``$DBSHIFT_BENCH_PG`` (default ``postgresql://postgres@127.0.0.1:5432``); creates
uniquely named databases and drops them.  SQLite files live in a temporary directory, removed after.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import NamedTuple

PG = os.environ.get("DBSHIFT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
REPO = Path(__file__).resolve().parent.parent

DBSHIFT_MIGRATION = '''\
"""step {n}

Revision: {rev}
Parents: {shown}
"""

from dbshift.migration import *  # noqa: F401,F403

revision = "{rev}"
parents = {parents}
message = "step {n}"

upgrade = [
    CreateTable(Table(
        "t{n:05d}",
        (
            Column("id", "integer", nullable=False, autoincrement=True),
            Column("name", "varchar(80)", nullable=False),
        ),
        primary_key=PrimaryKey(("id",), name="pk_t{n:05d}"),
    )),
]
'''

ALEMBIC_MIGRATION = '''\
"""step {n}"""
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = {parent}


def upgrade():
    op.create_table(
        "t{n:05d}",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_t{n:05d}"),
    )


def downgrade():
    op.drop_table("t{n:05d}")
'''

ALEMBIC_ENV = '''\
from alembic import context
from sqlalchemy import create_engine

engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
'''

FLOOR_READ = {
    "sqlite": "import sqlite3; c = sqlite3.connect({target!r}); c.execute('SELECT 1').fetchall(); c.close()",
    "postgresql": "import psycopg; c = psycopg.connect({target!r}); c.execute('SELECT 1').fetchall(); c.close()",
}

FLOOR_DDL = {
    "sqlite": "import sqlite3, sys; c = sqlite3.connect({target!r}, isolation_level=None)\n{body}",
    "postgresql": "import psycopg, sys; c = psycopg.connect({target!r}, autocommit=True)\n{body}",
}
ONE_TRANSACTION = "c.execute('BEGIN')\nfor s in open(sys.argv[1]).read().split(';\\n'):\n    s.strip() and c.execute(s)\nc.execute('COMMIT')"
PER_STATEMENT = "for s in open(sys.argv[1]).read().split(';\\n'):\n    s.strip() and c.execute(s)"


def rev_id(n: int) -> str:
    """The id of the n-th migration, written a second after the one before (a valid time, as real ids hold)."""
    written = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=n)
    return f"{written:%Y%m%d%H%M%S}_{n % 65536:04x}"


def write_projects(root: Path, size: int, alembic: bool) -> tuple[Path, Path | None]:
    """A dbshift project (and an Alembic one) with a linear chain of ``size`` migrations."""
    project = root / f"dbshift_{size}"
    (project / "migrations").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[tool.dbshift]\nmigrations = "migrations"\n')
    other = root / f"alembic_{size}" if alembic else None
    if other is not None:
        (other / "versions").mkdir(parents=True)
        (other / "env.py").write_text(ALEMBIC_ENV)
        (other / "script.py.mako").write_text('"""${message}"""\n')
    parent = None
    for n in range(size):
        rev = rev_id(n)
        parents = f'("{parent}",)' if parent else "()"
        (project / "migrations" / f"{rev}_step_{n}.py").write_text(
            DBSHIFT_MIGRATION.format(n=n, rev=rev, parents=parents, shown=parent or "base"))
        if other is not None:
            (other / "versions" / f"{rev}_step_{n}.py").write_text(
                ALEMBIC_MIGRATION.format(n=n, rev=rev, parent=repr(parent)))
        parent = rev
    return project, other


def alembic_ini(project: Path, url: str) -> None:
    (project / "alembic.ini").write_text(f"[alembic]\nscript_location = .\nsqlalchemy.url = {url}\n")


def alembic_upgrade_argv(py: str, project: Path, url: str) -> list[str]:
    """``alembic upgrade head`` of ``project`` on ``url``, from any directory (an ini of its own per database)."""
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    ini = project / "empty.ini"
    ini.write_text(f"[alembic]\nscript_location = {project}\nsqlalchemy.url = {url}\n")
    return [py, "-m", "alembic", "-c", str(ini), "upgrade", "head"]


class Timing(NamedTuple):
    """Medians of one measurement: wall-clock seconds, and CPU seconds (user + system) of the process itself,
    which a busy machine disturbs far less; a database server's own work is in the wall time only."""

    wall: float
    cpu: float


def run_once(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, subprocess.CompletedProcess]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), done


def timed(argv: list[str], cwd: Path, env: dict[str, str], repeat: int) -> Timing:
    """Medians of ``repeat`` runs of ``argv``."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu, done = run_once(argv, cwd, env)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv[:5])} … exited {done.returncode}: {(done.stderr or done.stdout).strip()[-400:]}")
        walls.append(wall)
        cpus.append(cpu)
    return Timing(statistics.median(walls), statistics.median(cpus))


class Postgres:
    """Uniquely named databases on the benchmark server, dropped at the end."""

    def __init__(self) -> None:
        import psycopg

        self.psycopg = psycopg
        self.made: list[str] = []

    def create(self) -> str:
        name = f"dbshift_bench_{uuid.uuid4().hex[:10]}"
        with self.psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        return f"{PG}/{name}"

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with self.psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.made.remove(name)

    def close(self) -> None:
        for name in list(self.made):
            self.drop(f"{PG}/{name}")


def upgrade_sql(project: Path, url: str, env: dict[str, str], path: Path, whole: Path) -> None:
    """The DDL of the whole chain, as dbshift renders it for ``url``'s database, without its history rows, in
    ``path``; in ``whole``, the script as ``upgrade --sql`` writes it: each migration in a transaction of its own
    with its history row (the guarantees of a run, without dbshift)."""
    done = subprocess.run([sys.executable, "-m", "dbshift", "--url", url, "upgrade", "--sql"], cwd=project, env=env,
                          capture_output=True, text=True, check=True)
    statements = [s.strip() for s in done.stdout.split(";\n") if s.strip()]
    uncommented = ["\n".join(line for line in s.splitlines() if not line.lstrip().startswith("--")) for s in statements]
    keep = [bare for bare, s in zip(uncommented, statements, strict=True)
            if "dbshift_history" not in s and not s.lstrip().startswith(("--", "BEGIN", "COMMIT"))]
    for target, kept in ((whole, uncommented), (path, keep)):
        target.write_text(";\n".join(s for s in kept if s.strip()) + ";\n")


def target_of(url: str) -> str:
    """What the driver is given: a SQLite file's path, a PostgreSQL URL as it is."""
    return url.removeprefix("sqlite:///")


def upgrades_from_empty(backend: str, url: str, pg: Postgres | None, repeat: int, env: dict[str, str], cwd: Path,
                        argv_fors: list) -> list[Timing]:  # noqa: ANN001 - each argv_for(url) -> argv
    """Median times of each ``argv_for(url)``, each run on an empty database, the commands taking turns round after
    round (the server's own pace drifts from minute to minute: taking turns spreads that over all of them);
    ``url`` is left empty after."""
    walls: list[list[float]] = [[] for _ in argv_fors]
    cpus: list[list[float]] = [[] for _ in argv_fors]
    for _ in range(repeat):
        for i, argv_for in enumerate(argv_fors):
            if backend == "sqlite":
                Path(target_of(url)).unlink(missing_ok=True)
                where = url
            else:
                where = pg.create()
            wall, cpu, done = run_once(argv_for(where), cwd, env)
            walls[i].append(wall)
            cpus[i].append(cpu)
            if backend != "sqlite":
                pg.drop(where)
            if done.returncode != 0:
                raise SystemExit(f"upgrade from empty failed: {(done.stderr or done.stdout).strip()[-400:]}")
    if backend == "sqlite":
        Path(target_of(url)).unlink(missing_ok=True)
    return [Timing(statistics.median(w), statistics.median(c)) for w, c in zip(walls, cpus, strict=True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--upgrade-sizes", default="1000", help="history lengths whose upgrade from empty is timed")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--upgrade-repeat", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--no-alembic", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    upgrade_sizes = {int(s) for s in args.upgrade_sizes.split(",") if s}
    backends = args.backends.split(",")
    try:
        import alembic  # noqa: F401
        with_alembic = not args.no_alembic
    except ImportError:
        with_alembic = False
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as users run it: bytecode cached
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    py, dbshift = sys.executable, [sys.executable, "-m", "dbshift"]
    rows: list[tuple[str, str, Timing, Timing, str]] = []  # (what, backend, dbshift, floor, floor name)
    alembic_rows: list[tuple[str, str, Timing, Timing]] = []
    alembic_empty: dict[str, Timing] = {}  # backend -> Alembic's upgrade of an empty database, timed taking turns
    pg = Postgres() if "postgresql" in backends else None
    with tempfile.TemporaryDirectory(prefix="dbshift_bench_history_") as tmp:
        root = Path(tmp)
        env["DBSHIFT_CACHE_DIR"] = str(root / "cache")  # the header cache, kept out of the user's own
        subprocess.run(dbshift + ["--help"], env=env, capture_output=True)  # bytecode written once, untimed
        bare = timed([py, "-c", "pass"], root, env, args.repeat)
        for label, argv in (("--help", ["--help"]), ("--version", ["--version"])):
            rows.append((f"dbshift {label}", "-", timed(dbshift + argv, root, env, args.repeat), bare, "python3 -c pass"))
        try:
            for size in sizes:
                project, other = write_projects(root, size, with_alembic and size == 1000)
                time.sleep(2.1)  # files changed in the last 2 s are read afresh each time (see project/header_cache.py)
                subprocess.run(dbshift + ["heads"], cwd=project, env=env, capture_output=True, check=True)  # cache warm
                for backend in backends:
                    url = f"sqlite:///{root / f'{backend}_{size}.db'}" if backend == "sqlite" else pg.create()
                    cmd = dbshift + ["--url", url]
                    if size in upgrade_sizes:
                        ddl, script = root / f"ddl_{backend}_{size}.sql", root / f"script_{backend}_{size}.sql"
                        upgrade_sql(project, url, env, ddl, script)
                        floors = ((ONE_TRANSACTION, ddl, "same DDL, one transaction"),
                                  (PER_STATEMENT, ddl, "same DDL, a commit each"),
                                  (PER_STATEMENT, script, "upgrade --sql: a transaction + history row each"))
                        commands = [lambda u: dbshift + ["--url", u, "upgrade"]]
                        commands += [lambda u, body=body, backend=backend, sql=sql: [
                            py, "-c", FLOOR_DDL[backend].format(target=target_of(u), body=body), str(sql)]
                            for body, sql, _ in floors]
                        if other is not None:
                            commands.append(lambda u, other=other: alembic_upgrade_argv(py, other, u))
                        ours, *floor_ddls = upgrades_from_empty(backend, url, pg, args.upgrade_repeat, env, project, commands)
                        if other is not None:
                            alembic_empty[backend] = floor_ddls.pop()
                        for (_, _, name), floor_ddl in zip(floors, floor_ddls, strict=True):
                            rows.append((f"upgrade empty -> {size}", backend, ours, floor_ddl, name))
                    subprocess.run(cmd + ["upgrade"], cwd=project, env=env, capture_output=True, check=True)
                    floor = timed([py, "-c", FLOOR_READ[backend].format(target=target_of(url))], root, env, args.repeat)
                    for name, argv in (("upgrade (nothing to do)", ["upgrade"]), ("current", ["current"]),
                                       ("heads", ["heads"]), ("history", ["history"])):
                        rows.append((f"{name}, {size}", backend, timed(cmd + argv, project, env, args.repeat), floor,
                                     "start-up + connect + SELECT 1"))
                    uncached = {**env, "DBSHIFT_CACHE_DIR": ""}
                    rows.append((f"history, no header cache, {size}", backend, timed(cmd + ["history"], project, uncached,
                                 args.repeat), floor, "start-up + connect + SELECT 1"))
                    if other is not None:
                        alembic_url = url if backend == "postgresql" else f"sqlite:///{root / f'alembic_{size}.db'}"
                        if backend == "postgresql":
                            alembic_url = pg.create()
                        alembic_ini(other, alembic_url.replace("postgresql://", "postgresql+psycopg://", 1))
                        a = [py, "-m", "alembic"]
                        up = timed(a + ["upgrade", "head"], other, env, 1)
                        if size in upgrade_sizes:  # timed taking turns with dbshift's upgrade and the floors
                            alembic_rows.append((f"upgrade empty -> {size}", backend, next(
                                r[2] for r in rows if r[0] == f"upgrade empty -> {size}" and r[1] == backend),
                                alembic_empty[backend]))
                        else:
                            alembic_rows.append((f"upgrade empty -> {size}", backend, Timing(float("nan"), float("nan")), up))
                        for name, argv in (("upgrade (nothing to do)", ["upgrade", "head"]), ("current", ["current"]),
                                           ("heads", ["heads"]), ("history", ["history"])):
                            ours = next(r[2] for r in rows if r[0] == f"{name}, {size}" and r[1] == backend)
                            alembic_rows.append((f"{name}, {size}", backend, ours, timed(a + argv, other, env, args.repeat)))
                        if backend == "postgresql":
                            pg.drop(alembic_url)
                    if backend == "postgresql":
                        pg.drop(url)
        finally:
            if pg is not None:
                pg.close()
    print(f"median of {args.repeat} runs (upgrade from empty: {args.upgrade_repeat}); seconds; ratio = dbshift / floor;")
    print("wall: elapsed time; cpu: user + system time of the process (a busy machine disturbs it far less)")
    print(f"{'measurement':30} {'db':10} {'wall':>7} {'floor':>7} {'ratio':>6} {'cpu':>7} {'floor':>7} {'ratio':>6}  floor")
    for what, backend, ours, floor, name in rows:
        print(f"{what:30} {backend:10} {ours.wall:7.3f} {floor.wall:7.3f} {ours.wall / floor.wall:6.2f} "
              f"{ours.cpu:7.3f} {floor.cpu:7.3f} {ours.cpu / max(floor.cpu, 1e-6):6.2f}  {name}")
    by_size: dict[tuple[str, str], dict[int, Timing]] = {}
    for what, backend, ours, _, _ in rows:
        if ", " in what and not what.startswith("upgrade empty"):
            name, size = what.rsplit(", ", 1)
            by_size.setdefault((name, backend), {})[int(size)] = ours
    if by_size:
        print("\nover history length (wall / cpu seconds):")
        print(f"{'command':26} {'db':10} " + " ".join(f"{s:>15}" for s in sizes))
        for (name, backend), values in by_size.items():
            cells = [f"{values[s].wall:7.3f}/{values[s].cpu:<7.3f}" if s in values else f"{'-':>15}" for s in sizes]
            print(f"{name:26} {backend:10} " + " ".join(cells))
    if alembic_rows:
        print("\nAlembic on an equivalent chain (ratio = alembic / dbshift; above 1: dbshift is faster):")
        print(f"{'measurement':30} {'db':10} {'dbshift':>8} {'alembic':>8} {'ratio':>6} {'cpu':>7} {'cpu':>7} {'ratio':>6}")
        for what, backend, ours, theirs in alembic_rows:
            print(f"{what:30} {backend:10} {ours.wall:8.3f} {theirs.wall:8.3f} {theirs.wall / ours.wall:6.2f} "
                  f"{ours.cpu:7.3f} {theirs.cpu:7.3f} {theirs.cpu / max(ours.cpu, 1e-6):6.2f}")


if __name__ == "__main__":
    main()
