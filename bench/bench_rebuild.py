"""A SQLite table rebuild of a large table: dbshift's against the hand-written one.

    python3 bench/bench_rebuild.py [--rows 1000000] [--repeat 3]

SQLite cannot make a column nullable in place: dbshift rebuilds the table (see
``dbshift/render/sqlite.py``: create the new table, copy the rows in one
``INSERT … SELECT``, check the new table holds every row, drop the old one,
rename, re-create indexes and triggers, check the views, all in the
migration's transaction) and records the migration in ``dbshift_history``.
Its floor is the hand-written rebuild in one process and one transaction:
``CREATE new; INSERT INTO new SELECT … FROM old; DROP old; ALTER TABLE new
RENAME``.  Both are whole processes (start-up counts), on a copy of the same
database file each time; medians are printed.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CREATE = '''\
from dbshift.migration import *  # noqa: F401,F403

revision = "20260101000000_0001"
parents = ()
message = "big table"

upgrade = [
    CreateTable(Table(
        "big",
        (
            Column("id", "integer", nullable=False, autoincrement=True),
            Column("name", "varchar(80)", nullable=False),
            Column("amount", "numeric(10,2)", nullable=False),
            Column("note", "varchar(80)", nullable=False),
        ),
        primary_key=PrimaryKey(("id",), name="pk_big"),
        indexes=(Index("ix_big_name", ("name",)),),
    )),
]
'''

ALTER = '''\
from dbshift.migration import *  # noqa: F401,F403

revision = "20260101000001_0002"
parents = ("20260101000000_0001",)
message = "note may be empty"

upgrade = [
    AlterColumn("big", Column("note", "varchar(80)", nullable=False), Column("note", "varchar(80)", nullable=True)),
]
'''

HAND = '''\
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN")
c.execute(sys.argv[2].replace('CREATE TABLE big ', 'CREATE TABLE big_new ', 1).replace('CREATE TABLE "big" ', 'CREATE TABLE big_new ', 1))
c.execute("INSERT INTO big_new (id, name, amount, note) SELECT id, name, amount, note FROM big")
c.execute("DROP TABLE big")
c.execute("ALTER TABLE big_new RENAME TO big")
c.execute("CREATE INDEX ix_big_name ON big (name)")
c.execute("COMMIT")
'''


def timed_in_turns(argvs: list[list[str]], env: dict[str, str], cwd: Path, template: Path, db: Path,
                   repeat: int) -> list[tuple[float, float]]:
    """Median wall and CPU (user + system of the process) seconds of each of ``argvs``, each run on a fresh copy
    of ``template``; round after round, each command once per round, so that the machine's drift from minute to
    minute falls on all of them alike."""
    walls: list[list[float]] = [[] for _ in argvs]
    cpus: list[list[float]] = [[] for _ in argvs]
    for _ in range(repeat):
        for i, argv in enumerate(argvs):
            shutil.copyfile(template, db)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
            walls[i].append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus[i].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(argv[:4])} … exited {done.returncode}: {(done.stderr or done.stdout)[-400:]}")
    return [(statistics.median(w), statistics.median(c)) for w, c in zip(walls, cpus, strict=True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    with tempfile.TemporaryDirectory(prefix="dbshift_bench_rebuild_") as tmp:
        root = Path(tmp)
        project, template, db = root / "project", root / "template.db", root / "work.db"
        (project / "migrations").mkdir(parents=True)
        (project / "pyproject.toml").write_text('[tool.dbshift]\nmigrations = "migrations"\n')
        (project / "migrations" / "20260101000000_0001_big_table.py").write_text(CREATE)
        dbshift = [sys.executable, "-m", "dbshift", "--url", f"sqlite:///{db}"]
        subprocess.run(dbshift + ["upgrade"], cwd=project, env=env, check=True, capture_output=True)
        conn = sqlite3.connect(db)
        with conn:
            conn.executemany("INSERT INTO big (name, amount, note) VALUES (?, ?, ?)",
                             ((f"name {i}", i / 100, f"note {i % 97}") for i in range(args.rows)))
        create_sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'big'").fetchone()[0]
        conn.close()
        os.replace(db, template)
        (project / "migrations" / "20260101000001_0002_note_may_be_empty.py").write_text(ALTER)
        subprocess.run(dbshift + ["--help"], cwd=project, env=env, check=True, capture_output=True)  # bytecode, untimed
        shutil.copyfile(template, db)
        subprocess.run(dbshift + ["upgrade"], cwd=project, env=env, check=True, capture_output=True)
        after = sqlite3.connect(db)
        kept = after.execute("SELECT count(*) FROM big").fetchone()[0]
        nullable = after.execute("SELECT \"notnull\" FROM pragma_table_info('big') WHERE name = 'note'").fetchone()[0] == 0
        new_sql = after.execute("SELECT sql FROM sqlite_master WHERE name = 'big'").fetchone()[0]
        after.close()
        assert kept == args.rows and nullable, (kept, nullable)
        ours, hand, bare = timed_in_turns(
            [dbshift + ["upgrade"], [sys.executable, "-c", HAND, str(db), new_sql], [sys.executable, "-c", "pass"]],
            env, project, template, db, args.repeat)
    print(f"SQLite rebuild of a {args.rows:,}-row table (make a column nullable), median of {args.repeat}, seconds")
    print(f"{'':50} {'wall':>8} {'cpu':>8}")
    print(f"{'dbshift upgrade (rebuild, guards, history row)':50} {ours[0]:8.3f} {ours[1]:8.3f}")
    print(f"{'hand-written rebuild, one transaction':50} {hand[0]:8.3f} {hand[1]:8.3f}")
    print(f"{'python3 -c pass':50} {bare[0]:8.3f} {bare[1]:8.3f}")
    print(f"{'ratio dbshift / hand-written':50} {ours[0] / hand[0]:8.2f} {ours[1] / hand[1]:8.2f}")
    print(f"(the table before: {create_sql!r})")


if __name__ == "__main__":
    main()
