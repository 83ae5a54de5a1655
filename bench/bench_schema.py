"""Models vs database on a large schema: ``dbshift check`` and ``revision --autogenerate`` against Alembic and the floor.

    python3 bench/bench_schema.py [--tables 1000] [--repeat 5] [--dialects postgresql,sqlite,mariadb]
    python3 bench/bench_schema.py --scaling [--sizes 250,500,1000,2000]

Each database holds ``--tables`` tables made by ``create_all()`` from the models (8 columns, a primary key, a
foreign key, two indexes and a unique constraint each), so there is nothing to change: the steady-state cost of
a CI ``check`` and of an autogenerate that finds nothing.  Every measurement is a whole fresh process, run
``--repeat`` times; medians are shown.

- ``import models``: ``python -c "import bench_models"`` (Python, SQLAlchemy and the 1,000 ``Table`` objects);
  "net" times subtract it, as every tool pays it before comparing anything.  The ``dbshift`` process runs its
  garbage collector less often (never while importing the models, nor over them later: ``kept_to_the_end``)
  and ends without tearing its heap down (``dbshift.cli.process``), which makes importing the models in it
  cheaper and spares it the models' teardown (0.4 s for 1,000 tables): dbshift's net subtracts ``import models
  (as dbshift runs)``, the same import under those settings and ending the same way, so that neither tool's
  net counts a model import or a teardown the other is spared.
- ``floor``: the statements ``dbshift check`` sends (captured once below the cursor), sent again by a process
  that imports the driver alone (psycopg / sqlite3 / PyMySQL) and fetches every row: reading the catalog
  with nothing built from it.  ``net/floor`` compares dbshift's net time with that whole process.
- SQLite's tables come back from the schema cache (``dbshift.project.schema_cache``) when its ``sqlite_master``
  is the one read before, as it is on every run after the first: ``check, nothing remembered`` is a ``check``
  with the cache turned off (``DBSHIFT_CACHE_DIR=``), what the first ``check`` after a change of the schema
  costs.  The floor is captured as the timed runs find the cache.
- ``--scaling``: dbshift's net cost per table at several sizes (linear means a flat ms/table column).

Wall-clock medians are what a user waits; on a machine others are using they swing with the load, so the
CPU time of each process (user + system, from ``wait4``) is shown too: it does not count a database
server's work (the floor's CPU is the driver's alone), but it hardly moves with the load.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from schema_fixtures import (
    DIALECTS, Command, Database, Timing, alembic_project, bench_env, capture_statements, clear_versions,
    dbshift_project, dialects_option, load_average, load_models, python, statement_count, taking_turns, timed,
)

DBSHIFT = python() + ["-m", "dbshift"]
# the models imported as a dbshift command imports them (its collector settings, kept_to_the_end), and ended as it
# ends one (os._exit: no teardown of the heap)
IMPORT_AS_DBSHIFT = """\
import gc, os
from dbshift.cli.process import YOUNG_THRESHOLD
from dbshift.project.models import kept_to_the_end
gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
with kept_to_the_end():
    import bench_models
os._exit(0)
"""
BASE_DBSHIFT = "import models (as dbshift runs)"
ALEMBIC = python() + ["-m", "alembic"]


def build(work: Path, dialect: str, tables: int) -> tuple[Database, dict[str, str]]:
    """A database of ``tables`` tables, the models module and both tools' projects, under ``work``."""
    work.mkdir(parents=True, exist_ok=True)
    metadata = load_models(work, tables)
    db = Database(dialect, work)
    try:
        db.create_all(metadata)
        env = bench_env(work)
        project = dbshift_project(work, f"dbshift_{dialect}")
        timed(DBSHIFT + ["--url", db.url, "stamp", "head"], project, env, 1)
        alembic_project(work, f"alembic_{dialect}", db.url)
    except BaseException:
        db.drop()
        raise
    return db, env


def measure(work: Path, db: Database, env: dict[str, str], repeat: int, alembic: bool = True) -> dict[str, Timing]:
    """Every command and baseline timed taking turns, round after round (:func:`taking_turns`)."""
    project, ref = work / f"dbshift_{db.dialect}", work / f"alembic_{db.dialect}"
    timed(DBSHIFT + ["--url", db.url, "check"], project, env, 1)  # as every timed run finds the cache: warm
    statements = capture_statements(db, work, env)
    commands = {
        "import models": Command(python() + ["-c", "import bench_models"], work),
        BASE_DBSHIFT: Command(python() + ["-c", IMPORT_AS_DBSHIFT], work),
        "dbshift check": Command(DBSHIFT + ["--url", db.url, "check"], project),
        "dbshift autogenerate": Command(DBSHIFT + ["--url", db.url, "revision", "--autogenerate", "-m", "noop"], project),
        **({"dbshift check, nothing remembered": Command(
            ["env", "DBSHIFT_CACHE_DIR="] + DBSHIFT + ["--url", db.url, "check"], project)}
           if db.dialect == "sqlite" else {}),
        "floor": Command(python() + [str(work / "floor.py"), db.dialect, db.driver_url, str(statements)], work),
    }
    if alembic:
        # (the versions folder emptied before each Alembic run: its autogenerate writes a revision even when nothing
        # changed, and `alembic check` with that revision unapplied stops at once)
        commands["alembic check"] = Command(ALEMBIC + ["check"], ref, ok=(0, 1, 255), before=clear_versions(ref))
        commands["alembic autogenerate"] = Command(ALEMBIC + ["revision", "--autogenerate", "-m", "noop"], ref,
                                                   before=clear_versions(ref))
    found = taking_turns(commands, env, repeat)
    found["floor"].statements = statement_count(statements)  # type: ignore[attr-defined]
    if list((project / "migrations").iterdir()):
        raise SystemExit(f"dbshift autogenerate found changes on {db.dialect}: the benchmark measures the wrong path")
    return found


def report(dialect: str, tables: int, t: dict[str, Timing]) -> None:
    """Two tables: wall-clock medians (what a user waits), then CPU medians of the process itself (steadier on a
    loaded machine; a server's work is not in them)."""
    statements = getattr(t["floor"], "statements", "?")
    for label, get in (("wall seconds", lambda x: x.median), ("CPU seconds of the process", lambda x: x.cpu)):
        base, base_gc, floor = get(t["import models"]), get(t[BASE_DBSHIFT]), get(t["floor"])

        def net(key: str) -> float:
            return get(t[key]) - (base_gc if key.startswith("dbshift") else base)  # noqa: B023 - used at once

        print(f"\n{dialect}, {tables} tables — {label}, medians; net = minus 'import models' ({base:.3f}; "
              f"dbshift: {base_gc:.3f} with its GC settings and exit); floor ({statements} statements, driver only) {floor:.3f}")
        print(f"{'command':14} {'dbshift':>8} {'net':>7} {'alembic':>8} {'net':>7} {'alembic/dbshift net':>20} "
              f"{'dbshift net/floor':>18} {'max RSS MiB':>12}")
        for what in ("check", "autogenerate", "check, nothing remembered"):
            if f"dbshift {what}" not in t:
                continue
            ours = t[f"dbshift {what}"]
            alembic = f"alembic {what.split(',')[0]}"  # (a cold check is compared with Alembic's check)
            theirs = t.get(alembic)
            ref = (f"{get(theirs):8.3f} {net(alembic):7.3f} "
                   f"{net(alembic) / net(f'dbshift {what}'):20.1f}" if theirs else f"{'-':>8} {'-':>7} {'-':>20}")
            print(f"{what:14} {get(ours):8.3f} {net(f'dbshift {what}'):7.3f} {ref} "
                  f"{net(f'dbshift {what}') / floor:18.2f} {ours.max_rss_mib:12.0f}")


def scaling(root: Path, dialects: list[str], sizes: list[int], repeat: int) -> None:
    rows = []
    for dialect in dialects:
        for n in sizes:
            db, env = build(root / f"{dialect}_{n}", dialect, n)
            try:
                t = measure(root / f"{dialect}_{n}", db, env, repeat, alembic=False)
            finally:
                db.drop()
            base, cpu = t[BASE_DBSHIFT].median, t[BASE_DBSHIFT].cpu
            rows.append((dialect, n, base, t["dbshift check"].median - base, t["dbshift autogenerate"].median - base,
                         t["floor"].median, t["dbshift check"].cpu - cpu, t["dbshift autogenerate"].cpu - cpu))
            d, n_, base_, check, auto, floor, check_cpu, auto_cpu = rows[-1]
            print(f"  … {dialect} {n}: net check {check:.3f} s ({check_cpu:.3f} s CPU), autogenerate {auto:.3f} s "
                  f"({auto_cpu:.3f} s CPU), floor {floor:.3f} s; load {load_average()}", file=sys.stderr, flush=True)
    print(f"\nscaling — net seconds (minus importing the models) and ms per table; load average {load_average()}")
    print(f"{'dialect':11} {'tables':>6} {'import':>7} {'check':>7} {'ms/table':>9} {'autogen':>8} {'ms/table':>9} "
          f"{'floor':>7} {'ms/table':>9} {'check CPU':>10} {'ms/table':>9} {'autogen CPU':>12} {'ms/table':>9}")
    for dialect, n, base, check, auto, floor, check_cpu, auto_cpu in rows:
        print(f"{dialect:11} {n:6d} {base:7.3f} {check:7.3f} {check / n * 1000:9.3f} {auto:8.3f} "
              f"{auto / n * 1000:9.3f} {floor:7.3f} {floor / n * 1000:9.3f} {check_cpu:10.3f} "
              f"{check_cpu / n * 1000:9.3f} {auto_cpu:12.3f} {auto_cpu / n * 1000:9.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dialects", default=",".join(DIALECTS))
    parser.add_argument("--scaling", action="store_true", help="dbshift's cost per table at --sizes")
    parser.add_argument("--sizes", default="250,500,1000,2000")
    parser.add_argument("--no-alembic", action="store_true")
    args = parser.parse_args()
    dialects = dialects_option(parser, args.dialects)
    with tempfile.TemporaryDirectory(prefix="dbshift_bench_") as tmp:
        root = Path(tmp)
        if args.scaling:
            scaling(root, dialects, [int(n) for n in args.sizes.split(",")], args.repeat)
            return
        print(f"load average at start: {load_average()}")
        for dialect in dialects:
            db, env = build(root / dialect, dialect, args.tables)
            try:
                found = measure(root / dialect, db, env, args.repeat, alembic=not args.no_alembic)
            finally:
                db.drop()
            report(dialect, args.tables, found)
        print(f"\nload average at end: {load_average()}")


if __name__ == "__main__":
    main()
