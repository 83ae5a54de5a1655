"""A failure at any statement leaves a database that says exactly where it stands, and can be finished.

A plan of three migrations (four statements each, schema and data) gets a
failing statement — an INSERT into a table that does not exist yet — at every
position in turn.  On PostgreSQL and SQLite the database is left at the last
completed revision with exactly that revision's schema and rows.  On MariaDB,
whose DDL commits implicitly, the history records the failed migration and
the statement; the next run refuses with one line naming both; once the
missing table exists, ``upgrade --resume`` continues at the failed statement
(statements before it are not run again) and completes the plan.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from runner_helpers import Project, backend, rev_id

from dbshift import api
from dbshift.config import Config
from dbshift.runner import MigrationFailed

# A failure that committed nothing (anywhere on PostgreSQL and SQLite, at a migration's first statement on
# MariaDB) leaves no history row: a plain rerun, as a deploy script does, goes on once the cause is fixed.

# (sql, what it leaves behind: ("table", name) | ("column", "table.column") | ("log", entry))
PLAN = [
    [
        ("CREATE TABLE log (entry varchar(10) NOT NULL)", ("table", "log")),
        ("CREATE TABLE a (id integer PRIMARY KEY)", ("table", "a")),
        ("INSERT INTO log VALUES ('1.3')", ("log", "1.3")),
        ("CREATE TABLE b (id integer PRIMARY KEY)", ("table", "b")),
    ],
    [
        ("INSERT INTO log VALUES ('2.1')", ("log", "2.1")),
        ("ALTER TABLE a ADD COLUMN x integer", ("column", "a.x")),
        ("CREATE TABLE c (id integer PRIMARY KEY)", ("table", "c")),
        ("INSERT INTO log VALUES ('2.4')", ("log", "2.4")),
    ],
    [
        ("CREATE TABLE d (id integer PRIMARY KEY)", ("table", "d")),
        ("INSERT INTO log VALUES ('3.2')", ("log", "3.2")),
        ("ALTER TABLE b ADD COLUMN y integer", ("column", "b.y")),
        ("INSERT INTO log VALUES ('3.4')", ("log", "3.4")),
    ],
]
FAILING = "INSERT INTO gate VALUES (1)"
POSITIONS = [(m, k) for m in range(len(PLAN)) for k in range(len(PLAN[m]) + 1)]  # before each statement, and last


def _state(effects: list[tuple[str, str]]) -> tuple[set[str], set[str], list[str]]:
    tables = {name for kind, name in effects if kind == "table"}
    columns = {name for kind, name in effects if kind == "column"}
    log = sorted(name for kind, name in effects if kind == "log")
    return tables, columns, log


def _observed(project: Project) -> tuple[set[str], set[str], list[str]]:
    from dbshift.database.connect import create_engine

    engine = create_engine(project.url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            tables = set(inspector.get_table_names()) - {"dbshift_history", "gate"}
            columns = {
                f"{t}.{c['name']}" for t in tables & {"a", "b"} for c in inspector.get_columns(t) if c["name"] != "id"
            }
            log = sorted(r[0] for r in conn.exec_driver_sql("SELECT entry FROM log")) if "log" in tables else []
    finally:
        engine.dispose()
    return tables, columns, log


def _project(tmp_path, url: str, position: tuple[int, int]) -> Project:
    project = Project.make(tmp_path / "p", url)
    fail_m, fail_k = position
    for m, statements in enumerate(PLAN):
        sqls = [sql for sql, _ in statements]
        if m == fail_m:
            sqls.insert(fail_k, FAILING)
        project.add_sql(*sqls)
    return project


@pytest.mark.parametrize("position", POSITIONS, ids=[f"m{m + 1}s{k + 1}" for m, k in POSITIONS])
def test_a_failure_at_any_statement_leaves_an_exact_state_and_the_plan_can_be_finished(db_url, tmp_path, position):
    fail_m, fail_k = position
    project = _project(tmp_path, db_url, position)
    failing_rev, number = rev_id(fail_m + 1), fail_k + 1
    mysql = backend(db_url) == "mysql"

    out = project.cli("upgrade", expect=1)
    error = out.strip().splitlines()[-1]
    assert f"{failing_rev}" in error and f"statement {number} " in error and "gate" in error, error

    done_before = [effect for statements in PLAN[:fail_m] for _, effect in statements]
    applied = [(rev_id(m + 1), "applied", len(PLAN[m])) for m in range(fail_m)]
    nothing_committed = not mysql or fail_k == 0
    if nothing_committed:
        # the failed migration was rolled back entirely: the previous revision, exactly
        assert project.history() == applied
        assert _observed(project) == _state(done_before)
        assert "left at the previous revision" in error
    else:
        partial = [effect for _, effect in PLAN[fail_m][:fail_k]]
        assert project.history() == sorted(applied + [(failing_rev, "failed", fail_k)])
        assert _observed(project) == _state(done_before + partial)
        assert "--resume" in error
        refused = project.cli("upgrade", expect=1).strip()
        assert failing_rev in refused and f"at statement {number} " in refused and "gate" in refused, refused
        assert "dbshift upgrade --resume" in refused and "dbshift resolve" in refused

    project.execute("CREATE TABLE gate (id integer)")  # the cause, fixed
    project.cli("upgrade") if nothing_committed else project.cli("upgrade", "--resume")  # a deploy reruns its command

    everything = [effect for statements in PLAN for _, effect in statements]
    assert _observed(project) == _state(everything), "every statement ran exactly once"
    assert project.query("SELECT count(*) FROM gate") == [(1,)]
    assert project.history() == [
        (rev_id(m + 1), "applied", len(PLAN[m]) + (m == fail_m)) for m in range(len(PLAN))
    ]


def test_single_transaction_rolls_back_the_whole_run(db_url, tmp_path):
    project = _project(tmp_path, db_url, (2, 2))
    if backend(db_url) == "mysql":
        out = project.cli("upgrade", "--single-transaction", expect=1)
        assert "single-transaction" in out and "commits each DDL statement" in out
        assert project.tables() == set()
        return
    out = project.cli("upgrade", "--single-transaction", expect=1)
    assert "whole run was rolled back" in out
    assert project.tables() == set() and project.history() == []
    project.execute("CREATE TABLE gate (id integer)")
    project.cli("upgrade", "--single-transaction")
    assert len(project.history()) == 3


def test_statements_outside_a_transaction_are_tracked_and_resumable(pg_url, tmp_path):
    """PostgreSQL: CREATE INDEX CONCURRENTLY commits on its own; the history keeps up, statement by statement."""
    project = Project.make(tmp_path / "p", pg_url)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY, v integer)")
    project.add_sql(
        "INSERT INTO a VALUES (1, 1)",
        "CREATE INDEX CONCURRENTLY a_v ON a (v)",
        "INSERT INTO a VALUES (2, 2)",
        FAILING,
        "INSERT INTO a VALUES (3, 3)",
    )
    out = project.cli("upgrade", expect=1)
    # statement 3 ran in a transaction with statement 4, and was rolled back with it
    assert "statements 1-2 are committed" in out and "continues at statement 3" in out
    assert project.history() == [(rev_id(1), "applied", 1), (rev_id(2), "failed", 2)]
    assert project.query("SELECT id FROM a ORDER BY id") == [(1,)]
    assert project.query("SELECT indexname FROM pg_indexes WHERE tablename = 'a' AND indexname = 'a_v'") == [("a_v",)]
    refused = project.cli("upgrade", expect=1)
    assert "statement 4 (" in refused and "continues at statement 3" in refused

    project.execute("CREATE TABLE gate (id integer)")
    out = project.cli("upgrade", "--resume")
    assert "resuming after statement 2" in out
    assert project.query("SELECT id FROM a ORDER BY id") == [(1,), (2,), (3,)]
    assert project.history() == [(rev_id(1), "applied", 1), (rev_id(2), "applied", 5)]



def test_single_transaction_refuses_a_statement_that_needs_its_own(pg_url, tmp_path):
    project = Project.make(tmp_path / "p", pg_url)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY, v integer)")
    project.add_sql("CREATE INDEX CONCURRENTLY a_v ON a (v)")
    out = project.cli("upgrade", "--single-transaction", expect=1)
    assert "cannot run inside a transaction" in out and "whole run was rolled back" in out
    assert project.tables() == set() and project.history() == []
    config = Config(root=project.root, migrations=project.migrations, url=pg_url, url_source="t")
    with pytest.raises(MigrationFailed, match="statement 1"):
        api.upgrade(config, single_transaction=True)
    api.upgrade(config)
    assert len(project.history()) == 2


def test_a_failed_migration_is_resolved_by_hand(mysql_url, tmp_path):
    """MariaDB: after repairing by hand, the user records how the migration ended instead of resuming it."""
    project = Project.make(tmp_path / "p", mysql_url)
    rev = project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)", FAILING, "CREATE TABLE b (id integer PRIMARY KEY)")
    project.cli("upgrade", expect=1)
    assert project.history() == [(rev, "failed", 1)] and project.tables() == {"a"}

    project.execute("DROP TABLE a")  # undone by hand
    out = project.cli("resolve", rev, "--rolled-back")
    assert f"Recorded {rev} as not applied" in out and "pending again" in out
    assert project.history() == []
    assert f"{rev} has no failed or interrupted run to resolve" in project.cli("resolve", rev, "--applied", expect=1)

    project.cli("upgrade", expect=1)  # the cause is still there: fails at the same statement
    project.execute("CREATE TABLE b (id integer PRIMARY KEY)")  # finished by hand
    out = project.cli("resolve", rev, "--applied")
    assert f"Recorded {rev} as applied" in out
    assert project.history() == [(rev, "applied", 1)] and project.tables() == {"a", "b"}
    assert "Nothing to do" in project.cli("upgrade")


def test_an_operation_that_cannot_run_in_a_transaction_runs_outside_one(pg_url, tmp_path):
    """PostgreSQL: a new enum value is committed on its own, so the same migration can use it."""
    project = Project.make(tmp_path / "p", pg_url)
    project.add_sql("CREATE TYPE mood AS ENUM ('happy', 'sad')", "CREATE TABLE person (id integer PRIMARY KEY, m mood)")
    project.add_python(  # inside one transaction, PostgreSQL would refuse the INSERT: "unsafe use of new value"
        """
        upgrade = [
            AlterEnum(Enum("mood", ("happy", "sad")), Enum("mood", ("happy", "meh", "sad"))),
            RunSQL("INSERT INTO person VALUES (1, 'meh')"),
        ]
        """
    )
    out = project.cli("upgrade")
    assert "Now at" in out
    assert project.query("SELECT m::text FROM person") == [("meh",)]
    assert project.history() == [(rev_id(1), "applied", 2), (rev_id(2), "applied", 2)]
