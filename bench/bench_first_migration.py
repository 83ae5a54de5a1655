"""The first migration of a large schema: ``dbshift revision --autogenerate`` against Alembic's, on an empty database.

    python3 bench/bench_first_migration.py [--tables 1000] [--repeat 3] [--dialects sqlite,postgresql,mariadb]

A project taking up a migration tool starts by writing the migration that creates every table its models define.
Both tools compare the same models (``--tables`` tables of 8 columns, a primary key, a foreign key, two indexes and
a unique constraint each) with the same empty database and write that migration: dbshift with each column's
SQLAlchemy type, checked to rebuild the same column on every database; Alembic from its template.  The file is
removed (untimed) before every run.  Whole processes, taking turns round after round; medians of wall and CPU
seconds, with the ratio Alembic / dbshift (above 1: dbshift is faster).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from schema_fixtures import (
    Command, Database, alembic_project, bench_env, clear_versions, dbshift_project, dialects_option, load_average,
    load_models, python, taking_turns,
)

DBSHIFT = python() + ["-m", "dbshift"]
ALEMBIC = python() + ["-m", "alembic"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dialects", default="sqlite,postgresql,mariadb")
    args = parser.parse_args()
    dialects = dialects_option(parser, args.dialects)
    with tempfile.TemporaryDirectory(prefix="dbshift_bench_") as tmp:
        work = Path(tmp)
        load_models(work, args.tables)
        env = bench_env(work)
        print(f"load average at start: {load_average()}")
        results = []
        for dialect in dialects:
            db = Database(dialect, work)  # left empty
            try:
                project = dbshift_project(work, f"dbshift_{dialect}")
                reference = alembic_project(work, f"alembic_{dialect}", db.url)
                found = taking_turns({
                    "dbshift": Command(DBSHIFT + ["--url", db.url, "revision", "--autogenerate", "-m", "initial"],
                                       project, before=clear_versions(project, "migrations")),
                    "alembic": Command(ALEMBIC + ["revision", "--autogenerate", "-m", "initial"], reference,
                                       before=clear_versions(reference)),
                }, env, args.repeat)
                written = [p.read_text() for p in (project / "migrations").glob("*.py")]
                if len(written) != 1 or written[0].count("CreateTable(") != args.tables:
                    raise SystemExit(f"dbshift did not write one migration creating {args.tables} tables on {dialect}")
            finally:
                db.drop()
            results.append((dialect, found["dbshift"], found["alembic"]))
    print(f"\nThe first migration of {args.tables} tables (an empty database) — medians of {args.repeat}, seconds")
    print(f"{'database':11} {'dbshift wall':>12} {'cpu':>7} {'alembic wall':>12} {'cpu':>7} "
          f"{'alembic/dbshift wall':>21} {'cpu':>5}")
    for dialect, ours, theirs in results:
        print(f"{dialect:11} {ours.median:12.3f} {ours.cpu:7.3f} {theirs.median:12.3f} {theirs.cpu:7.3f} "
              f"{theirs.median / ours.median:21.1f} {theirs.cpu / ours.cpu:5.1f}")
    print(f"load average at end: {load_average()}")


if __name__ == "__main__":
    sys.exit(main())
