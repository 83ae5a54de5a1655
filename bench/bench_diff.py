"""Database vs database: ``dbshift diff A B`` against ``migra --unsafe A B`` on two PostgreSQL databases.

    python3 -m pip install migra psycopg2-binary    # the reference tool (the ``bench`` extra), not a dependency
    python3 bench/bench_diff.py [--tables 1000] [--repeat 5] [--changed 0]

Both databases hold ``--tables`` tables made by ``create_all()`` from the same models; with ``--changed N`` the
first N tables of B get one more column, so both tools have something to write.  Every measurement is a fresh
process, run ``--repeat`` times; medians are shown, with the ratio migra / dbshift (above 1: dbshift is faster).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import sqlalchemy as sa

from schema_fixtures import Command, Database, bench_env, load_average, load_models, python, taking_turns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--changed", type=int, default=0, help="tables of B with one more column")
    args = parser.parse_args()
    migra = shutil.which("migra")
    if migra is None:
        raise SystemExit("migra is not installed: python3 -m pip install migra psycopg2-binary")
    with tempfile.TemporaryDirectory(prefix="dbshift_bench_") as tmp:
        work = Path(tmp)
        metadata = load_models(work, args.tables)
        a, b = Database("postgresql", work), Database("postgresql", work)
        try:
            a.create_all(metadata)
            b.create_all(metadata)
            if args.changed:
                engine = sa.create_engine(b.url)
                with engine.begin() as conn:
                    for i in range(args.changed):
                        conn.exec_driver_sql(f"ALTER TABLE t{i:05d} ADD COLUMN extra integer")
                engine.dispose()
            env = bench_env(work)
            print(f"load average at start: {load_average()}")
            found = taking_turns({  # one run of each per round: the machine's drifting pace falls on both alike
                "dbshift": Command(python() + ["-m", "dbshift", "diff", a.url, b.url], work, ok=(0, 2)),
                "migra": Command([migra, "--unsafe", a.driver_url, b.driver_url], work, ok=(0, 2)),
            }, env, args.repeat)
            ours, theirs = found["dbshift"], found["migra"]
        finally:
            a.drop()
            b.drop()
    print(f"\nPostgreSQL, {args.tables} tables in each database, {args.changed} changed — medians of {args.repeat}")
    print(f"{'':28} {'dbshift diff':>12} {'migra':>8} {'migra/dbshift':>14}")
    print(f"{'wall seconds':28} {ours.median:12.3f} {theirs.median:8.3f} {theirs.median / ours.median:14.1f}")
    print(f"{'CPU seconds of the process':28} {ours.cpu:12.3f} {theirs.cpu:8.3f} {theirs.cpu / ours.cpu:14.1f}")
    print(f"{'max RSS MiB':28} {ours.max_rss_mib:12.0f} {theirs.max_rss_mib:8.0f}")
    print(f"load average at end: {load_average()}")


if __name__ == "__main__":
    sys.exit(main())
