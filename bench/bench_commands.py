"""Time dbshift's everyday commands against the reference tools, on the same data, in the same run.

    python3 -m pip install -e '.[bench]' && python3 bench/bench_commands.py [--tables 200] [--revisions 500]

Each measurement runs the real command line as a user would (a fresh process,
so start-up time counts), ``--repeat`` times; the table shows medians and the
ratio reference / dbshift (above 1: dbshift is faster).  The machine is noisy:
compare ratios, not seconds.

What is measured:

- models vs database, large schema: ``dbshift check`` vs ``alembic check``
  (both reflect the database and compare it with the same SQLAlchemy models);
- database vs database: ``dbshift diff A B`` vs ``migra A B`` (PostgreSQL);
- long history: ``history`` and ``heads`` over a linear chain of revisions,
  and ``upgrade`` of that whole chain on a fresh SQLite database
  (each revision is one small ``CREATE TABLE``).

For the large-schema commands in depth (SQLite and MariaDB too, the catalog-read floor, net of importing the
models, scaling, memory) see ``bench_schema.py``, ``bench_diff.py`` and ``bench_memory.py``; results are in
``RESULTS.md``.

Needs PostgreSQL at ``$DBSHIFT_BENCH_PG`` (default ``postgresql://postgres@127.0.0.1:5432``);
creates and drops its own databases.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from schema_fixtures import MODELS  # the same 1,000-table models as bench_schema.py

PG = os.environ.get("DBSHIFT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")


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

def run_migrations_offline():
    context.configure(url=context.config.get_main_option("sqlalchemy.url"), target_metadata=bench_models.metadata)
    with context.begin_transaction():
        context.run_migrations()

run_migrations_offline() if context.is_offline_mode() else run_migrations_online()
'''

ALEMBIC_REVISION = '''\
"""step {n}"""
from alembic import op

revision = "{rev}"
down_revision = {parent}

def upgrade():
    op.execute("CREATE TABLE s{n:04d} (id integer PRIMARY KEY)")

def downgrade():
    op.execute("DROP TABLE s{n:04d}")
'''

DBSHIFT_REVISION = '''\
-- revision: {rev}
-- parents: {parent}
-- message: step {n}
CREATE TABLE s{n:04d} (id integer PRIMARY KEY);
-- down
DROP TABLE s{n:04d};
'''


def median_seconds(argv: list[str], cwd: Path, repeat: int, env: dict[str, str], ok: tuple[int, ...] = (0,),
                   before=None) -> float:  # noqa: ANN001 - before: a callable run untimed before each repeat
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        started = time.perf_counter()
        done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
        took = time.perf_counter() - started
        if done.returncode not in ok:
            raise SystemExit(f"{' '.join(argv[:3])} … exited {done.returncode}: {(done.stderr or done.stdout).strip()[:300]}")
        times.append(took)
    return statistics.median(times)


def pg_admin() -> sa.Engine:
    return sa.create_engine(f"{PG.replace('postgresql://', 'postgresql+psycopg://', 1)}/postgres",
                            isolation_level="AUTOCOMMIT")


def make_database(admin: sa.Engine) -> str:
    name = f"dbshift_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return f"{PG}/{name}"


def drop_database(admin: sa.Engine, url: str) -> None:
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def large_schema_rows(work: Path, tables: int, repeat: int, env: dict[str, str]) -> list[tuple[str, float, float]]:
    """check and diff over ``tables`` tables, all in place (nothing to change): the steady-state cost."""
    (work / "bench_models.py").write_text(MODELS.format(tables=tables))
    admin = pg_admin()
    a, b = make_database(admin), make_database(admin)
    try:
        sys.path.insert(0, str(work))
        import bench_models  # noqa: PLC0415 - written just above

        for url in (a, b):
            engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
            bench_models.metadata.create_all(engine)
            engine.dispose()
        dbshift_project = work / "dbshift_project"
        (dbshift_project / "migrations").mkdir(parents=True)
        (dbshift_project / "pyproject.toml").write_text(
            '[tool.dbshift]\nmetadata = "bench_models:metadata"\nmigrations = "migrations"\n')
        shutil.copy(work / "bench_models.py", dbshift_project)
        alembic_project = work / "alembic_project"
        _alembic_project(alembic_project, a)
        shutil.copy(work / "bench_models.py", alembic_project)
        # Both tools compare the models with the database; stamp dbshift's history so it checks at head.
        subprocess.run([sys.executable, "-m", "dbshift", "--url", a, "stamp", "head"], cwd=dbshift_project,
                       env=env, check=True, capture_output=True)
        rows = [(
            f"models vs database, {tables} tables (check)",
            median_seconds([sys.executable, "-m", "dbshift", "--url", a, "check"], dbshift_project, repeat, env),
            median_seconds([sys.executable, "-m", "alembic", "check"], alembic_project, repeat, env, ok=(0, 255, 1)),
        ), (
            f"database vs database, {tables} tables (diff)",
            median_seconds([sys.executable, "-m", "dbshift", "diff", a, b], work, repeat, env, ok=(0, 2)),
            median_seconds([shutil.which("migra") or "migra", "--unsafe", a, b], work, repeat, env, ok=(0, 2)),
        )]
        return rows
    finally:
        drop_database(admin, a)
        drop_database(admin, b)
        admin.dispose()


def _alembic_project(root: Path, url: str) -> None:
    (root / "versions").mkdir(parents=True)
    (root / "alembic.ini").write_text(f"[alembic]\nscript_location = .\nsqlalchemy.url = {url}\n")
    (root / "env.py").write_text(ALEMBIC_ENV)
    (root / "script.py.mako").write_text('"""${message}"""\n')


def long_history_rows(work: Path, revisions: int, repeat: int, env: dict[str, str]) -> list[tuple[str, float, float]]:
    """history, heads and a full upgrade over ``revisions`` linear revisions, on SQLite."""
    dbshift_project = work / "dbshift_history"
    (dbshift_project / "migrations").mkdir(parents=True)
    (dbshift_project / "pyproject.toml").write_text('[tool.dbshift]\nmigrations = "migrations"\n')
    alembic_project = work / "alembic_history"
    db_d, db_a = work / "history_dbshift.db", work / "history_alembic.db"
    _alembic_project(alembic_project, f"sqlite:///{db_a}")
    (alembic_project / "env.py").write_text(ALEMBIC_ENV.replace("import bench_models\n", "").replace(
        "bench_models.metadata", "None"))
    parent = None
    for n in range(revisions):
        rev = f"2026010100{n:04d}_{n:04x}"
        (dbshift_project / "migrations" / f"{rev}_step_{n}.sql").write_text(
            DBSHIFT_REVISION.format(rev=rev, parent=parent or "", n=n))
        (alembic_project / "versions" / f"{rev}_step_{n}.py").write_text(
            ALEMBIC_REVISION.format(rev=rev, parent=repr(parent), n=n))
        parent = rev
    dbshift = [sys.executable, "-m", "dbshift", "--url", f"sqlite:///{db_d}"]
    alembic = [sys.executable, "-m", "alembic"]

    def fresh() -> None:
        db_d.unlink(missing_ok=True)
        db_a.unlink(missing_ok=True)

    return [
        (f"history, {revisions} revisions", median_seconds(dbshift + ["history"], dbshift_project, repeat, env),
         median_seconds(alembic + ["history"], alembic_project, repeat, env)),
        (f"heads, {revisions} revisions", median_seconds(dbshift + ["heads"], dbshift_project, repeat, env),
         median_seconds(alembic + ["heads"], alembic_project, repeat, env)),
        (f"upgrade of {revisions} revisions (SQLite)",
         median_seconds(dbshift + ["upgrade"], dbshift_project, repeat, env, before=fresh),
         median_seconds(alembic + ["upgrade", "head"], alembic_project, repeat, env, before=fresh)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", type=int, default=200)
    parser.add_argument("--revisions", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    with tempfile.TemporaryDirectory(prefix="dbshift_bench_") as tmp:
        work = Path(tmp)
        env["PYTHONPATH"] = os.pathsep.join([str(work), env.get("PYTHONPATH", "")])
        rows = large_schema_rows(work, args.tables, args.repeat, env)
        rows += long_history_rows(work, args.revisions, args.repeat, env)
    print(f"median of {args.repeat} runs, seconds (ratio = reference / dbshift; above 1 means dbshift is faster)")
    print(f"{'measurement':44} {'dbshift':>9} {'reference':>10} {'ratio':>7}  reference tool")
    refs = ["alembic check", "migra", "alembic history", "alembic heads", "alembic upgrade head"]
    for (label, ours, theirs), ref in zip(rows, refs, strict=False):
        print(f"{label:44} {ours:9.3f} {theirs:10.3f} {theirs / ours:7.2f}  {ref}")


if __name__ == "__main__":
    main()
