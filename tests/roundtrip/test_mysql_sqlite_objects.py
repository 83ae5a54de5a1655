"""MariaDB views, triggers, routines and events, and SQLite views and triggers, compared and migrated.

Each kind has a pair of databases A and B: ``dbshift diff A B`` is applied to A
(SQLite: the script as printed, by sqlite3; MariaDB: each statement as printed,
sent whole), after which nothing is left to change, and the reverse diff,
from a copy of A, restores A.  The same changes also run as a migration (the
diff's operations in a migration file), upgraded and downgraded by dbshift.
What a user would notice is judged through the database: rows read through
views, triggers firing, functions' results, events' schedules.
"""

from __future__ import annotations

import io
import sqlite3
import time
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import pytest
import sqlalchemy as sa

from dbshift import api
from dbshift.cli import main
from dbshift.config import Config
from dbshift.project.codegen import render_migration

_VERBATIM = {"no_parameters": True}  # '%' stays '%'


# --- databases, diff and apply ------------------------------------------------------------------------


class Databases:
    """Fresh databases of one kind: ``a``, ``b`` and ``a0`` (A again, for the reverse diff)."""

    def __init__(self, make: Callable[[], str]) -> None:
        self.a, self.b, self.a0 = make(), make(), make()

    def build(self, a: list[str], b: list[str]) -> None:
        for url, script in ((self.a, a), (self.a0, a), (self.b, b)):
            execute(url, script)


@pytest.fixture
def mariadb(mariadb_server) -> Iterator[Databases]:
    made: list[str] = []

    def make() -> str:
        made.append(mariadb_server.create())
        return made[-1]

    yield Databases(make)
    for url in made:
        mariadb_server.drop(url)


@pytest.fixture
def sqlite(tmp_path: Path) -> Databases:
    names = iter("abcdef")
    return Databases(lambda: f"sqlite:///{tmp_path / next(names)}.db")


def execute(url: str, statements: list[str]) -> None:
    """Each statement whole (a trigger's or routine's body holds semicolons of its own)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement, execution_options=_VERBATIM)
    engine.dispose()


def rows(url: str, query: str) -> list[tuple]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        found = [tuple(r) for r in conn.exec_driver_sql(query, execution_options=_VERBATIM)]
    engine.dispose()
    return found


def diff(a: str, b: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["diff", a, b], out, err)
    return code, out.getvalue(), err.getvalue()


def apply(url: str, sql: str) -> None:
    """The printed diff, as a user runs it: sqlite3 runs a SQLite script; on MariaDB each statement (they are
    written one blank line apart, none of the bodies here holds a blank line) is sent whole."""
    if url.startswith("sqlite"):
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as db:
            db.executescript(sql)
        return
    execute(url, [s.removesuffix(";") for s in sql.strip().split(";\n\n")])


def converge(a: str, b: str) -> str:
    """Apply ``dbshift diff a b`` to ``a``: nothing is left to change.  Returns the SQL applied."""
    code, sql, err = diff(a, b)
    assert (code, err) == (2, ""), err
    apply(a, sql)
    assert diff(a, b) == (0, "", "")
    return sql


def round_trip(dbs: Databases) -> str:
    """A → B by the printed diff, then back to A by the reverse one; returns the A → B SQL."""
    sql = converge(dbs.a, dbs.b)
    converge(dbs.a, dbs.a0)
    return sql


def migrate(tmp_path: Path, dbs: Databases) -> Config:
    """The diff A → B as a migration file for A, upgraded by dbshift: A is then B."""
    root = tmp_path / "project"
    (root / "migrations").mkdir(parents=True)
    revision = "20260101000000_objects"
    ops = api.diff_databases(dbs.a, dbs.b).ops
    text = render_migration(revision, (), "objects", ops, created=datetime(2026, 1, 1, tzinfo=timezone.utc))
    (root / "migrations" / f"{revision}.py").write_text(text)
    config = Config(root=root, migrations=root / "migrations", url=dbs.a, url_source="test")
    api.upgrade(config)
    assert api.diff_databases(dbs.a, dbs.b).ops == ()
    return config


def migrate_and_back(tmp_path: Path, dbs: Databases) -> None:
    config = migrate(tmp_path, dbs)
    api.downgrade(config, "-1")
    assert api.diff_databases(dbs.a, dbs.a0).ops == ()


# --- MariaDB ------------------------------------------------------------------------------------------

TABLES = [
    "CREATE TABLE t (id int PRIMARY KEY, a int, b varchar(20))",
    "CREATE TABLE log (id int AUTO_INCREMENT PRIMARY KEY, msg varchar(100))",
]

VIEWS_A = TABLES + [
    "CREATE VIEW v AS SELECT id, a FROM t",
    "CREATE VIEW kept AS SELECT id FROM t",
    "CREATE VIEW gone AS SELECT b FROM t",
]
VIEWS_B = TABLES + [
    "CREATE ALGORITHM=MERGE SQL SECURITY INVOKER VIEW v AS SELECT id, a, b FROM t WHERE a > 0 WITH CHECK OPTION",
    "CREATE VIEW kept AS SELECT id FROM t",
    "CREATE VIEW over_v AS SELECT x.a, l.msg FROM v x LEFT JOIN log l ON l.id = x.id",
]
SEED = ["INSERT INTO t VALUES (1, 5, 'x'), (2, -1, 'y')", "INSERT INTO log (msg) VALUES ('one')"]


def test_mariadb_views(mariadb: Databases, tmp_path: Path):
    mariadb.build(VIEWS_A + SEED, VIEWS_B + SEED)
    sql = round_trip(mariadb)
    assert "CREATE OR REPLACE ALGORITHM=MERGE SQL SECURITY INVOKER VIEW v AS" in sql  # changed in place
    assert sql.index("CREATE OR REPLACE ALGORITHM=MERGE") < sql.index("CREATE VIEW over_v")
    assert "DROP VIEW gone;" in sql and "kept" not in sql and "DEFINER" not in sql
    assert rows(mariadb.a, "SELECT id, a FROM v ORDER BY id") == [(1, 5), (2, -1)]  # A again

    migrate(tmp_path, mariadb)
    assert rows(mariadb.a, "SELECT id, a, b FROM v") == [(1, 5, "x")]
    assert rows(mariadb.a, "SELECT a, msg FROM over_v") == [(5, "one")]
    with pytest.raises(sa.exc.DatabaseError, match="CHECK OPTION failed"):
        execute(mariadb.a, ["INSERT INTO v (id, a) VALUES (3, -2)"])


TRIGGERS_A = TABLES + [
    "CREATE TRIGGER t_fill BEFORE INSERT ON t FOR EACH ROW SET NEW.b = CONCAT('a', NEW.a)",
    "CREATE TRIGGER t_gone AFTER INSERT ON t FOR EACH ROW INSERT INTO log (msg) VALUES ('gone')",
]
TRIGGERS_B = TABLES + [
    "CREATE TRIGGER t_fill BEFORE INSERT ON t FOR EACH ROW BEGIN\n"
    "  SET NEW.b = CONCAT('b', NEW.a);\n  INSERT INTO log (msg) VALUES (NEW.b);\nEND",
    # fires first, so t_fill sees its change
    "CREATE TRIGGER t_first BEFORE INSERT ON t FOR EACH ROW PRECEDES t_fill SET NEW.a = NEW.a * 10",
    "CREATE TRIGGER t_audit AFTER UPDATE ON t FOR EACH ROW INSERT INTO log (msg) VALUES (CONCAT(OLD.a, '>', NEW.a))",
]


def test_mariadb_triggers_keep_their_order(mariadb: Databases, tmp_path: Path):
    mariadb.build(TRIGGERS_A, TRIGGERS_B)
    sql = round_trip(mariadb)
    assert sql.index("CREATE TRIGGER t_first") < sql.index("CREATE TRIGGER t_fill") < sql.index("FOLLOWS t_first")
    execute(mariadb.a, ["INSERT INTO t (id, a) VALUES (1, 2)"])  # A again
    assert rows(mariadb.a, "SELECT a, b FROM t") == [(2, "a2")]
    assert rows(mariadb.a, "SELECT msg FROM log") == [("gone",)]

    migrate(tmp_path, mariadb)
    execute(mariadb.a, ["DELETE FROM log", "INSERT INTO t (id, a) VALUES (2, 3)", "UPDATE t SET a = 4 WHERE id = 2"])
    assert rows(mariadb.a, "SELECT id, a, b FROM t ORDER BY id") == [(1, 2, "a2"), (2, 4, "b30")]
    assert rows(mariadb.a, "SELECT msg FROM log ORDER BY id") == [("b30",), ("30>4",)]


ROUTINES_A = TABLES + [
    "CREATE FUNCTION f(x int) RETURNS int DETERMINISTIC RETURN x + 1",
    "CREATE PROCEDURE p(IN n int) BEGIN\n  INSERT INTO log (msg) VALUES (CONCAT('p', n));\nEND",
    "CREATE FUNCTION gone() RETURNS int NO SQL RETURN 1",
]
ROUTINES_B = TABLES + [
    "CREATE FUNCTION f(x int, y int) RETURNS bigint NO SQL COMMENT 'adds, 100% sure' RETURN x + y",
    "CREATE PROCEDURE p(IN n int, OUT total int) MODIFIES SQL DATA SQL SECURITY INVOKER BEGIN\n"
    "  INSERT INTO log (msg) VALUES (CONCAT('p', n));\n  SELECT COUNT(*) INTO total FROM log;\nEND",
    "CREATE FUNCTION label(s varchar(10) CHARSET latin1) RETURNS varchar(20) CHARSET latin1 DETERMINISTIC "
    "RETURN CONCAT('<', s, '>')",
    "CREATE VIEW labels AS SELECT label(b) AS l FROM t",  # needs the function first
]


def test_mariadb_functions_and_procedures(mariadb: Databases, tmp_path: Path):
    mariadb.build(ROUTINES_A + SEED, ROUTINES_B + SEED)
    sql = round_trip(mariadb)
    assert "CREATE OR REPLACE FUNCTION f(x int(11), y int(11)) RETURNS bigint(20)\nNO SQL\nCOMMENT" in sql
    assert "s varchar(10) CHARSET latin1 COLLATE latin1_swedish_ci" in sql
    assert sql.index("CREATE FUNCTION label") < sql.index("CREATE VIEW labels")
    assert "DROP FUNCTION gone;" in sql and "DEFINER" not in sql
    assert rows(mariadb.a, "SELECT f(2)") == [(3,)]  # A again

    migrate(tmp_path, mariadb)
    assert rows(mariadb.a, "SELECT f(2, 3), label('x')") == [(5, "<x>")]
    assert rows(mariadb.a, "SELECT l FROM labels ORDER BY l") == [("<x>",), ("<y>",)]
    engine = sa.create_engine(mariadb.a, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql("CALL p(7, @n)")
        assert conn.exec_driver_sql("SELECT @n, (SELECT max(msg) FROM log)").one() == (2, "p7")
    engine.dispose()
    assert rows(mariadb.a, "SELECT ROUTINE_COMMENT, SECURITY_TYPE FROM information_schema.ROUTINES "
                           "WHERE ROUTINE_SCHEMA = DATABASE() ORDER BY ROUTINE_NAME") == [
        ("adds, 100% sure", "DEFINER"), ("", "DEFINER"), ("", "INVOKER"),
    ]


EVENTS_A = TABLES + [
    "CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 03:00:00' DO DELETE FROM log",
    "CREATE EVENT gone ON SCHEDULE AT '2031-01-01 00:00:00' ON COMPLETION PRESERVE DO DELETE FROM log",
    "CREATE EVENT plain ON SCHEDULE EVERY 5 MINUTE DO DELETE FROM log",  # starts when it is created
]
EVENTS_B = TABLES + [
    "CREATE EVENT nightly ON SCHEDULE EVERY 2 HOUR STARTS '2030-01-01 04:00:00' ENDS '2032-01-01 00:00:00' "
    "DISABLE COMMENT 'it''s off' DO INSERT INTO log (msg) VALUES ('tick')",
    "CREATE EVENT plain ON SCHEDULE EVERY 5 MINUTE DO DELETE FROM log",
    "CREATE EVENT soon ON SCHEDULE EVERY '1:30' HOUR_MINUTE DO DELETE FROM log",
]
EVENTS = ("SELECT EVENT_NAME, EVENT_TYPE, INTERVAL_VALUE, INTERVAL_FIELD, STATUS, EVENT_COMMENT, ENDS, "
          "EVENT_DEFINITION FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE() ORDER BY EVENT_NAME")


def test_mariadb_events(mariadb: Databases, tmp_path: Path):
    execute(mariadb.a, EVENTS_A)
    execute(mariadb.a0, EVENTS_A)
    time.sleep(1.1)  # B's events are created a second later: one that starts when created is still the same
    execute(mariadb.b, EVENTS_B)
    sql = round_trip(mariadb)
    assert "CREATE OR REPLACE EVENT nightly ON SCHEDULE EVERY 2 HOUR STARTS '2030-01-01 04:00:00'" in sql
    assert "plain" not in sql and "DEFINER" not in sql
    assert rows(mariadb.a, EVENTS)[0][:2] == ("gone", "ONE TIME")  # A again

    migrate(tmp_path, mariadb)
    assert [r[:7] for r in rows(mariadb.a, EVENTS)] == [
        ("nightly", "RECURRING", "2", "HOUR", "DISABLED", "it's off", datetime(2032, 1, 1)),
        ("plain", "RECURRING", "5", "MINUTE", "ENABLED", "", None),
        ("soon", "RECURRING", "'1:30'", "HOUR_MINUTE", "ENABLED", "", None),
    ]
    assert rows(mariadb.a, "SELECT STARTS FROM information_schema.EVENTS WHERE EVENT_NAME = 'nightly' "
                           "AND EVENT_SCHEMA = DATABASE()") == [(datetime(2030, 1, 1, 4),)]


def test_mariadb_migrations_of_each_kind_go_down_again(mariadb: Databases, tmp_path: Path):
    mariadb.build(VIEWS_A + TRIGGERS_A[2:] + ROUTINES_A[2:] + EVENTS_A[2:],
                  VIEWS_B + TRIGGERS_B[2:] + ROUTINES_B[2:] + EVENTS_B[2:])
    migrate_and_back(tmp_path, mariadb)


def test_mariadb_a_view_and_a_trigger_over_a_column_whose_type_changes_keep_working(mariadb: Databases):
    objects = [
        "CREATE VIEW v AS SELECT id, a, b FROM t",
        "CREATE TRIGGER t_log AFTER INSERT ON t FOR EACH ROW INSERT INTO log (msg) VALUES (CONCAT(NEW.a, NEW.b))",
    ]
    wider = [TABLES[0].replace("a int, b varchar(20)", "a bigint, b varchar(50)"), TABLES[1]]
    mariadb.build(TABLES + objects, wider + objects)
    sql = converge(mariadb.a, mariadb.b)
    assert "MODIFY" in sql and "VIEW" not in sql and "TRIGGER" not in sql  # kept as they are
    execute(mariadb.a, ["INSERT INTO t VALUES (1, 5000000000, 'a long text, longer than twenty')"])
    assert rows(mariadb.a, "SELECT a, b FROM v") == [(5000000000, "a long text, longer than twenty")]
    assert rows(mariadb.a, "SELECT msg FROM log") == [("5000000000a long text, longer than twenty",)]


def test_mariadb_a_view_over_a_dropped_column_is_dropped_first_and_created_after(mariadb: Databases):
    mariadb.build(TABLES + ["CREATE VIEW v AS SELECT b FROM t"],
                  [TABLES[0].replace(", b varchar(20)", ""), TABLES[1], "CREATE VIEW v AS SELECT a AS b FROM t"])
    sql = converge(mariadb.a, mariadb.b)
    assert sql.index("DROP VIEW v;") < sql.index("DROP COLUMN b") < sql.index("CREATE VIEW v")


# --- SQLite ---------------------------------------------------------------------------------------

SQLITE_TABLES = [
    "CREATE TABLE t (id integer PRIMARY KEY, a integer, b integer, c integer)",
    "CREATE TABLE log (id integer PRIMARY KEY, msg text)",
]
SQLITE_SEED = ["INSERT INTO t (id, a, b) VALUES (1, 5, 50), (2, -1, 20)"]


def test_sqlite_views(sqlite: Databases, tmp_path: Path):
    sqlite.build(
        SQLITE_TABLES + SQLITE_SEED + [
            "CREATE VIEW v AS SELECT id, a FROM t", "CREATE VIEW kept AS SELECT id FROM t",
            "CREATE VIEW gone AS SELECT b FROM t",
        ],
        SQLITE_TABLES + SQLITE_SEED + [
            "CREATE VIEW v AS SELECT id, a, b FROM t WHERE a > 0", "CREATE VIEW kept AS SELECT id FROM t",
            'CREATE VIEW "over v" AS SELECT b FROM v',
        ],
    )
    sql = round_trip(sqlite)
    assert sql.index("DROP VIEW v;") < sql.index("CREATE VIEW v AS SELECT id, a, b")  # no CREATE OR REPLACE
    assert sql.index("CREATE VIEW v AS SELECT id, a, b") < sql.index('CREATE VIEW "over v"')
    assert "kept" not in sql
    assert rows(sqlite.a, "SELECT id, a FROM v ORDER BY id") == [(1, 5), (2, -1)]  # A again

    migrate_and_back(tmp_path, sqlite)
    migrate(tmp_path / "again", sqlite)
    assert rows(sqlite.a, 'SELECT b FROM "over v"') == [(50,)]


def test_sqlite_triggers(sqlite: Databases, tmp_path: Path):
    view = "CREATE VIEW recent AS SELECT id, a FROM t"
    sqlite.build(
        SQLITE_TABLES + [
            "CREATE TRIGGER t_log AFTER INSERT ON t BEGIN INSERT INTO log (msg) VALUES ('a' || NEW.id); END",
            "CREATE TRIGGER t_gone AFTER DELETE ON t BEGIN INSERT INTO log (msg) VALUES ('gone'); END",
        ],
        SQLITE_TABLES + [
            view,
            "CREATE TRIGGER t_log AFTER INSERT ON t BEGIN INSERT INTO log (msg) VALUES ('b' || NEW.id); END",
            "CREATE TRIGGER t_stamp AFTER UPDATE OF a ON t BEGIN UPDATE t SET c = NEW.a * 2 WHERE id = NEW.id; END",
            # a trigger of a view: created after it
            "CREATE TRIGGER recent_add INSTEAD OF INSERT ON recent BEGIN INSERT INTO t (id, a) VALUES (NEW.id, NEW.a); "
            "END",
        ],
    )
    sql = round_trip(sqlite)
    assert sql.index(view) < sql.index("CREATE TRIGGER recent_add")
    execute(sqlite.a, ["INSERT INTO t (id, a) VALUES (1, 1)", "DELETE FROM t"])  # A again
    assert rows(sqlite.a, "SELECT msg FROM log ORDER BY id") == [("a1",), ("gone",)]

    migrate_and_back(tmp_path, sqlite)
    migrate(tmp_path / "again", sqlite)
    execute(sqlite.a, ["DELETE FROM log", "INSERT INTO recent (id, a) VALUES (7, 3)", "UPDATE t SET a = 4"])
    assert rows(sqlite.a, "SELECT msg FROM log") == [("b7",)]
    assert rows(sqlite.a, "SELECT id, a, c FROM t") == [(7, 4, 8)]


REBUILT_A = SQLITE_TABLES + SQLITE_SEED + [
    "CREATE VIEW v AS SELECT id, a FROM t",
    "CREATE VIEW totals AS SELECT count(*) AS n FROM t",
    "CREATE TRIGGER t_stamp AFTER UPDATE OF a ON t BEGIN UPDATE t SET c = NEW.a WHERE id = NEW.id; END",
    "CREATE TRIGGER t_log AFTER INSERT ON t BEGIN INSERT INTO log (msg) VALUES ('old ' || NEW.id); END",
]
REBUILT_B = [SQLITE_TABLES[0].replace("a integer", "a text NOT NULL"), SQLITE_TABLES[1]] + SQLITE_SEED + [
    "CREATE VIEW v AS SELECT id, a FROM t",  # kept
    "CREATE VIEW totals AS SELECT count(*) AS n, max(a) AS top FROM t",  # changed: dropped and created
    "CREATE TRIGGER t_stamp AFTER UPDATE OF a ON t BEGIN UPDATE t SET c = NEW.a WHERE id = NEW.id; END",  # kept
    "CREATE TRIGGER t_log AFTER INSERT ON t BEGIN INSERT INTO log (msg) VALUES ('new ' || NEW.id); END",  # changed
    "CREATE TRIGGER t_gone AFTER DELETE ON t BEGIN INSERT INTO log (msg) VALUES ('gone ' || OLD.id); END",  # new
]


def _rebuilt_t_works(url: str) -> None:
    """Rows read through the views; each trigger of t fires, once."""
    assert rows(url, "SELECT id, a FROM v ORDER BY id") == [(1, "5"), (2, "-1")]
    assert rows(url, "SELECT n, top FROM totals") == [(2, "5")]
    execute(url, ["DELETE FROM log", "INSERT INTO t (id, a) VALUES (3, 'x')", "UPDATE t SET a = 'y' WHERE id = 1",
                  "DELETE FROM t WHERE id = 2"])
    assert rows(url, "SELECT msg FROM log ORDER BY id") == [("new 3",), ("gone 2",)]
    assert rows(url, "SELECT id, a, c FROM t ORDER BY id") == [(1, "y", "y"), (3, "x", None)]


def test_a_sqlite_rebuild_keeps_the_views_and_triggers_of_its_table(sqlite: Databases):
    """The type change rebuilds t; the view and trigger it keeps are kept by the rebuild, the ones the diff
    changes are dropped before it and created after it: none is lost, none is created twice."""
    sqlite.build(REBUILT_A, REBUILT_B)
    sql = converge(sqlite.a, sqlite.b)
    rebuild = sql.index("CREATE TABLE _dbshift_new_t")
    assert sql.index("DROP TRIGGER t_log;") < rebuild and sql.index("DROP VIEW totals;") < rebuild
    assert sql.count("CREATE TRIGGER t_stamp") == 1 and sql.count("CREATE TRIGGER t_log") == 1
    assert sql.index("CREATE TRIGGER t_stamp") < sql.index("CREATE TRIGGER t_log")  # in the rebuild; after it
    assert "SELECT * FROM main.v LIMIT 0;" in sql  # the script checks the view it keeps
    assert "CREATE VIEW v " not in sql
    _rebuilt_t_works(sqlite.a)
    converge(sqlite.a, sqlite.a0)
    assert rows(sqlite.a, "SELECT n FROM totals") == [(2,)]


def test_a_sqlite_rebuild_run_by_dbshift_keeps_the_views_and_triggers_of_its_table(sqlite: Databases,
                                                                                    tmp_path: Path):
    sqlite.build(REBUILT_A, REBUILT_B)
    config = migrate(tmp_path, sqlite)
    _rebuilt_t_works(sqlite.a)
    api.downgrade(config, "-1")
    assert api.diff_databases(sqlite.a, sqlite.a0).ops == ()
    execute(sqlite.a, ["DELETE FROM log", "INSERT INTO t (id, a) VALUES (4, 4)"])
    assert rows(sqlite.a, "SELECT msg FROM log") == [("old 4",)]


def test_sqlite_a_view_over_a_dropped_column_is_dropped_first_and_created_after(sqlite: Databases):
    sqlite.build(SQLITE_TABLES + ["CREATE VIEW v AS SELECT id, b FROM t"],
                 [SQLITE_TABLES[0].replace(", b integer", ""), SQLITE_TABLES[1],
                  "CREATE VIEW v AS SELECT id, c AS b FROM t"])
    sql = converge(sqlite.a, sqlite.b)
    assert sql.index("DROP VIEW v;") < sql.index("DROP COLUMN b") < sql.index("CREATE VIEW v")


# --- models: the database's own views and triggers ride along ------------------------------------------


def _shop(a_type: type[sa.types.TypeEngine], with_u: bool) -> Callable[[sa.MetaData], None]:
    def build(metadata: sa.MetaData) -> None:
        sa.Table("t", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                 sa.Column("a", a_type))
        sa.Table("log", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("msg", sa.String(100)))
        if with_u:
            sa.Table("u", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False))

    return build


@pytest.mark.parametrize("kind", ["sqlite", "mariadb"])
def test_models_that_drop_a_table_drop_its_trigger_and_keep_the_views_they_do_not_declare(
    kind: str, database_of, tmp_path: Path,
):
    url = database_of(kind)
    root = tmp_path / "project"
    (root / "migrations").mkdir(parents=True)

    def config(build: Callable[[sa.MetaData], None]) -> Config:
        metadata = sa.MetaData()
        build(metadata)
        return Config(root=root, migrations=root / "migrations", url=url, url_source="test", metadata_object=metadata)

    a, b = config(_shop(sa.Integer, True)), config(_shop(sa.BigInteger, False))
    api.revision(a, "a", autogenerate=True)
    api.upgrade(a)
    body = "INSERT INTO log (msg) VALUES ('u')"
    execute(url, [
        "INSERT INTO t (id, a) VALUES (1, 5)", "CREATE VIEW v AS SELECT id, a FROM t",
        f"CREATE TRIGGER u_log AFTER INSERT ON u FOR EACH ROW {body}" if kind == "mariadb"
        else f"CREATE TRIGGER u_log AFTER INSERT ON u BEGIN {body}; END",
    ])
    assert api.check(a).ops == ()  # the models need not declare them

    api.revision(b, "b", autogenerate=True)
    api.upgrade(b)
    assert api.check(b).ops == ()
    assert rows(url, "SELECT id, a FROM v") == [(1, 5)]  # kept over the type change

    api.downgrade(a, "-1")  # u comes back, and its trigger with it
    assert api.check(a).ops == ()
    execute(url, ["INSERT INTO u (id) VALUES (1)"])
    assert rows(url, "SELECT msg FROM log") == [("u",)]
    api.upgrade(b)
    assert api.check(b).ops == ()


@pytest.mark.parametrize("kind", ["sqlite", "mariadb"])
def test_a_view_the_models_do_not_declare_over_a_column_they_drop_is_named_before_anything_runs(
    kind: str, database_of, tmp_path: Path,
):
    url = database_of(kind)
    root = tmp_path / "project"
    (root / "migrations").mkdir(parents=True)

    def config(with_a: bool) -> Config:
        metadata = sa.MetaData()
        columns = [sa.Column("id", sa.Integer, primary_key=True)] + ([sa.Column("a", sa.Integer)] if with_a else [])
        sa.Table("t", metadata, *columns)
        return Config(root=root, migrations=root / "migrations", url=url, url_source="test", metadata_object=metadata)

    api.revision(config(True), "a", autogenerate=True)
    api.upgrade(config(True))
    execute(url, ["INSERT INTO t (id, a) VALUES (1, 5)", "CREATE VIEW v AS SELECT id, a FROM t"])
    result = api.revision(config(False), "drop a", autogenerate=True)
    said = [d.describe() for d in result.dependants]
    assert any("view v depends on column t.a" in s and "will fail" in s for s in said), said
