"""Memory on a very large schema: the peak RSS of ``dbshift revision --autogenerate`` and ``dbshift check``.

    python3 bench/bench_memory.py [--tables 10000] [--dialects sqlite,postgresql]

The database holds ``--tables`` tables made by ``create_all()`` (nothing to change).  Each command runs once as
a fresh process; its own peak resident set size comes from ``wait4``'s rusage of that child, next to that of
``python -c "import bench_models"`` (what the models alone take).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from schema_fixtures import (Database, bench_env, dbshift_project, dialects_option, load_average, load_models, python,
                             run_once)

LIMIT_MIB = 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", type=int, default=10000)
    parser.add_argument("--dialects", default="sqlite,postgresql")
    args = parser.parse_args()
    dialects = dialects_option(parser, args.dialects)
    rows = []
    with tempfile.TemporaryDirectory(prefix="dbshift_bench_") as tmp:
        work = Path(tmp)
        metadata = load_models(work, args.tables)
        env = bench_env(work)
        models = run_once(python() + ["-c", "import bench_models"], work, env)
        for dialect in dialects:
            db = Database(dialect, work)
            try:
                db.create_all(metadata)
                project = dbshift_project(work, f"dbshift_{dialect}")
                dbshift = python() + ["-m", "dbshift", "--url", db.url]
                run_once(dbshift + ["stamp", "head"], project, env)
                auto = run_once(dbshift + ["revision", "--autogenerate", "-m", "noop"], project, env)
                check = run_once(dbshift + ["check"], project, env)
                if list((project / "migrations").iterdir()):
                    raise SystemExit(f"autogenerate found changes on {dialect}")
            finally:
                db.drop()
            rows.append((dialect, auto, check))
    print(f"\n{args.tables} tables — one run each; max RSS of the child process (limit {LIMIT_MIB} MiB); "
          f"load average {load_average()}")
    print(f"import models alone: {models.wall:.2f} s, {models.rss_mib:.0f} MiB")
    print(f"{'dialect':11} {'autogenerate s':>15} {'MiB':>6} {'check s':>8} {'MiB':>6}  under the limit")
    for dialect, auto, check in rows:
        ok = "yes" if max(auto.rss_mib, check.rss_mib) < LIMIT_MIB else "NO"
        print(f"{dialect:11} {auto.wall:15.2f} {auto.rss_mib:6.0f} {check.wall:8.2f} {check.rss_mib:6.0f}  {ok}")


if __name__ == "__main__":
    main()
